//! Parts of a whole, as reports state them: "本年支出合计2940.05万元，其中：基本支出2336.91万元，
//! 占79.49%；项目支出603.14万元，占20.51%", "政府采购金额为251.25万元，其中：货物采购金额4.79万元、
//! 工程采购金额0万元、服务采购金额246.47万元", a lone share that names its whole ("授予中小企业
//! 合同金额5157.94万元，占政府采购支出总额的65.16%"), and the Shanghai sentences of the amounts
//! that 中小企业 won in the projects reserved for them and in the others (together at most the
//! 政府采购 total). Runs on width-folded text (`,` `:` `;` `(` `)`).

use std::sync::LazyLock;

use regex::Regex;

use super::{is_threshold, printed, re, AMOUNT};
use crate::model::{Adds, Part, Printed, Statement};

/// A lone share: "X 5157.94万元,占政府采购支出总额的65.16%".
static SHARE_OF: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<a>NUM)(?P<ua>万元|亿元|元),占(?P<den>[^,;。%]*?)(?P<p>NUM)%"));

/// "…由中小企业供应商中标或成交的,采购金额21.07万元", in a project kind's clause.
static AWARDED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"在(?P<kind>面向中小企业预留|面向小微企业预留|其他)[^;。]*?由(?P<who>中小企业|小微企业)供应商中标或成交的,采购金额(?P<a>NUM)(?P<ua>万元|亿元|元)",
    )
});

/// Where the clause ending `before` starts: after its last , ; : or 。.
fn piece_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, ',' | ';' | ':' | '。'))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Wholes whose parts the template lists completely.
fn complete_whole(label: &str) -> bool {
    ["收入合计", "支出合计", "政府采购", "基本支出"]
        .iter()
        .any(|w| label.contains(w))
}

/// The name a piece gives its amount: "其中:基本支出10795.86万元" → "基本支出".
fn name_before(piece: &str) -> String {
    piece
        .trim_matches(|c: char| c.is_whitespace() || c == ':')
        .trim_start_matches("其中")
        .trim_start_matches(':')
        .trim_end_matches('为')
        .trim_end_matches("决算")
        .trim()
        .to_string()
}

/// A share's 占… text, reduced to the name of its figure: "支出合计的" → "支出合计".
fn denominator(den: &str) -> String {
    den.trim().trim_end_matches('的').trim().to_string()
}

/// The whole a share names among the figures seen so far: the latest whose name contains
/// the share's (or is contained in it), "收入合计" naming "2023年度本年收入合计".
fn resolve<'a>(den: &str, wholes: &'a [(String, Printed)]) -> Option<&'a (String, Printed)> {
    if den.chars().count() < 2 {
        return None;
    }
    let den = den.trim_start_matches("本年");
    wholes.iter().rev().find(|(label, _)| {
        label.contains(den) || (label.chars().count() >= 4 && den.contains(label.as_str()))
    })
}

