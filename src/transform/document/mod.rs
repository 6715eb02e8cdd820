//! What a document says about itself, checked against whose it is: the unit's name and the
//! fiscal year where a document names its own (the cover or title, a table's `编制单位：`
//! line, the part headings, the subject of its sentences — `上海市普陀区财政局2024年度收入支出
//! 总计…`), and a template's placeholders left in print anywhere in its text.
//!
//! - `identity.name`: a name there that is not the unit's (its full or short name, the
//!   `…人民政府…办事处` long form, an alias of `units.toml`): another office's name left from
//!   the report it was copied from.
//! - `identity.year`: a year there that is not the report's.
//! - `document.placeholder`: `XX局`, `××街道`, `某某`, `XXX万元`, `20XX年` — a template not
//!   filled in.
//!
//! Where a document names other offices on purpose (`根据西城区财政局…`), it is not naming
//! itself: only the places above are read.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{Finding, Origin, Provenance, RuleId, Severity, SourceFile, UnitIdentity};
use crate::reference::text::name_key;
use crate::reference::units::{unit_key, UnitRegistry};
use crate::transform::identify::{printed_unit_name, year_in};

/// Where a document names itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The cover or the title lines before the first heading or table.
    Cover,
    /// A table's title and the lines under it (`编制单位：…`, `2023年度`, `单位：万元`).
    Header,
    /// A part heading (`第三部分 上海市XX局2024年度部门决算情况说明`) or a heading naming the 决算.
    Heading,
    /// A sentence that opens with a unit's name and the year (`XX街道2023年度收入支出总计…`).
    Subject,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::Cover => "the title",
            Place::Header => "a table's header",
            Place::Heading => "a heading",
            Place::Subject => "the subject of a sentence",
        }
    }
}

/// One text where a document names itself.
#[derive(Debug, Clone)]
pub struct Said {
    pub place: Place,
    pub at: Origin,
    pub text: String,
}

/// At most this many texts are kept per document: a hostile file cannot grow the list.
pub const MAX_SAID: usize = 4096;

/// Keeps `text` as said at `place`, within [`MAX_SAID`].
pub fn keep(said: &mut Vec<Said>, place: Place, at: Origin, text: &str) {
    let text = text.trim();
    if said.len() < MAX_SAID && !text.is_empty() {
        // A long paragraph says who it is in its first clause: 200 characters are plenty.
        let end = text.char_indices().nth(200).map_or(text.len(), |(i, _)| i);
        said.push(Said {
            place,
            at,
            text: text[..end].to_string(),
        });
    }
}

/// The sentences of a paragraph that open with a unit's name and then the year
/// (`上海市普陀区财政局2024年度…`, `2023年，新街口街道办事处对2023年度…` after its leading
/// year): the subject is the unit the sentence speaks for.
pub fn subjects(paragraph: &str) -> impl Iterator<Item = &str> {
    paragraph.split('。').filter_map(|sentence| {
        let s = strip_leading_year(sentence.trim());
        // "X本年度…": the name ends where 本年 begins (printed_unit_name cuts at 年度).
        let head = s.find("本年").map_or(s, |i| &s[..i]);
        let name = printed_unit_name(head)?;
        let key = name_key(s);
        let rest = key.strip_prefix(name.as_str())?;
        let rest = rest.strip_prefix('对').unwrap_or(rest);
        let names_year = rest.starts_with("20") || rest.starts_with("本年");
        names_year.then_some(s)
    })
}

/// `2023年，…` / `2023年度,…` → `…`: a sentence's leading time, not its subject.
fn strip_leading_year(s: &str) -> &str {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 4 {
        return s;
    }
    let rest = &s[4..];
    let rest = rest
        .strip_prefix("年度")
        .or_else(|| rest.strip_prefix('年'))
        .unwrap_or(rest);
    rest.trim_start_matches([',', '，', '、', ' ', '\u{3000}'])
}

/// A template's placeholder in `text`: a run of two or more X, x, ×, Ｘ or ＊ that is no
/// Latin word, or 某某: the mark, and the characters around it to show where.
pub fn placeholder(text: &str) -> Option<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mark = |c: char| matches!(c, 'X' | 'x' | '×' | 'Ｘ' | 'ｘ' | '＊' | '*');
    let latin = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic() && !mark(*c));
    let context = |from: usize, to: usize| -> (String, String) {
        let a = from.saturating_sub(6);
        let b = (to + 6).min(chars.len());
        (
            chars[from..to].iter().collect(),
            chars[a..b].iter().collect::<String>().trim().to_string(),
        )
    };
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '某' && chars.get(i + 1) == Some(&'某') {
            return Some(context(i, i + 2));
        }
        if mark(chars[i]) {
            let start = i;
            while i < chars.len() && mark(chars[i]) {
                i += 1;
            }
            let before = start.checked_sub(1).and_then(|j| chars.get(j));
            if i - start >= 2 && !latin(before) && !latin(chars.get(i)) {
                return Some(context(start, i));
            }
            continue;
        }
        i += 1;
    }
    None
}

/// Cuts a heading's title where it goes on to say what the part is about (`…概况`,
/// `…基本情况`), so that the name before it is read.
fn heading_name(text: &str) -> &str {
    ["概况", "基本情况", "主要职能", "机构设置"]
        .iter()
        .filter_map(|w| text.find(w))
        .min()
        .map_or(text, |i| &text[..i])
}

