//! Property tests (proptest) of the normaliser and of money: every spelling of every
//! catalogue code normalises to that code with its parents; arbitrary text never panics;
//! any figure printed in 万元, as text or as the double a cell holds, is exact in 元.

use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal::Decimal;

use juesuan::model::{ClassificationStatus, MoneyUnit};
use juesuan::reference::catalog::Catalog;
use juesuan::reference::text::{clean_name, name_key, split_code, strip_ordinal};
use juesuan::transform::classify::{classify, name_similarity};

use crate::common::repo;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(&repo().join("config/classification")).expect("catalogue"))
}

/// (code, canonical name) of every function code valid in 2023.
fn codes() -> &'static [(String, String)] {
    static CODES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CODES.get_or_init(|| {
        catalog()
            .functions_in(2023)
            .into_iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect()
    })
}

/// How a code may be printed: each digit ASCII or full-width, segments joined by nothing or
/// a dash, a number cell's ".0", leading blanks, and the name in the same cell or not.
#[derive(Debug, Clone)]
struct Spelling {
    full_width: Vec<bool>,
    dashed: bool,
    number_suffix: Option<&'static str>,
    lead: &'static str,
    name_sep: Option<&'static str>,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        proptest::collection::vec(any::<bool>(), 7),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some(".0")), Just(Some(".00"))],
        prop_oneof![
            Just(""),
            Just(" "),
            Just("\u{3000}"),
            Just("\u{3000}\u{3000}")
        ],
        prop_oneof![
            Just(None),
            Just(Some(" ")),
            Just(Some("\u{3000}")),
            Just(Some("  "))
        ],
    )
        .prop_map(
            |(full_width, dashed, number_suffix, lead, name_sep)| Spelling {
                full_width,
                dashed,
                number_suffix,
                lead,
                name_sep,
            },
        )
}

fn spell(code: &str, name: &str, s: &Spelling) -> String {
    let mut out = String::from(s.lead);
    for (i, d) in code.chars().enumerate() {
        if s.dashed && (i == 3 || i == 5) {
            out.push('-');
        }
        out.push(if s.full_width[i] {
            char::from_u32(d as u32 + 0xFEE0).unwrap_or(d)
        } else {
            d
        });
    }
    match s.name_sep {
        Some(sep) => {
            out.push_str(sep);
            out.push_str(name);
        }
        None => {
            if let (Some(suffix), false) = (s.number_suffix, s.dashed) {
                out.push_str(suffix);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_spelling_of_a_catalogue_code_normalises_to_it(
        index in 0usize..10_000,
        s in spelling(),
    ) {
        let (code, name) = &codes()[index % codes().len()];
        let printed = spell(code, name, &s);
        let (digits, rest) = split_code(&printed)
            .unwrap_or_else(|| panic!("{printed:?} was not read as a code"));
        prop_assert_eq!(&digits, code, "{:?}", printed);
        let rest = clean_name(rest);
        let c = classify(catalog(), &digits, &rest, 2023, &|_| None).expect("a level");
        prop_assert_eq!(&c.code, code);
        prop_assert_eq!(c.status, ClassificationStatus::Exact, "{:?}", printed);
        prop_assert_eq!(&c.name, name);
    }

    #[test]
    fn parents_of_an_item_are_its_section_and_category(index in 0usize..10_000) {
        let (code, _) = &codes()[index % codes().len()];
        let c = classify(catalog(), code, "", 2023, &|_| None).expect("a level");
        prop_assert_eq!(&c.category_code, &code[..3]);
        let category = catalog().function(&code[..3], 2023).expect("the 类 is in the catalogue");
        prop_assert_eq!(&c.category_name, &category.name);
        if code.len() >= 5 {
            let section = catalog().function(&code[..5], 2023).expect("the 款 is in the catalogue");
            prop_assert_eq!(c.section_code.as_deref(), Some(&code[..5]));
            prop_assert_eq!(c.section_name.as_deref(), Some(section.name.as_str()));
        } else {
            prop_assert_eq!(c.section_code, None);
        }
        prop_assert_eq!(c.item_code.is_some(), code.len() == 7);
        prop_assert_eq!(c.level.as_i8() as usize, code.len() / 2);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), other in "\\PC{0,12}") {
        let _ = name_key(&text);
        let _ = clean_name(&text);
        let _ = strip_ordinal(&text);
        let _ = juesuan::model::parse_decimal_text(&text);
        let _ = MoneyUnit::from_label(&text);
        let _ = juesuan::reference::tables::TableKind::from_title(&text);
        let _ = catalog().category_by_name(&text, 2023);
        let score = name_similarity(&text, &other);
        prop_assert!((0.0..=1.0).contains(&score));
        if let Some((digits, rest)) = split_code(&text) {
            prop_assert!(matches!(digits.len(), 3 | 5 | 7));
            let c = classify(catalog(), &digits, rest, 2023, &|_| None);
            prop_assert!(c.is_some());
        }
    }

    /// A 万元 figure with two decimals, as text ("11,724.11") or as the double a number
    /// cell holds, is exactly 10 000 × in 元.
    #[test]
    fn wanyuan_figures_are_exact_in_yuan(fen in -10_000_000_000_000i64..10_000_000_000_000i64) {
        let printed = Decimal::new(fen, 2);
        let yuan = Decimal::new(fen * 10_000, 2); // 0.01 万元 is 100.00 元
        let text = printed.to_string();
        let parsed = juesuan::model::parse_decimal_text(&text).expect("decimal text");
        prop_assert_eq!(MoneyUnit::Wanyuan.to_yuan(parsed), Some(yuan));
        let cell = fen as f64 / 100.0;
        prop_assert_eq!(MoneyUnit::Wanyuan.f64_to_yuan(cell), Some(yuan), "{}", cell);
    }
}
