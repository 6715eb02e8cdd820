//! Normalises a printed function code and name against the catalogue: canonical code,
//! level, parents, the canonical name for the year, COFOG, and a status saying how sure
//! the match is. Unknown codes are kept as printed with status `unknown`, never guessed.

use crate::catalog::Catalog;
use crate::model::{ClassificationStatus, ClassifiedCode, Level};
use crate::transform::text::name_key;

/// Classifies `code` (canonical digits from [`crate::transform::text::split_code`]) with
/// the name printed next to it. `printed_parents` supplies names printed on the parent
/// rows of the same table, used when the catalogue does not know a parent.
pub fn classify(
    catalog: &Catalog,
    code: &str,
    printed_name: &str,
    year: i32,
    printed_parent: &dyn Fn(&str) -> Option<String>,
) -> Option<ClassifiedCode> {
    let level = Level::from_len(code.len())?;
    let status = status_of(catalog, code, printed_name, year);
    let name_of = |c: &str| -> String {
        catalog
            .function(c, year)
            .map(|r| r.name.clone())
            .or_else(|| printed_parent(c))
            .unwrap_or_default()
    };
    let name = match status {
        ClassificationStatus::Unknown => printed_name.to_string(),
        _ => name_of(code),
    };
    let category_code = code[..3].to_string();
    let section_code = (code.len() >= 5).then(|| code[..5].to_string());
    let item_code = (code.len() == 7).then(|| code.to_string());
    Some(ClassifiedCode {
        category_name: if level == Level::Category {
            name.clone()
        } else {
            name_of(&category_code)
        },
        section_name: section_code.as_deref().map(|c| {
            if c == code {
                name.clone()
            } else {
                name_of(c)
            }
        }),
        item_name: item_code.as_ref().map(|_| name.clone()),
        cofog: catalog.cofog(&category_code).map(str::to_string),
        code: code.to_string(),
        level,
        category_code,
        section_code,
        item_code,
        name,
        status,
    })
}

fn status_of(catalog: &Catalog, code: &str, printed_name: &str, year: i32) -> ClassificationStatus {
    let Some(row) = catalog.function(code, year) else {
        return ClassificationStatus::Unknown;
    };
    let key = name_key(printed_name);
    if key.is_empty() || key == name_key(&row.name) {
        return ClassificationStatus::Exact;
    }
    if catalog
        .other_periods(code, year)
        .any(|r| name_key(&r.name) == key)
    {
        // The printed name is this code's name of another year (207 文化体育与传媒支出).
        return ClassificationStatus::Crosswalked;
    }
    ClassificationStatus::NameVariant
}
