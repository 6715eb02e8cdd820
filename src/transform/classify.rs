//! Normalises a printed function code and name against the catalogue: canonical code,
//! level, parents, the canonical name for the year, COFOG, and a status saying how sure
//! the match is. Unknown codes are kept as printed with status `unknown`, never guessed.

use std::hash::BuildHasher;
use std::sync::Arc;

use crate::model::{ClassificationStatus, ClassifiedCode, Level};
use crate::reference::catalog::Catalog;
use crate::reference::text::name_key;
use crate::FastMap;

/// Classifies `code` (canonical digits from [`crate::reference::text::split_code`]) with
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
    // A code renumbered before `year` (a stale template): the code that replaced it.
    if let Some(moved) = catalog.crosswalk(code, year) {
        let mut c = classify(catalog, &moved.to_code, printed_name, year, printed_parent)?;
        c.status = ClassificationStatus::Crosswalked;
        c.code_printed = Some(code.to_string());
        return Some(c);
    }
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
        code_printed: None,
    })
}

/// What a reader knows of a row's status beyond the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// As the catalogue has it.
    Classified,
    /// This status, whatever the catalogue says (a row found by its name).
    Set(ClassificationStatus),
    /// This status, unless the code is unknown.
    SetIfKnown(ClassificationStatus),
}

/// [`classify`], its status as `status` says, shared:
/// the same code printed with the same name in the same year (every table of every workbook
/// of a template prints it so) is classified once per thread and its rows share one value,
/// which they then carry, write and drop as one. A classification that used names printed
/// on parent rows (codes the catalogue lacks) depends on its table, and is not shared.
pub fn classify_shared(
    catalog: &Catalog,
    code: &str,
    printed_name: &str,
    year: i32,
    printed_parent: &dyn Fn(&str) -> Option<String>,
    status: Status,
) -> Option<Arc<ClassifiedCode>> {
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.catalog != catalog.version {
            *memo = Memo {
                catalog: catalog.version.clone(),
                ..Memo::default()
            };
        }
        let hash = memo
            .map
            .hasher()
            .hash_one((code, printed_name, year, status));
        if let Some(hit) = memo.map.get(&hash).and_then(|bucket| {
            bucket.iter().find(|e| {
                e.code == code && e.name == printed_name && e.year == year && e.status == status
            })
        }) {
            return Some(hit.classified.clone());
        }
        let consulted = std::cell::Cell::new(false);
        let parent = |c: &str| {
            consulted.set(true);
            printed_parent(c)
        };
        let mut classified = classify(catalog, code, printed_name, year, &parent)?;
        match status {
            Status::Classified => {}
            Status::Set(s) => classified.status = s,
            Status::SetIfKnown(s) if classified.status != ClassificationStatus::Unknown => {
                classified.status = s;
            }
            Status::SetIfKnown(_) => {}
        }
        let classified = Arc::new(classified);
        if !consulted.get() {
            // Bounded: a hostile input of endless distinct names only ever costs a clear.
            if memo.len >= MEMO_ENTRIES {
                memo.map.clear();
                memo.len = 0;
            }
            memo.len += 1;
            memo.map.entry(hash).or_default().push(Shared {
                code: code.to_string(),
                name: printed_name.to_string(),
                year,
                status,
                classified: classified.clone(),
            });
        }
        Some(classified)
    })
}

/// Classifications shared on a thread (at most this many).
const MEMO_ENTRIES: usize = 8192;

struct Shared {
    code: String,
    name: String,
    year: i32,
    status: Status,
    classified: Arc<ClassifiedCode>,
}

#[derive(Default)]
struct Memo {
    /// The catalogue's version the entries were classified against.
    catalog: String,
    map: FastMap<u64, Vec<Shared>>,
    len: usize,
}

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::default();
}

/// The least similarity at which a name-only row is taken for a catalogue name.
pub const FUZZY_THRESHOLD: f64 = 0.8;
/// How far the best candidate must lead the runner-up: two near names are no match.
pub const FUZZY_MARGIN: f64 = 0.1;

/// Similarity of two names, 0..=1: the Dice coefficient of their character bigrams, after
/// width folding, whitespace removal and without a trailing 支出. "城乡社区环境卫" (cut in
/// print) against "城乡社区环境卫生" scores 0.92; "行政运行" against "事业运行" 0.33.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    fn bigrams(s: &str) -> Vec<(char, char)> {
        let key = name_key(s);
        let key = key.strip_suffix("支出").unwrap_or(&key);
        let chars: Vec<char> = key.chars().collect();
        let mut grams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        if chars.len() == 1 {
            grams.push((chars[0], chars[0]));
        }
        grams.sort_unstable();
        grams
    }
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    // Multiset intersection of two sorted lists.
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (x.len() + y.len()) as f64
}

