//! Facts from a report's sentences: named metrics with exact 元 values, percentages as
//! printed, and per-类 actual and 年初预算 lines. Patterns run on width-folded text
//! (，→, （→( ：→:), so half- and full-width punctuation read alike. Wording that no
//! pattern understands yields nothing: never a guessed fact. Every amount mention is
//! counted, and so are the ones that became facts.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::extract::report::read::Block;
use crate::model::{
    parse_decimal_text, FactValue, Fund, Metric, MoneyUnit, Printed, ShareItem, Statement, Yuan,
};
use crate::reference::text::fold_width;
use crate::transform::narrative::sections::{Outline, Section};

mod direction;
mod parts;
mod patterns;
use patterns::*;

/// A number as printed: thousands separators, decimals, a sign.
const NUM: &str = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("NUM", NUM)).unwrap_or_else(|e| panic!("pattern {pattern}: {e}"))
}

/// One fact found in a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFact {
    pub metric: Metric,
    pub value: FactValue,
    pub paragraph: u32,
}

/// A per-类 statement: "1、一般公共服务（类）2023年度决算11724.11万元，比年初预算减少741.69万元",
/// or a per-项 one: "1、一般公共服务支出（类）财政事务（款）行政运行（项）。…年初预算为1560.05
/// 万元，支出决算为1511.89万元" (the 款 and 项 names in `below`).
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryLine {
    pub fund: Fund,
    /// The 类 name as printed ("一般公共服务"), and a code when printed with it ("208类").
    pub name: String,
    pub code: Option<String>,
    /// The 款 and then the 项 name as printed, for a statement below the 类.
    pub below: Vec<String>,
    pub actual: Yuan,
    pub budget_initial: Option<Yuan>,
    /// The budget as adjusted during the year (全年预算), when that is what is stated.
    pub budget_final: Option<Yuan>,
    pub paragraph: u32,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub facts: Vec<ReportFact>,
    pub statements: Vec<Statement>,
    pub categories: Vec<CategoryLine>,
    /// Amount mentions (a number with 元/万元/亿元) in the text, and how many became facts.
    pub amount_mentions: usize,
    pub amount_mentions_used: usize,
    /// Amounts the warehouse cannot hold (beyond decimal(18,2)): (paragraph, as printed).
    pub out_of_range: Vec<(u32, String)>,
    /// Amount mentions no fact took: (paragraph, the mention with the words before it), so
    /// that a wording juesuan does not read yet shows up.
    pub unused: Vec<(u32, String)>,
}

fn printed(text: &str, unit_label: Option<&str>, negative: bool) -> Option<Printed> {
    let v = number(text)?;
    let p = Printed::new(if negative { -v } else { v }, unit_label.map(unit));
    // What the checks' interval arithmetic can hold: an amount the warehouse could store,
    // a percentage below a million, at most ten printed decimals.
    let fits = match p.unit {
        Some(u) => u.to_yuan(p.value).is_some(),
        None => p.value.abs() < Decimal::from(1_000_000),
    };
    (fits && p.decimals <= 10).then_some(p)
}

/// An amount that is a threshold, not a figure: "单价100万元（含）以上设备", "100万元以上".
fn is_threshold(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or("");
    after.starts_with("以上") || after.starts_with("(含)以上") || after.starts_with("以下")
}

fn unit(label: &str) -> MoneyUnit {
    match label {
        "元" => MoneyUnit::Yuan,
        "亿元" => MoneyUnit::Yiyuan,
        _ => MoneyUnit::Wanyuan,
    }
}

fn number(text: &str) -> Option<Decimal> {
    parse_decimal_text(text)
}

/// Reads every fact the patterns understand from the report's paragraphs.
/// The growth rate of a change (`p`), negative when it says 下降 (`pv`).
fn signed_pct(c: &regex::Captures) -> Option<Printed> {
    let falls = c.name("pv").is_some_and(|v| v.as_str() == "下降");
    printed(c.name("p")?.as_str(), None, falls)
}

