//! Each rule family on records built here, not by running the binary: a case that holds
//! within rounding (no finding) beside one that does not.

use super::*;
use crate::model::{
    ClassificationStatus, ClassifiedCode, EconomicRow, Level, MoneyUnit, Origin, Provenance, Source,
};
use crate::transform::ListTotal;

fn unit() -> Arc<UnitIdentity> {
    crate::model::test_unit()
}

fn file() -> Arc<SourceFile> {
    Arc::new(SourceFile {
        display_path: Arc::from("2023/西城区/测试街道办事处/表.xlsx"),
        sha256: Arc::from("00"),
        bytes: 1,
    })
}

fn at(row: u32) -> Provenance {
    Provenance {
        file: file(),
        origin: Origin::Cell {
            sheet: Arc::from("公开03"),
            row,
        },
    }
}

/// 万元 with two decimals, as a table prints them, in 元.
fn wan(text: &str) -> Yuan {
    MoneyUnit::Wanyuan
        .to_yuan(text.parse().expect("decimal"))
        .expect("in range")
}

fn row(code: &str, actual: &str, basic: Option<&str>, project: Option<&str>) -> ExpenditureRow {
    let level = match code.len() {
        3 => Level::Category,
        5 => Level::Section,
        _ => Level::Item,
    };
    ExpenditureRow {
        unit: unit(),
        fund: Fund::All,
        source: Source::Table(TableKind::Expenditure),
        code: Arc::new(ClassifiedCode {
            code: code.into(),
            level,
            category_code: code[..3].into(),
            category_name: "一般公共服务支出".into(),
            section_code: (code.len() >= 5).then(|| code[..5].to_string()),
            section_name: None,
            item_code: (code.len() == 7).then(|| code.to_string()),
            item_name: None,
            name: code.into(),
            status: ClassificationStatus::Exact,
            cofog: None,
            code_printed: None,
        }),
        name_printed: code.into(),
        actual: wan(actual),
        basic: basic.map(wan),
        project: project.map(wan),
        budget_initial: None,
        budget_final: None,
        provenance: at(5),
    }
}

fn run(extractions: &[&Extraction], rows: &[ExpenditureRow], policy: &Policy) -> Vec<Finding> {
    let rows: Vec<&ExpenditureRow> = rows.iter().collect();
    let input = Input {
        catalog: None,
        extractions: extractions.to_vec(),
        expenditure: &rows,
        units: &[],
        execution: &[],
        last_year: None,
    };
    reconcile(&input, policy).0
}

fn rules(findings: &[Finding]) -> Vec<(RuleId, Severity)> {
    findings.iter().map(|f| (f.rule, f.severity)).collect()
}

#[test]
fn hierarchy_sums_hold_within_rounding_and_fail_beyond_it() {
    let policy = Policy::default();
    // 0.33 × 3 under a printed 1.00: the rounding of four cells allows it.
    let ok = [
        row("201", "1.00", None, None),
        row("20101", "0.33", None, None),
        row("20102", "0.33", None, None),
        row("20103", "0.33", None, None),
    ];
    assert!(rules(&run(&[], &ok, &policy)).is_empty());
    // 0.50 + 0.50 under 1.20: 0.20 beyond, an error.
    let off = [
        row("201", "1.20", None, None),
        row("20101", "0.50", None, None),
        row("20102", "0.50", None, None),
    ];
    let found = run(&[], &off, &policy);
    assert_eq!(rules(&found), [(RuleId::HierarchySum, Severity::Error)]);
    let (expected, actual) = found[0].yuan();
    assert_eq!(expected, Some(Decimal::new(1_000_000, 2)), "Σ款 in 元");
    assert_eq!(actual, Some(Decimal::new(1_200_000, 2)), "the 类 in 元");
}

#[test]
fn basic_plus_project_is_the_total_of_a_row() {
    let policy = Policy::default();
    let ok = [row("201", "1.00", Some("0.40"), Some("0.60"))];
    assert!(rules(&run(&[], &ok, &policy)).is_empty());
    let off = [row("201", "1.00", Some("0.40"), Some("0.50"))];
    assert_eq!(
        rules(&run(&[], &off, &policy)),
        [(RuleId::ColumnsBasicProject, Severity::Error)]
    );
}

