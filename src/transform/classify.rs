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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::transform::text::split_code;

    fn catalog() -> Catalog {
        Catalog::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/classification"
        )))
        .expect("the shipped catalogue")
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    }

    /// Every spelling of every code of the catalogue normalises to that code, and a 项's
    /// parents are its 款 and 类.
    #[test]
    fn every_spelling_of_every_code_normalises_to_it() {
        let catalog = catalog();
        let rows = catalog.functions_in(2023);
        assert!(rows.len() > 150);
        for row in rows {
            let code = &row.code;
            let dashed = match code.len() {
                3 => code.clone(),
                5 => format!("{}-{}", &code[..3], &code[3..]),
                _ => format!("{}-{}-{}", &code[..3], &code[3..5], &code[5..]),
            };
            let spellings = [
                code.clone(),
                format!("{code}.0"),
                format!("  {code} "),
                full_width(code),
                dashed,
                format!("{code} {}", row.name),
                format!("{code}{}", row.name),
            ];
            for s in &spellings {
                let (got, _) =
                    split_code(s).unwrap_or_else(|| panic!("{s:?} is not read as a code"));
                assert_eq!(&got, code, "{s:?}");
            }
            let c = classify(&catalog, code, &row.name, 2023, &|_| None).expect("classified");
            assert_eq!(c.status, ClassificationStatus::Exact, "{code}");
            assert_eq!(c.category_code, code[..3]);
            if code.len() == 7 {
                assert_eq!(
                    (c.section_code.as_deref(), c.item_code.as_deref()),
                    (Some(&code[..5]), Some(code.as_str()))
                );
                assert_eq!(c.level, Level::Item);
            }
        }
    }

    #[test]
    fn each_status_from_a_real_row() {
        let catalog = catalog();
        let none = |_: &str| None;
        // 20805 printed with its older name, seen in a real 2025 决算: a name variant.
        let variant = classify(&catalog, "20805", "行政事业单位离退休", 2023, &none).expect("c");
        assert_eq!(
            (variant.status, variant.name.as_str()),
            (ClassificationStatus::NameVariant, "行政事业单位养老支出")
        );
        // 207 under its pre-2019 name in a 2023 table: crosswalked to the 2023 name.
        let old = classify(&catalog, "207", "文化体育与传媒支出", 2023, &none).expect("c");
        assert_eq!(
            (old.status, old.name.as_str()),
            (ClassificationStatus::Crosswalked, "文化旅游体育与传媒支出")
        );
        // The same name in 2018 is the name of its year.
        assert_eq!(
            classify(&catalog, "207", "文化体育与传媒支出", 2018, &none)
                .expect("c")
                .status,
            ClassificationStatus::Exact
        );
        // Half-width parentheses are typography, not a variant.
        let exact = classify(
            &catalog,
            "20103",
            "政府办公厅(室)及相关机构事务",
            2023,
            &none,
        )
        .expect("c");
        assert_eq!(exact.status, ClassificationStatus::Exact);
        // Unknown: kept as printed, parents named from the table when the catalogue cannot.
        let unknown = classify(&catalog, "2999901", "某项支出", 2023, &|c| {
            (c == "29999").then(|| "某款".to_string())
        })
        .expect("c");
        assert_eq!(
            (
                unknown.status,
                unknown.name.as_str(),
                unknown.section_name.as_deref()
            ),
            (ClassificationStatus::Unknown, "某项支出", Some("某款"))
        );
        // By name: a 类 named without 支出, an old name, an unknown name.
        assert_eq!(
            catalog.category_by_name("一般公共服务", 2023),
            Some(("201".into(), ClassificationStatus::ResolvedByName))
        );
        assert_eq!(
            catalog.category_by_name("医疗卫生与计划生育支出", 2023),
            Some(("210".into(), ClassificationStatus::Crosswalked))
        );
        assert_eq!(catalog.category_by_name("不存在的支出", 2023), None);
    }
}