pub fn extract(blocks: &[Block], outline: &Outline) -> Facts {
    let mut out = Facts::default();
    let mut used: BTreeSet<(u32, usize)> = BTreeSet::new();
    let mut seen: BTreeSet<Metric> = BTreeSet::new();
    // A 类 named by a heading, waiting for its statement in this or the next paragraph.
    let mut pending: Option<(String, Option<String>, Vec<String>, u32)> = None;
    // The amount a per-项 heading states before its sentence, to check against 支出决算为.
    let mut heading_amount: Option<Printed> = None;
    // Wholes stated so far ("本年支出合计…"), for the shares that name them.
    let mut wholes: Vec<(String, Printed)> = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let Block::Para { number: para, text } = block else {
            continue;
        };
        let index = index as u32;
        let text = fold_width(text).into_owned();
        for c in AMOUNT.captures_iter(&text) {
            if is_threshold(&text, c.get(0).map_or(0, |m| m.end())) {
                continue;
            }
            out.amount_mentions += 1;
            let fits = number(&c["n"])
                .and_then(|n| unit(&c["u"]).to_yuan(n))
                .is_some();
            if !fits && out.out_of_range.len() < 100 {
                out.out_of_range.push((*para, c[0].to_string()));
            }
        }
        let text = blank_unreadable(text);
        let mut mark = |start: usize| {
            used.insert((*para, start));
        };

        // Which budget the statements below belong to: their section's.
        let fund = outline.section_of(index as usize).and_then(Section::fund);

        for pattern in PATTERNS.iter() {
            if pattern.within.is_some_and(|w| !text.contains(w)) {
                continue;
            }
            if seen.contains(&pattern.metric) {
                // A figure stated again (a later section restates 基本支出 …) is read, not a
                // new fact: the first statement of a metric is its fact.
                if matches!(pattern.kind, Kind::Money | Kind::Change) {
                    for c in pattern.regex.captures_iter(&text) {
                        if let Some(n) = c.name("n") {
                            mark(n.start());
                        }
                    }
                }
                continue;
            }
            let Some(c) = pattern.regex.captures(&text) else {
                continue;
            };
            let Some(n) = c.name("n") else { continue };
            let Some(value) = number(n.as_str()) else {
                continue;
            };
            let negative = c
                .name("v")
                .is_some_and(|v| matches!(v.as_str(), "减少" | "下降"));
            let signed = if negative { -value } else { value };
            let value = match pattern.kind {
                Kind::Money | Kind::Change => {
                    let u = c.name("u").map_or(MoneyUnit::Wanyuan, |u| unit(u.as_str()));
                    match u.to_yuan(signed) {
                        Some(v) => FactValue::Money(v),
                        None => continue,
                    }
                }
                Kind::Percent => match (signed / Decimal::from(100)).to_f64() {
                    Some(r) => FactValue::Ratio(r),
                    None => continue,
                },
                Kind::Count => match value.to_i32() {
                    Some(n) => FactValue::Count(n),
                    None => continue,
                },
                Kind::Score => match value.to_f64() {
                    Some(s) => FactValue::Ratio(s),
                    None => continue,
                },
            };
            if matches!(pattern.kind, Kind::Money | Kind::Change) {
                mark(n.start());
            }
            seen.insert(pattern.metric);
            out.facts.push(ReportFact {
                metric: pattern.metric,
                value,
                paragraph: *para,
            });
        }

        let total_change = TOTAL_CHANGE.captures(&text);
        if let Some(c) = &total_change {
            for g in ["a", "d"] {
                if let Some(m) = c.name(g) {
                    mark(m.start());
                }
            }
            let down = &c["v"] == "减少";
            let pct = signed_pct(c);
            if let (Some(current), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) {
                let subject = if text[..c.name("s").map_or(0, |m| m.start())].ends_with("财政拨款")
                {
                    "财政拨款收支总计 vs 上年"
                } else {
                    "收支总计 vs 上年"
                };
                out.statements.push(Statement::Change {
                    subject: subject.into(),
                    current,
                    base: None,
                    diff,
                    pct,
                    paragraph: *para,
                });
            }
        }
        if let Some(c) = BASE_THEN_DIFF.captures(&text) {
            for g in ["a", "b", "d"] {
                if let Some(m) = c.name(g) {
                    mark(m.start());
                }
            }
            let down = &c["v"] == "减少";
            if let (Some(current), Some(base), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["b"], Some(&c["ub"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) {
                let trim = |t: &str| -> String {
                    t.trim_matches(|ch: char| {
                        ch.is_ascii_digit() || matches!(ch, '.' | '。' | '、' | ' ' | '年' | '度')
                    })
                    .to_string()
                };
                // "1.因公出国(境)费用。2023年度决算数…": the subject is the sentence before.
                let mut name = trim(&c["s"]);
                if name.is_empty() {
                    let start = c.get(0).map_or(0, |m| m.start());
                    name = trim(
                        text[..start]
                            .trim_end_matches('。')
                            .rsplit('。')
                            .next()
                            .unwrap_or(""),
                    );
                }
                let subject = format!("{name}: 决算 vs 年初预算");
                out.statements.push(Statement::Change {
                    subject,
                    current,
                    base: Some(base),
                    diff,
                    pct: None,
                    paragraph: *para,
                });
            }
        }
        for c in STATED_RATE.captures_iter(&text) {
            let of = c.name("k").map_or("年初", |k| k.as_str());
            let budget = if of == "年初" {
                c.name("bi").zip(c.name("ubi"))
            } else {
                c.name("bf").zip(c.name("ubf"))
            };
            let (Some(actual), Some(rate)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["r"], None, false),
            ) else {
                continue;
            };
            let start = c.get(0).map_or(0, |m| m.start());
            let subject: String = text[..start]
                .rsplit(['。', ';'])
                .next()
                .unwrap_or("")
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.statements.push(Statement::Rate {
                subject: subject
                    .trim_matches(|ch: char| ch == ',' || ch.is_whitespace())
                    .to_string(),
                actual,
                budget: budget.and_then(|(b, u)| printed(b.as_str(), Some(u.as_str()), false)),
                of: of.to_string(),
                rate,
                paragraph: *para,
            });
        }
        // Changes against last year, in the wordings TOTAL_CHANGE does not read.
        let mut yearly: Vec<(String, Printed, Printed, Option<Printed>, usize, usize)> = Vec::new();
        for c in VERSUS_LAST_YEAR.captures_iter(&text) {
            let subject = c["s"].trim();
            let Some(start) = c.get(0).map(|m| m.start()) else {
                continue;
            };
            // The current value: the subject's last amount before the comparison.
            let current = re(&format!(
                "{}(?:为)?(?P<a>NUM)(?P<ua>万元|亿元|元)",
                regex::escape(subject)
            ))
            .captures_iter(&text[..start])
            .last()
            .and_then(|a| {
                let at = a.name("a")?.start();
                Some((printed(&a["a"], Some(&a["ua"]), false)?, at))
            });
            let down = &c["v"] == "减少";
            let (Some((current, at)), Some(diff)) =
                (current, printed(&c["d"], Some(&c["ud"]), down))
            else {
                continue;
            };
            let pct = signed_pct(&c);
            yearly.push((
                subject.to_string(),
                current,
                diff,
                pct,
                at,
                c.name("d").map_or(0, |m| m.start()),
            ));
        }
        for c in THAN_LAST_YEAR.captures_iter(&text) {
            let subject = c["s"].trim();
            if total_change.is_some()
                && (subject.contains("收支总计") || subject.contains("收入支出总计"))
            {
                continue;
            }
            let down = &c["v"] == "减少";
            let (Some(current), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) else {
                continue;
            };
            let pct = signed_pct(&c);
            yearly.push((
                subject.to_string(),
                current,
                diff,
                pct,
                c.name("a").map_or(0, |m| m.start()),
                c.name("d").map_or(0, |m| m.start()),
            ));
        }
        for (subject, current, diff, pct, at, d) in yearly {
            mark(at);
            mark(d);
            out.statements.push(Statement::Change {
                subject: yearly_subject(&subject),
                current,
                base: None,
                diff,
                pct,
                paragraph: *para,
            });
        }
        if let Some(c) = SHARE_LIST.captures(&text) {
            // Every amount of the list is a statement's: the total and each item's.
            let list_start = c.get(0).map_or(0, |m| m.start());
            let list_end = text[list_start..]
                .find('。')
                .map_or(text.len(), |e| list_start + e);
            for a in AMOUNT.captures_iter(&text[list_start..list_end]) {
                if let Some(n) = a.name("n") {
                    mark(list_start + n.start());
                }
            }
            let rest = &text[c.get(0).map_or(0, |m| m.end())..];
            let rest = rest.split_once(':').map_or(rest, |(_, r)| r);
            let items: Vec<ShareItem> = rest
                .split(';')
                .filter_map(|piece| SHARE_ITEM.captures(piece.trim()))
                .filter_map(|i| {
                    Some(ShareItem {
                        name: i["name"].trim().to_string(),
                        amount: printed(&i["a"], Some(&i["ua"]), false)?,
                        share: i.name("p").and_then(|p| printed(p.as_str(), None, false)),
                    })
                })
                .collect();
            let denominator = rest
                .split(';')
                .find_map(|piece| {
                    SHARE_ITEM
                        .captures(piece.trim())
                        .and_then(|i| i.name("den").map(|d| d.as_str().to_string()))
                })
                .unwrap_or_default();
            let fund = if c["label"].starts_with("政府性基金") {
                Fund::GovernmentFund
            } else {
                Fund::GeneralPublic
            };
            if let (Some(total), false) =
                (printed(&c["t"], Some(&c["ut"]), false), items.is_empty())
            {
                out.statements.push(Statement::ShareList {
                    fund,
                    total,
                    items,
                    denominator,
                    paragraph: *para,
                });
            }
        }

        // Parts of a whole and the shares they state, outside the 类 share lists.
        let listed: Vec<(usize, usize)> = SHARE_LIST
            .find(&text)
            .map(|m| {
                let end = text[m.start()..]
                    .find('。')
                    .map_or(text.len(), |e| m.start() + e);
                (m.start(), end)
            })
            .into_iter()
            .collect();
        out.statements
            .extend(parts::parts(&text, *para, &mut wholes, &listed, &mut mark));
        out.statements.extend(direction::directions(&text, *para));

        // Per-类 statements: a heading names the 类, this or the next paragraph states it.
        if pending
            .as_ref()
            .is_some_and(|(_, _, _, at)| *at + 1 < index)
        {
            pending = None; // a heading whose statement never came
            heading_amount = None;
        }
        if let Some(c) = CATEGORY_HEADING
            .captures(&text)
            .or_else(|| CATEGORY_INLINE.captures(&text))
        {
            // "X(类)Y(款)Z(项)": a 款's or 项's statement, its names below the 类.
            let mut rest = c.get(0).map_or("", |m| &text[m.end()..]);
            let mut below = Vec::new();
            while let Some(b) = BELOW.captures(rest) {
                below.push(b["name"].trim().to_string());
                rest = &rest[b.get(0).map_or(rest.len(), |m| m.end())..];
            }
            // "“行政运行”(项)1511.89万元。…": an amount right after the names.
            heading_amount = HEADING_AMOUNT.captures(rest).and_then(|h| {
                let n = h.name("a")?;
                mark(text.len() - rest.len() + n.start());
                printed(n.as_str(), Some(&h["ua"]), false)
            });
            pending = Some((
                c["name"]
                    .trim()
                    .trim_matches(|ch| matches!(ch, '“' | '”' | '"'))
                    .to_string(),
                c.name("code").map(|m| m.as_str().to_string()),
                below,
                index,
            ));
        }
        let mut stated_actual: Option<Printed> = None;
        let statement = if let Some(c) = VERSUS_BUDGET.captures(&text) {
            stated_actual = printed(&c["a"], Some(&c["ua"]), false);
            let actual = number(&c["a"]).and_then(|a| unit(&c["ua"]).to_yuan(a));
            let budget = match (c.name("d"), c.name("v")) {
                (Some(d), Some(v)) => number(d.as_str()).zip(actual).and_then(|(d, a)| {
                    let d = unit(&c["ud"]).to_yuan(d)?;
                    // 比年初预算减少 d: actual = budget − d.
                    Some(if matches!(v.as_str(), "减少" | "下降") {
                        a + d
                    } else {
                        a - d
                    })
                }),
                _ if c.name("flat").is_some() => actual,
                _ => None,
            };
            mark(c.name("a").map_or(0, |m| m.start()));
            if let Some(d) = c.name("d") {
                mark(d.start());
            }
            if let (Some(d), Some(v), Some((name, _, _, _))) =
                (c.name("d"), c.name("v"), pending.as_ref())
            {
                let down = matches!(v.as_str(), "减少" | "下降");
                let pct = c.name("p").and_then(|p| {
                    printed(
                        p.as_str(),
                        None,
                        c.name("pv").is_some_and(|v| v.as_str() == "下降"),
                    )
                });
                if let (Some(current), Some(diff)) = (
                    printed(&c["a"], Some(&c["ua"]), false),
                    printed(d.as_str(), Some(&c["ud"]), down),
                ) {
                    out.statements.push(Statement::Change {
                        subject: format!("{name}: 决算 vs 年初预算"),
                        current,
                        base: None,
                        diff,
                        pct,
                        paragraph: *para,
                    });
                }
            }
            actual.map(|a| (a, budget, None))
        } else if let Some(c) = BUDGET_THEN_ACTUAL.captures(&text) {
            stated_actual = printed(&c["a"], Some(&c["ua"]), false);
            mark(c.name("a").map_or(0, |m| m.start()));
            mark(c.name("b").map_or(0, |m| m.start()));
            let initial = &c["kind"] == "年初";
            number(&c["a"]).and_then(|a| {
                let budget = number(&c["b"]).and_then(|b| unit(&c["ub"]).to_yuan(b));
                Some((
                    unit(&c["ua"]).to_yuan(a)?,
                    budget.filter(|_| initial),
                    budget.filter(|_| !initial),
                ))
            })
        } else {
            None
        };
        if let (Some((actual, budget_initial, budget_final)), Some(f)) = (statement, fund) {
            if let Some((name, code, below, _)) = pending.take() {
                if let (Some(heading), Some(actual)) = (heading_amount.take(), stated_actual) {
                    out.statements.push(Statement::Same {
                        subject: std::iter::once(name.as_str())
                            .chain(below.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join("/"),
                        first: heading,
                        second: actual,
                        what: "the heading's amount and its 支出决算".into(),
                        paragraph: *para,
                    });
                }
                out.categories.push(CategoryLine {
                    fund: f,
                    name,
                    code,
                    below,
                    actual,
                    budget_initial,
                    budget_final,
                    paragraph: *para,
                });
            }
        }
    }
    // A mention counts as used when a fact took its number.
    out.amount_mentions_used = used.len();
    for block in blocks {
        let Block::Para { number: para, text } = block else {
            continue;
        };
        let text = fold_width(text);
        for c in AMOUNT.captures_iter(&text) {
            let Some(n) = c.name("n") else { continue };
            if used.contains(&(*para, n.start()))
                || out.unused.len() >= 1000
                || is_threshold(&text, c.get(0).map_or(0, |m| m.end()))
            {
                continue;
            }
            let before: String = text[..n.start()]
                .chars()
                .rev()
                .take(16)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.unused.push((*para, format!("{before}{}", &c[0])));
        }
    }
    out
}

/// A sentence with a glyph that has no Unicode mapping (U+FFFD: a PDF font that is damaged
/// or has no ToUnicode map) states nothing that can be trusted: "3\u{FFFD}7.82万元" must not
/// read as 7.82万元. Its bytes become spaces, so every position in the paragraph stays
/// where it was; its amounts remain mentions that were not read.
fn blank_unreadable(text: String) -> String {
    if !text.contains(char::REPLACEMENT_CHARACTER) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for sentence in text.split_inclusive(['。', '；', ';', '！', '!', '？', '?']) {
        if sentence.contains(char::REPLACEMENT_CHARACTER) {
            out.extend(std::iter::repeat_n(' ', sentence.len()));
        } else {
            out.push_str(sentence);
        }
    }
    out
}

#[cfg(test)]
mod tests;