#[test]
fn a_list_total_is_checked_with_interval_arithmetic() {
    let policy = Policy::default();
    let list = |items: &[&str]| {
        let mut x = Extraction {
            identity: Some(unit()),
            ..Extraction::default()
        };
        x.lists.push(ListTotal {
            what: "政府购买服务".into(),
            total: wan("30.00"),
            items: items.iter().map(|i| wan(i)).collect(),
            at: at(7),
        });
        x
    };
    // 12.50 + 17.49 = 29.99 under 30.00: within the rounding of the three cells.
    assert!(run(&[&list(&["12.50", "17.49"])], &[], &policy).is_empty());
    let found = run(&[&list(&["12.50", "17.39"])], &[], &policy);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, RuleId::TablesListTotal);
    assert_eq!(
        (found[0].expected.as_deref(), found[0].actual.as_deref()),
        (Some("298900.00"), Some("300000.00"))
    );
}

#[test]
fn a_stated_rate_is_recomputed_from_its_own_figures() {
    let policy = Policy::default();
    let printed = |text: &str, unit| Printed::new(text.parse().expect("decimal"), unit);
    let statement = |rate: &str, budget: &str| {
        let mut x = Extraction {
            identity: Some(unit()),
            file: Some(file()),
            ..Extraction::default()
        };
        x.statements.push(Statement::Rate {
            subject: "行政运行".into(),
            actual: printed("90.00", Some(MoneyUnit::Wanyuan)),
            budget: Some(printed(budget, Some(MoneyUnit::Wanyuan))),
            of: "年初".into(),
            rate: printed(rate, None),
            paragraph: 12,
        });
        x
    };
    assert!(run(&[&statement("90.00", "100.00")], &[], &policy).is_empty());
    assert_eq!(
        rules(&run(&[&statement("95.00", "100.00")], &[], &policy)),
        [(RuleId::ReportRate, Severity::Error)]
    );
    // A rate of a budget stated as zero.
    assert_eq!(
        rules(&run(&[&statement("95.89", "0")], &[], &policy)),
        [(RuleId::ReportRate, Severity::Error)]
    );
}

#[test]
fn negative_expenditure_is_implausible() {
    let policy = Policy::default();
    let found = run(&[], &[row("201", "-0.50", None, None)], &policy);
    assert!(rules(&found).contains(&(RuleId::PlausibilityNegative, Severity::Warning)));
}

#[test]
fn the_policy_governs_every_rule_by_its_id() {
    let mut policy = Policy::default();
    for rule in RuleId::ALL {
        policy.severity.insert(rule.id().into(), "info".into());
    }
    assert!(policy.validate().is_empty(), "{:?}", policy.validate());
    assert_eq!(
        policy.govern(RuleId::GrainDuplicate, None, Severity::Warning),
        Some(Severity::Info)
    );
    policy.severity.insert("hierarchy.sum".into(), "off".into());
    let off = [
        row("201", "1.20", None, None),
        row("20101", "0.50", None, None),
        row("20102", "0.50", None, None),
    ];
    assert!(run(&[], &off, &policy).is_empty());
    policy.severity.insert("no.such_rule".into(), "off".into());
    assert!(policy
        .validate()
        .iter()
        .any(|p| p.contains("no.such_rule: no such rule")));
    // Without an override, the distance grades: a slip of half a digit is info.
    let policy = Policy::default();
    assert_eq!(
        policy.govern(RuleId::ReportShare, Some(0.4), Severity::Error),
        Some(Severity::Info)
    );
    assert_eq!(
        policy.govern(RuleId::ReportShare, Some(5.0), Severity::Info),
        Some(Severity::Error)
    );
}

fn economic(code: &str, actual: &str) -> EconomicRow {
    EconomicRow {
        unit: unit(),
        fund: Fund::GeneralPublic,
        source: Source::Table(TableKind::GeneralPublicBasic),
        code: code.into(),
        name: code.into(),
        name_printed: code.into(),
        status: ClassificationStatus::Exact,
        actual: wan(actual),
        provenance: at(9),
    }
}

fn general_public(code: &str, actual: &str, basic: &str) -> ExpenditureRow {
    ExpenditureRow {
        fund: Fund::GeneralPublic,
        source: Source::Table(TableKind::GeneralPublicExpenditure),
        ..row(code, actual, Some(basic), None)
    }
}

