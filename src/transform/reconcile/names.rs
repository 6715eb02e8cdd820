//! Codes and the names printed beside them.
//!
//! - `classify.name`: a code printed with a name other than the catalogue's for the year —
//!   its name of another year (207 文化体育与传媒支出, 2018 and earlier), a former name old
//!   templates still print (20805 行政事业单位离退休), or a variant — is `info`: the code
//!   decides, and the name as printed is kept in `name_printed`.
//! - `code.name`: a code printed with the name of another code of that year's catalogue
//!   (2080505 printed as 机关事业单位职业年金缴费支出, the name of 2080506) is an error: one of
//!   the two is wrong. A name that no code has and that is not near the code's own is a
//!   warning.
//! - `code.tables`: one printed name with one code in a table and another code in another
//!   table of the same document is an error.
//!
//! One finding per name and code of a file, naming every row that prints it.

use std::collections::HashSet;

use super::*;
use crate::model::ClassificationStatus;
use crate::reference::catalog::Catalog;
use crate::reference::text::name_key;

/// Below this similarity to its code's own name, a name no code has is no variant of it.
const FOREIGN: f64 = 0.5;

/// What a name printed beside a code is, for a code the catalogue knows.
enum Verdict {
    /// A name of another year, former or variant (`classify.name`).
    Variant,
    /// The name of these other codes in the year.
    OtherCodes(Vec<String>),
    /// A name no code has, far from the code's own.
    NoCode,
}

/// Names of the year's codes, by name key.
fn index(catalog: &Catalog, year: i32) -> HashMap<String, Vec<String>> {
    let mut by: HashMap<String, Vec<String>> = HashMap::new();
    for row in catalog.functions_in(year) {
        by.entry(row.key.clone())
            .or_default()
            .push(row.code.clone());
    }
    by
}

fn judge(catalog: &Catalog, names: &HashMap<String, Vec<String>>, r: &ExpenditureRow) -> Verdict {
    let key = name_key(crate::reference::text::strip_ordinal(&r.name_printed));
    let year = r.unit.year;
    let known_alias = catalog.aliases(&r.code.code, year).any(|a| a.key == key);
    if known_alias || r.code.status == ClassificationStatus::Crosswalked {
        return Verdict::Variant;
    }
    if let Some(codes) = names.get(&key) {
        let others: Vec<String> = codes
            .iter()
            .filter(|c| **c != r.code.code)
            .cloned()
            .collect();
        if !others.is_empty() && !codes.contains(&r.code.code) {
            return Verdict::OtherCodes(others);
        }
    }
    if crate::transform::classify::name_similarity(&r.name_printed, &r.code.name) < FOREIGN {
        return Verdict::NoCode;
    }
    Verdict::Variant
}