/// The statements of one paragraph. `wholes` carries the figures of earlier paragraphs that
/// a share may name; `skip` are spans another reader took (the 类 share lists); `mark`
/// records each amount read (its byte offset).
pub(super) fn parts(
    text: &str,
    paragraph: u32,
    wholes: &mut Vec<(String, Printed)>,
    skip: &[(usize, usize)],
    mark: &mut dyn FnMut(usize),
) -> Vec<Statement> {
    let mut out = Vec::new();
    let skipped = |at: usize| skip.iter().any(|(s, e)| (*s..*e).contains(&at));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for (pos, _) in text.match_indices("其中") {
        if skipped(pos) {
            continue;
        }
        // The whole: the last amount before 其中 that is not a change ("比上年减少…").
        let sentence_start = {
            let before = &text[..pos];
            let end = before.trim_end_matches(['。', ' ']).len();
            before[..end].rfind('。').map_or(0, |i| i + '。'.len_utf8())
        };
        let whole = AMOUNT
            .captures_iter(&text[sentence_start..pos])
            .filter_map(|c| {
                let m = c.get(0)?;
                let n = c.name("n")?;
                let at = sentence_start + m.start();
                let piece_start = piece_start(&text[..at]);
                let piece = &text[piece_start..at];
                let change = piece.trim_start().starts_with('比')
                    || piece.contains("增加")
                    || piece.contains("减少");
                if change || is_threshold(text, sentence_start + m.end()) {
                    return None;
                }
                let label = name_before(piece);
                let p = printed(n.as_str(), Some(&c["u"]), false)?;
                Some((label, p, sentence_start + n.start()))
            })
            .last();
        let Some((label, whole, whole_at)) = whole else {
            continue;
        };
        // The parts: to the sentence's end or a nested 其中, split at ; , and 、.
        let start = pos + "其中".len();
        let rest = &text[start..];
        let end = rest
            .find('。')
            .into_iter()
            .chain(rest.find("其中"))
            .min()
            .unwrap_or(rest.len());
        let region = &rest[..end];
        let mut list: Vec<(Part, usize)> = Vec::new();
        let mut offset = 0;
        for with_separator in region.split_inclusive([';', ',', '、']) {
            let piece_at = start + offset;
            offset += with_separator.len();
            let piece = with_separator.trim_end_matches([';', ',', '、']);
            if let Some(c) = AMOUNT.captures(piece) {
                let (Some(m), Some(n)) = (c.get(0), c.name("n")) else {
                    continue;
                };
                if is_threshold(piece, m.end()) {
                    continue;
                }
                let Some(amount) = printed(n.as_str(), Some(&c["u"]), false) else {
                    continue;
                };
                list.push((
                    Part {
                        name: name_before(&piece[..n.start()]),
                        amount,
                        share: None,
                        of: None,
                    },
                    piece_at + n.start(),
                ));
            }
            if let Some(i) = piece.find('占') {
                let after = &piece[i + '占'.len_utf8()..];
                let Some(pct_at) = after.find(|c: char| c.is_ascii_digit()) else {
                    continue;
                };
                let den = denominator(&after[..pct_at]);
                let Some(num) = after[pct_at..].split('%').next() else {
                    continue;
                };
                if !after[pct_at..].contains('%') {
                    continue;
                }
                let Some(share) = printed(num, None, false) else {
                    continue;
                };
                let of = if den.is_empty() || label.contains(den.trim_start_matches("本年")) {
                    Some((label.clone(), whole))
                } else {
                    resolve(&den, wholes).cloned()
                };
                if let Some((part, _)) = list.last_mut() {
                    if part.share.is_none() {
                        part.share = Some(share);
                        part.of = of;
                    }
                }
            }
        }
        if list.is_empty() {
            continue;
        }
        mark(whole_at);
        for (_, at) in &list {
            mark(*at);
        }
        taken.push((start, start + end));
        let named = |w: &str| list.iter().any(|(p, _)| p.name.contains(w));
        let adds = if list.len() >= 2
            && (complete_whole(&label) || (named("基本支出") && named("项目支出")))
        {
            Adds::Exactly
        } else {
            Adds::Unchecked
        };
        wholes.push((label.clone(), whole));
        out.push(Statement::Parts {
            subject: label,
            whole,
            parts: list.into_iter().map(|(p, _)| p).collect(),
            adds,
            paragraph,
        });
    }
    // A lone share naming a figure stated before: "…5157.94万元,占政府采购支出总额的65.16%".
    for c in SHARE_OF.captures_iter(text) {
        let (Some(m), Some(a)) = (c.get(0), c.name("a")) else {
            continue;
        };
        if skipped(m.start()) || taken.iter().any(|(s, e)| (*s..*e).contains(&m.start())) {
            continue;
        }
        let den = denominator(&c["den"]);
        let Some((of_label, of)) = resolve(&den, wholes).cloned() else {
            continue;
        };
        let (Some(amount), Some(share)) = (
            printed(a.as_str(), Some(&c["ua"]), false),
            printed(&c["p"], None, false),
        ) else {
            continue;
        };
        let piece_start = piece_start(&text[..a.start()]);
        mark(a.start());
        out.push(Statement::Parts {
            subject: of_label.clone(),
            whole: of,
            parts: vec![Part {
                name: name_before(&text[piece_start..a.start()]),
                amount,
                share: Some(share),
                of: Some((of_label, of)),
            }],
            adds: Adds::Unchecked,
            paragraph,
        });
    }
    // What 中小企业 won in the projects reserved for them and in the others: together at most
    // the 政府采购 total; what 小微企业 won in theirs, at most what 中小企业 won in theirs.
    let mut awarded: Vec<(String, String, Printed)> = Vec::new();
    for c in AWARDED.captures_iter(text) {
        let Some(a) = c.name("a") else { continue };
        if let Some(p) = printed(a.as_str(), Some(&c["ua"]), false) {
            mark(a.start());
            awarded.push((c["kind"].to_string(), c["who"].to_string(), p));
        }
    }
    let find = |kind: &str, who: &str| {
        awarded
            .iter()
            .find(|(k, w, _)| k == kind && w == who)
            .map(|(_, _, p)| *p)
    };
    let total = wholes
        .iter()
        .rev()
        .find(|(label, _)| label.contains("政府采购"))
        .cloned();
    let part = |name: &str, amount: Printed| Part {
        name: name.to_string(),
        amount,
        share: None,
        of: None,
    };
    if let (Some((label, total)), Some(reserved), Some(other)) = (
        total,
        find("面向中小企业预留", "中小企业"),
        find("其他", "中小企业"),
    ) {
        out.push(Statement::Parts {
            subject: format!("{label}: 由中小企业供应商中标或成交的"),
            whole: total,
            parts: vec![
                part("面向中小企业预留的项目中", reserved),
                part("其他政府采购项目中", other),
            ],
            adds: Adds::AtMost,
            paragraph,
        });
    }
    if let (Some(reserved), Some(small)) = (
        find("面向中小企业预留", "中小企业"),
        find("面向小微企业预留", "小微企业"),
    ) {
        out.push(Statement::Parts {
            subject: "面向中小企业预留的项目中由中小企业供应商中标或成交的".into(),
            whole: reserved,
            parts: vec![part(
                "面向小微企业预留的项目中由小微企业供应商中标或成交的",
                small,
            )],
            adds: Adds::AtMost,
            paragraph,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(paragraphs: &[&str]) -> Vec<Statement> {
        let mut wholes = Vec::new();
        let mut out = Vec::new();
        for (i, p) in paragraphs.iter().enumerate() {
            let text = crate::reference::text::fold_width(p).into_owned();
            out.extend(parts(&text, i as u32 + 1, &mut wholes, &[], &mut |_| {}));
        }
        out
    }

    type Summary = (
        String,
        String,
        Vec<(String, String, Option<String>, Option<String>)>,
        Adds,
    );

    fn summary(s: &Statement) -> Summary {
        let Statement::Parts {
            subject,
            whole,
            parts,
            adds,
            ..
        } = s
        else {
            panic!("{s:?}")
        };
        (
            subject.clone(),
            whole.value.to_string(),
            parts
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.amount.value.to_string(),
                        p.share.map(|s| s.value.to_string()),
                        p.of.as_ref().map(|(_, o)| o.value.to_string()),
                    )
                })
                .collect(),
            *adds,
        )
    }

    #[test]
    fn parts_of_a_whole_in_beijing_and_shanghai_wordings() {
        let got = read(&[
            "2023年度本年支出合计39985.83万元，比上年减少1170.82万元，下降2.84%，其中：基本支出10795.86万元，占支出合计的26.99%；项目支出29189.97万元，占支出合计的73%;上缴上级支出0万元，占支出合计的0%。",
            "政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元、工程采购金额0万元、服务采购金额246.47万元。",
            "2023年度政府采购支出总额7914.96万元，其中：政府采购货物支出61.16万元，政府采购工程支出1707.81万元，政府采购服务支出6145.99万元。授予中小企业合同金额5157.94万元，占政府采购支出总额的65.16%，其中：授予小微企业合同金额4080.3万元，占政府采购支出总额的51.55%。",
            "在面向中小企业预留的政府采购项目中，由中小企业供应商中标或成交的，采购金额21.07万元；在面向小微企业预留政府采购项目中，由小微企业供应商中标或成交的，采购金额21.07万元；在其他政府采购项目中，由中小企业供应商中标或成交的，采购金额21.07万元。",
        ]);
        let s: Vec<_> = got.iter().map(summary).collect();
        let own = |v: &str| Some(v.to_string());
        assert_eq!(s[0].0, "2023年度本年支出合计");
        assert_eq!(s[0].1, "39985.83");
        assert_eq!(
            s[0].2,
            vec![
                (
                    "基本支出".into(),
                    "10795.86".into(),
                    own("26.99"),
                    own("39985.83")
                ),
                (
                    "项目支出".into(),
                    "29189.97".into(),
                    own("73"),
                    own("39985.83")
                ),
                ("上缴上级支出".into(), "0".into(), own("0"), own("39985.83")),
            ]
        );
        assert_eq!(s[0].3, Adds::Exactly, "the kinds of 支出 are all of it");
        assert_eq!(s[1].1, "251.25");
        assert_eq!(s[1].2.len(), 3);
        assert_eq!(s[1].3, Adds::Exactly);
        // 7914.96 = 货物 + 工程 + 服务; 中小企业's share of it, then 小微企业's of it too.
        assert_eq!(s[2].1, "7914.96");
        assert_eq!(s[2].2.len(), 3);
        assert_eq!((s[3].1.as_str(), s[3].3), ("5157.94", Adds::Unchecked));
        assert_eq!(
            s[3].2,
            vec![(
                "授予小微企业合同金额".into(),
                "4080.3".into(),
                own("51.55"),
                own("7914.96")
            )]
        );
        let lone = s
            .iter()
            .find(|x| x.2[0].1 == "5157.94")
            .expect("the lone share");
        assert_eq!(lone.2[0].3, own("7914.96"));
        // 21.07 + 21.07 of a 政府采购 total stated before.
        let awarded = s
            .iter()
            .find(|x| x.0.ends_with("由中小企业供应商中标或成交的"))
            .expect("awarded");
        assert_eq!(awarded.1, "7914.96");
        assert_eq!((awarded.2.len(), awarded.3), (2, Adds::AtMost));
    }

    /// 资产总计's 其中 lists 固定资产原值, 累计折旧 and 净值 side by side: not parts to sum.
    #[test]
    fn a_list_of_some_figures_is_not_summed() {
        let got = read(&["截至2023年年末部门资产总计17415.16万元，其中：现金2.88万元，银行存款97.47万元，固定资产原值15656.29万元，累计折旧6013.08万元，固定资产净值9643.21万元。"]);
        assert_eq!(summary(&got[0]).3, Adds::Unchecked);
        let budget = read(&["2023年全年预算数40775.5299万元，其中，基本支出预算数10796.34万元，项目支出预算数29979.19万元，其他支出预算数0万元。"]);
        assert_eq!(
            summary(&budget[0]).3,
            Adds::Exactly,
            "基本 and 项目 are all kinds"
        );
    }

    #[test]
    fn no_parts_without_amounts_or_a_whole() {
        assert!(read(&["共有车辆0辆，其中：部级领导干部用车0辆。"]).is_empty());
        assert!(read(&["其中：（1）工资福利支出包括基本工资、津贴补贴。"]).is_empty());
        // A share naming no figure stated before is no statement.
        assert!(read(&["授予中小企业合同金额5157.94万元，占某某总额的65.16%。"]).is_empty());
    }
}