/// Whether a table's header line gives the report's year: a 编制单位 line, the title, or a
/// line that is only the year (`2023年度`, `2023年度  单位：万元`) — not a column heading
/// that names another year's figures (`2022年决算数`).
fn header_names_year(text: &str) -> bool {
    let key = name_key(text);
    if ["编制单位", "单位名称", "决算表", "决算总表", "公开表"]
        .iter()
        .any(|w| key.contains(w))
    {
        return true;
    }
    let rest = key
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches("年度")
        .trim_start_matches('年');
    key.len() - rest.len() >= 5 && key.starts_with("20") && {
        let rest = rest.trim_start_matches(|c: char| "(（)）".contains(c));
        rest.is_empty() || rest.starts_with("单位") || rest.starts_with("金额单位")
    }
}

/// Whether `printed` names `unit`: the same name once city, district, 人民政府 and 办事处 are
/// set aside (北京市西城区人民政府新街口街道办事处 = 新街口街道), one the short form of the
/// other, or an alias.
fn names_unit(units: &UnitRegistry, unit: &UnitIdentity, printed: &str) -> bool {
    let district = units.district_by_code(&unit.district_code);
    let key = |name: &str| {
        let k = unit_key(name, district.as_ref());
        crate::transform::identify::strip_areas(&units.divisions, &k).to_string()
    };
    let printed = key(printed);
    let listed = units.units.iter().find(|u| u.id == unit.unit_id);
    let own = std::iter::once(unit.unit_name.as_str())
        .chain(listed.into_iter().map(|u| u.name.as_str()))
        .chain(
            listed
                .into_iter()
                .flat_map(|u| u.aliases.iter().map(String::as_str)),
        );
    own.map(key).any(|own| {
        own == printed
            || (printed.chars().count() >= 2 && own.contains(printed.as_str()))
            || (own.chars().count() >= 2 && printed.contains(own.as_str()))
    })
}

/// The findings of one document: its texts where it names itself (`said`), and every
/// paragraph of its prose for placeholders. One finding per rule and value, naming every
/// place that prints it.
pub fn check<'a>(
    units: &UnitRegistry,
    unit: &Arc<UnitIdentity>,
    file: &Arc<SourceFile>,
    said: &[Said],
    prose: impl IntoIterator<Item = (Origin, &'a str)>,
) -> Vec<Finding> {
    // (rule, value) → (message, expected, references)
    let mut found: BTreeMap<(RuleId, String), (String, String, Vec<String>)> = BTreeMap::new();
    let reference = |at: &Origin| {
        Provenance {
            file: file.clone(),
            origin: at.clone(),
        }
        .reference()
    };
    let mut add = |rule: RuleId, value: String, message: String, expected: String, at: &Origin| {
        let entry = found
            .entry((rule, value))
            .or_insert_with(|| (message, expected, Vec::new()));
        let r = reference(at);
        if !entry.2.contains(&r) {
            entry.2.push(r);
        }
    };
    let own_name = &unit.unit_name;
    for s in said {
        if let Some((mark, context)) = placeholder(&s.text) {
            add(
                RuleId::DocumentPlaceholder,
                mark,
                format!(
                    "{} leaves a template's placeholder: {context:?}",
                    s.place.describe()
                ),
                own_name.clone(),
                &s.at,
            );
            continue;
        }
        let text = match s.place {
            Place::Heading => heading_name(&s.text),
            // "X本年度…": the name ends where 本年 begins (printed_unit_name cuts at 年度).
            Place::Subject => s
                .text
                .find("本年")
                .map_or(s.text.as_str(), |i| &s.text[..i]),
            _ => s.text.as_str(),
        };
        if let Some(name) = printed_unit_name(text) {
            let a_unit = crate::transform::identify::meaningful(&units.divisions, &name);
            if a_unit && !names_unit(units, unit, &name) {
                add(
                    RuleId::IdentityName,
                    name.clone(),
                    format!(
                        "{} names {name:?}, not {own_name:?} whose document this is",
                        s.place.describe()
                    ),
                    own_name.clone(),
                    &s.at,
                );
            }
        }
        // A heading's year is the report's when it names the 决算 (第三部分 2022年度部门决算
        // 情况说明); a header's or a title's always; a subject's is the one after its name.
        let speaks_of_year = match s.place {
            Place::Heading => s.text.contains("决算"),
            Place::Header => header_names_year(&s.text),
            _ => true,
        };
        if let Some(year) = year_in(&s.text).filter(|_| speaks_of_year) {
            if year != unit.year {
                add(
                    RuleId::IdentityYear,
                    year.to_string(),
                    format!(
                        "{} gives the year {year}; the document is the {} 决算",
                        s.place.describe(),
                        unit.year
                    ),
                    unit.year.to_string(),
                    &s.at,
                );
            }
        }
    }
    for (at, text) in prose {
        if let Some((mark, context)) = placeholder(text) {
            add(
                RuleId::DocumentPlaceholder,
                mark,
                format!("the text leaves a template's placeholder: {context:?}"),
                "a figure or a name".into(),
                &at,
            );
        }
    }
    found
        .into_iter()
        .map(|((rule, value), (message, expected, references))| Finding {
            unit: Some(unit.clone()),
            file: file.clone(),
            rule,
            severity: Severity::Error,
            message,
            expected: Some(expected),
            actual: Some(value),
            tolerance: None,
            references,
        })
        .collect()
}

#[cfg(test)]
mod tests;