/// 30108 against the 基本支出 of 2080505, 30110 + 30111 against 21011's 项 (as 社会工作部
/// prints them: 2.71 = 2.22 + 0.49 of 2101101 and 2101102), 30113 against 2210201 alone
/// (not 22102: 购房补贴 is 303). A difference is a warning naming both tables' rows.
#[test]
fn customary_identities_of_economic_and_function_codes() {
    let policy = Policy::default();
    let extraction = |lines: &[(&str, &str)]| Extraction {
        identity: Some(unit()),
        economic: lines.iter().map(|(c, a)| economic(c, a)).collect(),
        ..Extraction::default()
    };
    let rows = [
        general_public("2080505", "6.18", "6.18"),
        general_public("2101101", "2.22", "2.22"),
        general_public("2101102", "0.49", "0.49"),
        general_public("2210201", "17.70", "17.70"),
        general_public("2210203", "11.72", "11.72"),
    ];
    let holds = extraction(&[
        ("30108", "6.18"),
        ("30110", "2.71"),
        ("30111", "0.00"),
        ("30113", "17.70"),
        // No 2080506 printed: nothing to compare 30109 with.
        ("30109", "4.64"),
    ]);
    assert!(run(&[&holds], &rows, &policy).is_empty());
    let off = extraction(&[("30108", "6.18"), ("30110", "2.71"), ("30113", "29.42")]);
    let found = run(&[&off], &rows, &policy);
    assert_eq!(
        rules(&found),
        [(RuleId::TablesCustomary, Severity::Warning)]
    );
    assert_eq!(
        found[0].yuan(),
        (
            Some(Decimal::new(17_700_000, 2)),
            Some(Decimal::new(29_420_000, 2))
        )
    );
    assert_eq!(found[0].references.len(), 2, "{:?}", found[0].references);
    // Beyond rounding only: 6.17 against 6.18 may be the same figure rounded twice, 6.16
    // may not.
    let rounding = extraction(&[("30108", "6.17")]);
    assert!(run(&[&rounding], &rows, &policy).is_empty());
    let slip = extraction(&[("30108", "6.16")]);
    assert_eq!(run(&[&slip], &rows, &policy).len(), 1);
}

/// A former name (207's 文化体育与传媒支出, printed in a 2023 table) and a variant are
/// `info`, once per file, code and name, naming every row that prints it.
#[test]
fn former_and_variant_names_are_info_once_per_name() {
    let policy = Policy::default();
    let named = |code: &str, printed: &str, status: ClassificationStatus, line: u32| {
        let mut r = row(code, "1.00", None, None);
        r.name_printed = printed.into();
        let c = Arc::make_mut(&mut r.code);
        c.name = "文化旅游体育与传媒支出".into();
        c.status = status;
        r.provenance = at(line);
        r
    };
    let rows = [
        named(
            "207",
            "文化体育与传媒支出",
            ClassificationStatus::Crosswalked,
            5,
        ),
        named(
            "207",
            "文化体育与传媒支出",
            ClassificationStatus::Crosswalked,
            9,
        ),
        named(
            "207",
            "文化旅游体育传媒",
            ClassificationStatus::NameVariant,
            12,
        ),
        named(
            "207",
            "文化旅游体育与传媒支出",
            ClassificationStatus::Exact,
            14,
        ),
    ];
    let found = run(&[], &rows, &policy);
    assert_eq!(
        rules(&found),
        [
            (RuleId::ClassifyName, Severity::Info),
            (RuleId::ClassifyName, Severity::Info)
        ]
    );
    let former = found
        .iter()
        .find(|f| f.actual.as_deref() == Some("文化体育与传媒支出"))
        .expect("the former name");
    assert!(
        former.message.contains("a former name of 207"),
        "{}",
        former.message
    );
    assert_eq!(former.references.len(), 2);
    assert_eq!(former.expected.as_deref(), Some("文化旅游体育与传媒支出"));
    // A renumbered code (crosswalked with the printed code kept) is no name finding.
    let mut moved = named(
        "207",
        "文化体育与传媒支出",
        ClassificationStatus::Crosswalked,
        5,
    );
    Arc::make_mut(&mut moved.code).code_printed = Some("20799".into());
    assert!(run(&[], &[moved], &policy).is_empty());
}

mod document;