/// The candidate whose name is closest to `name`, if it reaches [`FUZZY_THRESHOLD`] and
/// leads every candidate of another code by [`FUZZY_MARGIN`].
pub fn best_fuzzy<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a crate::reference::catalog::CodeRow>,
) -> Option<(&'a crate::reference::catalog::CodeRow, f64)> {
    let mut best: Option<(&crate::reference::catalog::CodeRow, f64)> = None;
    let mut runner_up = 0.0f64;
    for row in candidates {
        let score = name_similarity(name, &row.name);
        match best {
            Some((b, s)) if b.code == row.code => best = Some((b, s.max(score))),
            Some((_, s)) if score > s => {
                runner_up = s;
                best = Some((row, score));
            }
            Some(_) => runner_up = runner_up.max(score),
            None => best = Some((row, score)),
        }
    }
    best.filter(|(_, s)| *s >= FUZZY_THRESHOLD && *s - runner_up >= FUZZY_MARGIN)
}

fn status_of(catalog: &Catalog, code: &str, printed_name: &str, year: i32) -> ClassificationStatus {
    let Some(row) = catalog.function(code, year) else {
        return ClassificationStatus::Unknown;
    };
    let key = name_key(printed_name);
    if key.is_empty() || key == row.key {
        return ClassificationStatus::Exact;
    }
    if catalog.other_periods(code, year).any(|r| r.key == key)
        || catalog
            .aliases(code, year)
            .any(|a| a.kind == "former" && a.key == key)
    {
        // The printed name is this code's name of another year (207 文化体育与传媒支出), or a
        // former name still printed by old templates (20805 行政事业单位离退休).
        return ClassificationStatus::Crosswalked;
    }
    // Any other name: a variant, a misprint (aliases.csv says which are known), or another
    // code's name printed next to this code. The code decides; the name is kept as printed.
    ClassificationStatus::NameVariant
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::reference::text::split_code;

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

    /// The same code, name and year classify to one shared value, equal to `classify`'s;
    /// a status set by the reader is part of what is shared; a classification that took
    /// names from the parent rows of its table is that table's alone.
    #[test]
    fn a_classification_is_shared_unless_it_used_printed_parents() {
        let catalog = catalog();
        let none = |_: &str| None;
        let shared = |code: &str, name: &str, status: Status| {
            classify_shared(&catalog, code, name, 2023, &none, status).expect("classified")
        };
        let a = shared("2010101", "行政运行", Status::Classified);
        let b = shared("2010101", "行政运行", Status::Classified);
        assert!(Arc::ptr_eq(&a, &b));
        let plain = classify(&catalog, "2010101", "行政运行", 2023, &none).expect("classified");
        assert_eq!(*a, plain);
        // Another printed name, year or status is another value.
        let variant = shared("2010101", "行政运行支出x", Status::Classified);
        assert!(!Arc::ptr_eq(&a, &variant));
        assert_eq!(variant.status, ClassificationStatus::NameVariant);
        let by_name = shared(
            "2010101",
            "行政运行",
            Status::Set(ClassificationStatus::ResolvedByName),
        );
        assert_eq!(by_name.status, ClassificationStatus::ResolvedByName);
        assert_eq!(a.status, ClassificationStatus::Exact);
        // A code the catalogue does not know keeps `unknown` unless the reader insists.
        let unknown = |status| shared("2980101", "某项支出", status).status;
        let known_only = Status::SetIfKnown(ClassificationStatus::Crosswalked);
        assert_eq!(unknown(known_only), ClassificationStatus::Unknown);
        let set = Status::Set(ClassificationStatus::Crosswalked);
        assert_eq!(unknown(set), ClassificationStatus::Crosswalked);
        // Names of its 类 and 款 printed on the table's parent rows: not shared.
        let printed = |name: &'static str| move |c: &str| (c == "298").then(|| name.to_string());
        let first = classify_shared(
            &catalog,
            "2980101",
            "某项支出",
            2023,
            &printed("甲类"),
            Status::Classified,
        )
        .expect("classified");
        let second = classify_shared(
            &catalog,
            "2980101",
            "某项支出",
            2023,
            &printed("乙类"),
            Status::Classified,
        )
        .expect("classified");
        assert_eq!(
            (first.category_name.as_str(), second.category_name.as_str()),
            ("甲类", "乙类")
        );
        assert!(!Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn each_status_from_a_real_row() {
        let catalog = catalog();
        let none = |_: &str| None;
        // 2111101 printed as 减排专项支出 in a real 2025 决算 (a misprint): a name variant.
        let variant = classify(&catalog, "2111101", "减排专项支出", 2023, &none).expect("c");
        assert_eq!(
            (variant.status, variant.name.as_str()),
            (ClassificationStatus::NameVariant, "生态环境监测与信息")
        );
        // 20805 printed with its former name (aliases.csv, kind former), seen in the same
        // 决算: crosswalked to the current name.
        let former = classify(&catalog, "20805", "行政事业单位离退休", 2023, &none).expect("c");
        assert_eq!(
            (former.status, former.name.as_str()),
            (ClassificationStatus::Crosswalked, "行政事业单位养老支出")
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

    /// A code renumbered in 2019 (21005 医疗保障 → 21011 行政事业单位医疗), printed by a
    /// stale template in 2023: the new code, `crosswalked`, with the printed code kept. In
    /// 2018 the old code is itself exact.
    #[test]
    fn renumbered_codes_follow_the_crosswalk() {
        let catalog = catalog();
        let none = |_: &str| None;
        let moved = classify(&catalog, "2100502", "事业单位医疗", 2023, &none).expect("c");
        assert_eq!(
            (
                moved.code.as_str(),
                moved.status,
                moved.code_printed.as_deref(),
                moved.section_code.as_deref(),
                moved.section_name.as_deref(),
                moved.category_name.as_str(),
            ),
            (
                "2101102",
                ClassificationStatus::Crosswalked,
                Some("2100502"),
                Some("21011"),
                Some("行政事业单位医疗"),
                "卫生健康支出"
            )
        );
        let then = classify(&catalog, "2100502", "事业单位医疗", 2018, &none).expect("c");
        assert_eq!(
            (then.code.as_str(), then.status, then.code_printed),
            ("2100502", ClassificationStatus::Exact, None)
        );
        let current = classify(&catalog, "2101102", "事业单位医疗", 2023, &none).expect("c");
        assert_eq!(
            (current.status, current.code_printed),
            (ClassificationStatus::Exact, None)
        );
    }

    #[test]
    fn fuzzy_names_need_the_threshold_and_a_clear_lead() {
        assert!(
            (name_similarity("城乡社区环境卫", "城乡社区环境卫生") - 12.0 / 13.0).abs() < 1e-12
        );
        assert!((name_similarity("行政运行", "事业运行") - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(name_similarity("一般公共服务支出", "一般公共服务"), 1.0);
        assert_eq!(name_similarity("", "行政运行"), 0.0);
        let catalog = catalog();
        let children = catalog.children("21205", 2023);
        let (row, score) = best_fuzzy("城乡社区环境卫", children).expect("a match");
        assert_eq!(row.code, "2120501");
        assert!(score >= FUZZY_THRESHOLD);
        // Two candidates equally near: no match, however high the score (8/9 each).
        let row = |code: &str, name: &str| crate::reference::catalog::CodeRow {
            code: code.into(),
            level: "项".into(),
            parent: code[..5].into(),
            name: name.into(),
            valid_from: None,
            valid_to: None,
            evidence: "proposed".into(),
            source: "test".into(),
            key: crate::reference::text::name_key(name),
        };
        let twins = [
            row("2999901", "甲乙丙丁戊己"),
            row("2999902", "甲乙丙丁戊庚"),
        ];
        assert!((name_similarity("甲乙丙丁戊", "甲乙丙丁戊己") - 8.0 / 9.0).abs() < 1e-12);
        assert!(best_fuzzy("甲乙丙丁戊", &twins).is_none());
        assert_eq!(
            best_fuzzy("甲乙丙丁戊己", &twins).map(|(r, _)| r.code.as_str()),
            Some("2999901")
        );
        let categories: Vec<_> = catalog
            .functions_in(2023)
            .into_iter()
            .filter(|r| r.code.len() == 3)
            .collect();
        assert!(best_fuzzy("完全不同的名字", categories.clone()).is_none());
        assert_eq!(
            best_fuzzy("城乡社区支", categories).map(|(r, _)| r.code.as_str()),
            Some("212")
        );
    }
}
