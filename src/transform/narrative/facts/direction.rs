//! Comparison words and the figures they are about: "年初预算为 B 万元，支出决算为 A 万元。
//! 决算数小于预算数…" (`大于/小于/高于/低于/超过/少于/等于`, `与…预算数（基本）持平`), read
//! as a [`Statement::Direction`] the checks hold against A and B (`report.direction`).

use std::sync::LazyLock;

use regex::Regex;

use super::{printed, re};
use crate::model::{Claim, Printed, Statement};

/// The words: 决算数 then a comparison with a budget, or 决算数与…预算数持平.
static WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"决算数?(?:(?P<w1>大于|小于|高于|低于|超过|少于|等于)(?P<k1>年初|全年|调整后)?预算数?|(?:与|和)(?P<k2>年初|全年|调整后)?预算数?(?P<w2>基本持平|持平|相等|一致|基本一致))",
    )
});

/// A budget or the actual stated as a figure: "年初预算为 B 万元", "支出决算为 A 万元".
static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<k>年初|全年|调整后)?预算(?:数)?为(?P<b>NUM)(?P<ub>万元|亿元|元)|决算(?:数)?为(?P<a>NUM)(?P<ua>万元|亿元|元)",
    )
});

fn claim(words: &str) -> Option<Claim> {
    Some(match words {
        "大于" | "高于" | "超过" => Claim::Greater,
        "小于" | "低于" | "少于" => Claim::Less,
        "等于" | "持平" | "相等" | "一致" => Claim::Equal,
        "基本持平" | "基本一致" => Claim::RoughlyEqual,
        _ => return None,
    })
}

/// The budgets and the actual a sentence states: the budgets up to the first 决算为 after
/// them (the figures of one statement, not the items listed after it).
fn figures(sentence: &str) -> Option<(Vec<(String, Printed)>, Printed)> {
    let mut budgets: Vec<(String, Printed)> = Vec::new();
    for c in FIGURE.captures_iter(sentence) {
        if let Some(b) = c.name("b") {
            let kind = match c.name("k").map(|k| k.as_str()) {
                Some("全年" | "调整后") => "全年",
                _ => "年初",
            };
            budgets.push((kind.into(), printed(b.as_str(), Some(&c["ub"]), false)?));
        } else if let Some(a) = c.name("a") {
            if budgets.is_empty() {
                continue;
            }
            return Some((budgets, printed(a.as_str(), Some(&c["ua"]), false)?));
        }
    }
    None
}

/// Every comparison of a paragraph (width-folded) whose figures it states.
pub(super) fn directions(text: &str, paragraph: u32) -> Vec<Statement> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    for c in WORDS.captures_iter(&compact) {
        let Some(m) = c.get(0) else { continue };
        let (Some(words), named) = (
            c.name("w1").or(c.name("w2")).map(|w| w.as_str()),
            c.name("k1").or(c.name("k2")).map(|k| match k.as_str() {
                "年初" => "年初".to_string(),
                _ => "全年".to_string(),
            }),
        ) else {
            continue;
        };
        let Some(claim) = claim(words) else { continue };
        // The sentence of the words, then the one before it, states the figures.
        let before = &compact[..m.start()];
        let mut sentences = before.rsplit('。');
        let own = sentences.next().unwrap_or("");
        let found = figures(own)
            .map(|f| (f, own))
            .or_else(|| sentences.next().and_then(|s| figures(s).map(|f| (f, s))));
        let Some(((budgets, actual), sentence)) = found else {
            continue;
        };
        let subject: String = sentence
            .split(['：', ':'])
            .next()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        out.push(Statement::Direction {
            subject: subject.trim_matches([',', ';']).to_string(),
            actual,
            budgets,
            named,
            claim,
            words: m.as_str().to_string(),
            paragraph,
        });
    }
    out
}