pub(super) fn names(ctx: &mut Ctx, catalog: Option<&Catalog>, rows: &[&ExpenditureRow]) {
    // (file, code, printed name) → rows, in the order the rows came.
    let mut by: BTreeMap<(&str, &str, &str), Vec<&ExpenditureRow>> = BTreeMap::new();
    for r in rows {
        ctx.checks += 1;
        let renamed = match r.code.status {
            ClassificationStatus::Crosswalked => r.code.code_printed.is_none(),
            ClassificationStatus::NameVariant => true,
            _ => false,
        };
        if renamed && !r.name_printed.is_empty() {
            let key = (
                &*r.provenance.file.display_path,
                r.code.code.as_str(),
                r.name_printed.as_str(),
            );
            by.entry(key).or_default().push(r);
        }
    }
    let mut indexes: HashMap<i32, HashMap<String, Vec<String>>> = HashMap::new();
    for ((_, code, printed), group) in by {
        let first = group[0];
        let references: Vec<String> = group.iter().map(|r| r.provenance.reference()).collect();
        let verdict = match catalog {
            Some(catalog) if first.code.status == ClassificationStatus::NameVariant => {
                let names = indexes
                    .entry(first.unit.year)
                    .or_insert_with(|| index(catalog, first.unit.year));
                judge(catalog, names, first)
            }
            _ => Verdict::Variant,
        };
        match verdict {
            Verdict::OtherCodes(others) => ctx.fail(
                RuleId::CodeName,
                &first.unit,
                &first.provenance.file,
                None,
                Severity::Error,
                format!(
                    "{code} is printed with {printed:?}, the name of {} in {}; {code} is {:?}",
                    others.join(", "),
                    first.unit.year,
                    first.code.name
                ),
                first.code.name.clone(),
                printed.to_string(),
                "the catalogue's names for the year".into(),
                references,
            ),
            Verdict::NoCode => ctx.fail(
                RuleId::CodeName,
                &first.unit,
                &first.provenance.file,
                None,
                Severity::Warning,
                format!(
                    "{code} is printed with {printed:?}, a name no code has in {} and far from its own {:?}",
                    first.unit.year, first.code.name
                ),
                first.code.name.clone(),
                printed.to_string(),
                format!("similarity below {FOREIGN}"),
                references,
            ),
            Verdict::Variant => {
                let how = if first.code.status == ClassificationStatus::Crosswalked {
                    "a former name of"
                } else {
                    "a variant of the name of"
                };
                ctx.fail(
                    RuleId::ClassifyName,
                    &first.unit,
                    &first.provenance.file,
                    None,
                    Severity::Info,
                    format!(
                        "{printed:?} is {how} {code}, in {} {:?}",
                        first.unit.year, first.code.name
                    ),
                    first.code.name.clone(),
                    printed.to_string(),
                    "the catalogue's names and aliases".into(),
                    references,
                );
            }
        }
    }
}

/// `code.tables`: per document, a printed name that one table prints with exactly one code
/// and another table with exactly one other code. (A name printed beside several codes in a
/// table — 行政运行 under every 款 — says nothing alone.)
pub(super) fn code_tables(ctx: &mut Ctx, x: &Extraction) {
    let Some(unit) = &x.identity else { return };
    // name → table → codes (with their rows).
    let mut by: BTreeMap<String, BTreeMap<Source, BTreeMap<&str, &ExpenditureRow>>> =
        BTreeMap::new();
    for r in x.expenditure.iter().filter(|r| r.source != Source::Report) {
        let key = name_key(crate::reference::text::strip_ordinal(&r.name_printed));
        if key.is_empty() {
            continue;
        }
        by.entry(key)
            .or_default()
            .entry(r.source)
            .or_default()
            .entry(r.code.code.as_str())
            .or_insert(r);
    }
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for (name, tables) in &by {
        if tables.len() < 2 {
            continue;
        }
        ctx.checks += 1;
        // The levels differ (a 类 and a 款 of one name, 国有资本经营预算支出): no conflict.
        let single: Vec<(&Source, &ExpenditureRow)> = tables
            .iter()
            .filter(|(_, codes)| codes.len() == 1)
            .filter_map(|(s, codes)| codes.values().next().map(|r| (s, *r)))
            .collect();
        for (i, (sa, ra)) in single.iter().enumerate() {
            for (sb, rb) in &single[i + 1..] {
                if ra.code.code == rb.code.code || ra.code.level != rb.code.level {
                    continue;
                }
                let pair = if ra.code.code < rb.code.code {
                    (ra.code.code.clone(), rb.code.code.clone())
                } else {
                    (rb.code.code.clone(), ra.code.code.clone())
                };
                if !reported.insert(pair) {
                    continue;
                }
                ctx.fail(
                    RuleId::CodeTables,
                    unit,
                    &ra.provenance.file,
                    None,
                    Severity::Error,
                    format!(
                        "{name:?} is {} in {sa} and {} in {sb}",
                        ra.code.code, rb.code.code
                    ),
                    ra.code.code.clone(),
                    rb.code.code.clone(),
                    "one code per name in a document".into(),
                    vec![ra.provenance.reference(), rb.provenance.reference()],
                );
            }
        }
    }
}
