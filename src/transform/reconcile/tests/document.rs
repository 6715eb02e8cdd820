//! The document-level rule families on records built here: each holding on one record and
//! failing on its altered twin.

use super::*;
use crate::model::{Claim, Fact, FactValue, Metric, TotalRow};
use crate::reference::catalog::Catalog;
use crate::transform::narrative::sections::Section;
use crate::transform::narrative::ReportStats;
use crate::transform::tables::readers::balance;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/classification"
        )))
        .expect("the shipped catalogue")
    })
}

fn check(extractions: &[&Extraction], rows: &[ExpenditureRow], units: &[UnitRow]) -> Vec<Finding> {
    let rows: Vec<&ExpenditureRow> = rows.iter().collect();
    let input = Input {
        catalog: Some(catalog()),
        extractions: extractions.to_vec(),
        expenditure: &rows,
        units,
        execution: &[],
        last_year: None,
    };
    reconcile(&input, &Policy::default()).0
}

fn wan_printed(text: &str) -> Printed {
    Printed::new(text.parse().expect("decimal"), Some(MoneyUnit::Wanyuan))
}

fn with_statement(statement: Statement) -> Extraction {
    Extraction {
        identity: Some(unit()),
        file: Some(file()),
        statements: vec![statement],
        ..Extraction::default()
    }
}

fn direction(
    actual: &str,
    budgets: &[(&str, &str)],
    named: Option<&str>,
    claim: Claim,
) -> Extraction {
    with_statement(Statement::Direction {
        subject: "行政运行(项)".into(),
        actual: wan_printed(actual),
        budgets: budgets
            .iter()
            .map(|(k, v)| (k.to_string(), wan_printed(v)))
            .collect(),
        named: named.map(str::to_string),
        claim,
        words: "决算数小于预算数".into(),
        paragraph: 30,
    })
}

#[test]
fn comparison_words_agree_with_the_sign_of_the_difference() {
    let r = |x: Extraction| rules(&check(&[&x], &[], &[]));
    let less = Claim::Less;
    // 财政局: 年初预算 135.90, 决算 135.25, "决算数小于预算数": holds.
    assert!(r(direction("135.25", &[("年初", "135.90")], None, less)).is_empty());
    // The actual above the budget: an error.
    assert_eq!(
        r(direction("136.25", &[("年初", "135.90")], None, less)),
        [(RuleId::ReportDirection, Severity::Error)]
    );
    // Equal as printed: less only within rounding (info).
    assert_eq!(
        r(direction("10.00", &[("年初", "10.00")], None, less)),
        [(RuleId::ReportDirection, Severity::Info)]
    );
    assert!(r(direction(
        "10.00",
        &[("年初", "9.00")],
        None,
        Claim::Greater
    ))
    .is_empty());
    // 社会工作部: 年初预算 0, 全年预算 321.02, 决算 307.82, "决算数小于预算数": it holds of
    // the 全年 budget; naming the 年初 one, it does not.
    let both = [("年初", "0"), ("全年", "321.02")];
    assert!(r(direction("307.82", &both, None, less)).is_empty());
    assert_eq!(
        r(direction("307.82", &both, Some("年初"), less)),
        [(RuleId::ReportDirection, Severity::Error)]
    );
    // 持平 within the rounding of both; 基本持平 within 1% (a warning beyond).
    assert!(r(direction("10.00", &[("全年", "10.00")], None, Claim::Equal)).is_empty());
    assert_eq!(
        r(direction("10.00", &[("全年", "10.02")], None, Claim::Equal)),
        [(RuleId::ReportDirection, Severity::Error)]
    );
    assert!(r(direction(
        "99.50",
        &[("全年", "100.00")],
        None,
        Claim::RoughlyEqual
    ))
    .is_empty());
    assert_eq!(
        r(direction(
            "95.00",
            &[("全年", "100.00")],
            None,
            Claim::RoughlyEqual
        )),
        [(RuleId::ReportDirection, Severity::Warning)]
    );
}

fn change(current: &str, base: &str, diff: Decimal) -> Extraction {
    with_statement(Statement::Change {
        subject: "因公出国(境)费用: 决算 vs 年初预算".into(),
        current: wan_printed(current),
        base: Some(wan_printed(base)),
        diff: Printed::new(diff, Some(MoneyUnit::Wanyuan)),
        pct: None,
        paragraph: 120,
    })
}

#[test]
fn a_change_with_the_wrong_word_is_a_direction_finding_not_a_wrong_difference() {
    let r = |x: Extraction| rules(&check(&[&x], &[], &[]));
    // 新街口 ¶120: "决算数0万元，比年初预算数0万元增加0万元": equal figures, 增加 (info).
    assert_eq!(
        r(change("0", "0", Decimal::ZERO)),
        [(RuleId::ReportDirection, Severity::Info)]
    );
    // "减少0": the sign of a zero is the word's.
    let found = check(&[&change("0", "0", -Decimal::ZERO)], &[], &[]);
    assert_eq!(found[0].actual.as_deref(), Some("减少0"));
    // 10 against 5 "减少5": the word is wrong, the amount right.
    let found = check(&[&change("10.00", "5.00", Decimal::new(-500, 2))], &[], &[]);
    assert_eq!(rules(&found), [(RuleId::ReportDirection, Severity::Error)]);
    assert_eq!(found[0].expected.as_deref(), Some("增加5.00"));
    // 10 against 5 "增加4": a wrong difference, report.change's.
    assert_eq!(
        r(change("10.00", "5.00", Decimal::new(400, 2))),
        [(RuleId::ReportChange, Severity::Error)]
    );
    assert!(r(change("10.00", "5.00", Decimal::new(500, 2))).is_empty());
    // "减少100.00万元，增长9.09%": the amount's word against the rate's.
    let rate = |pct: &str| {
        with_statement(Statement::Change {
            subject: "收支总计 vs 上年".into(),
            current: wan_printed("1000.00"),
            base: None,
            diff: wan_printed("-100.00"),
            pct: Some(Printed::new(pct.parse().expect("decimal"), None)),
            paragraph: 35,
        })
    };
    assert!(r(rate("-9.09")).is_empty());
    let found = check(&[&rate("9.09")], &[], &[]);
    assert_eq!(rules(&found), [(RuleId::ReportDirection, Severity::Error)]);
    assert_eq!(found[0].expected.as_deref(), Some("下降9.09%"));
}

fn fact(metric: Metric, value: Yuan, origin: Origin) -> Fact {
    Fact {
        metric,
        value: FactValue::Money(value),
        provenance: Provenance {
            file: file(),
            origin,
        },
    }
}

fn report_and_table(stated: Yuan, table: Yuan) -> (Extraction, Extraction) {
    let report = Extraction {
        identity: Some(unit()),
        file: Some(file()),
        report: Some(ReportStats::default()),
        facts: vec![fact(Metric::IncomeTotal, stated, Origin::Paragraph(38))],
        ..Extraction::default()
    };
    let tables = Extraction {
        identity: Some(unit()),
        file: Some(file()),
        facts: vec![fact(Metric::IncomeTotal, table, at(9).origin)],
        ..Extraction::default()
    };
    (report, tables)
}

#[test]
fn a_figure_off_by_ten_thousand_is_a_unit_slip_with_its_corrected_reading() {
    // The report prints 39985.83 as 元 where the table has 39985.83 万元.
    let (report, tables) = report_and_table(Decimal::new(3_998_583, 2), wan("39985.83"));
    let found = check(&[&report, &tables], &[], &[]);
    assert_eq!(rules(&found), [(RuleId::AmountUnit, Severity::Error)]);
    assert_eq!(found[0].expected.as_deref(), Some("399858300"));
    assert_eq!(found[0].references.len(), 2);
    // 0.3万元 against 2961.68万元: one printed digit is no evidence of a slip.
    let (report, tables) = report_and_table(wan("0.3"), wan("2961.68"));
    assert_eq!(
        rules(&check(&[&report, &tables], &[], &[])),
        [(RuleId::ReportVsTables, Severity::Error)]
    );
    let (report, tables) = report_and_table(wan("39985.83"), wan("39985.83"));
    assert!(check(&[&report, &tables], &[], &[]).is_empty());
}

fn table_row(source: TableKind, code: &str, name: &str, actual: Yuan) -> ExpenditureRow {
    let mut r = row(code, "1.00", None, None);
    r.source = Source::Table(source);
    r.fund = source.expenditure_fund().unwrap_or(Fund::All);
    r.name_printed = name.into();
    r.actual = actual;
    r
}

#[test]
fn a_table_printed_in_the_other_unit_is_named_against_the_tables_that_agree() {
    let tables = |scale_05: bool| {
        let mut x = Extraction {
            identity: Some(unit()),
            file: Some(file()),
            ..Extraction::default()
        };
        for (kind, scaled) in [
            (TableKind::Expenditure, false),
            (TableKind::GeneralPublicExpenditure, scale_05),
            (TableKind::IncomeExpenditureSummary, false),
        ] {
            let v = |s: &str| {
                let v = wan(s);
                if scaled {
                    v / Decimal::from(10_000)
                } else {
                    v
                }
            };
            x.expenditure
                .push(table_row(kind, "201", "一般公共服务支出", v("11724.11")));
            x.expenditure
                .push(table_row(kind, "208", "社会保障和就业支出", v("16570.18")));
        }
        x
    };
    assert!(check(&[&tables(false)], &[], &[]).is_empty());
    let found = check(&[&tables(true)], &[], &[]);
    assert_eq!(
        rules(&found),
        [(RuleId::AmountUnit, Severity::Error)],
        "{found:#?}"
    );
    assert!(
        found[0].message.starts_with("table05"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].expected.as_deref(), Some("117241100"));
}

#[test]
fn a_code_printed_with_another_codes_name_and_a_name_with_two_codes() {
    let named = |name: &str| {
        let mut r = table_row(TableKind::Expenditure, "2080505", name, wan("160.75"));
        let c = Arc::make_mut(&mut r.code);
        c.status = ClassificationStatus::NameVariant;
        c.name = "机关事业单位基本养老保险缴费支出".into();
        r.unit = Arc::new(UnitIdentity {
            year: 2024,
            ..(*unit()).clone()
        });
        r
    };
    let found = check(&[], &[named("机关事业单位职业年金缴费支出")], &[]);
    assert_eq!(rules(&found), [(RuleId::CodeName, Severity::Error)]);
    assert!(found[0].message.contains("2080506"), "{}", found[0].message);
    let found = check(&[], &[named("街道办公楼修缮")], &[]);
    assert_eq!(rules(&found), [(RuleId::CodeName, Severity::Warning)]);
    // A near variant stays classify.name's.
    let found = check(&[], &[named("机关事业单位基本养老保险缴费")], &[]);
    assert_eq!(rules(&found), [(RuleId::ClassifyName, Severity::Info)]);

    // One name, 2080505 in table03 and 2080506 in table05.
    let x = |second: &str| Extraction {
        identity: Some(unit()),
        file: Some(file()),
        expenditure: vec![
            table_row(
                TableKind::Expenditure,
                "2080505",
                "基本养老保险缴费",
                wan("1.00"),
            ),
            table_row(
                TableKind::GeneralPublicExpenditure,
                second,
                "基本养老保险缴费",
                wan("1.00"),
            ),
        ],
        ..Extraction::default()
    };
    assert!(check(&[&x("2080505")], &[], &[]).is_empty());
    let found = check(&[&x("2080506")], &[], &[]);
    assert_eq!(rules(&found), [(RuleId::CodeTables, Severity::Error)]);
    assert_eq!(found[0].references.len(), 2);
}

fn summary(lines: &[(&'static str, Fund, &str)]) -> Extraction {
    Extraction {
        identity: Some(unit()),
        file: Some(file()),
        totals: lines
            .iter()
            .enumerate()
            .map(|(i, (label, fund, v))| TotalRow {
                fund: *fund,
                source: Source::Table(TableKind::IncomeExpenditureSummary),
                label: label.to_string(),
                actual: Some(wan(v)),
                basic: None,
                project: None,
                provenance: at(10 + i as u32),
            })
            .collect(),
        ..Extraction::default()
    }
}

#[test]
fn carry_overs_balance_and_each_side_adds_up_to_its_total() {
    // 财政局's 收入支出决算总表: 49.14 + 2946.25 − 2940.05 = 55.34; 总计 2995.39 both sides.
    let lines = |end: &'static str| {
        summary(&[
            (balance::INCOME, Fund::All, "2946.25"),
            (balance::START, Fund::All, "49.14"),
            (balance::TOTAL_IN, Fund::All, "2995.39"),
            (balance::EXPENDITURE, Fund::All, "2940.05"),
            (balance::END, Fund::All, end),
            (balance::TOTAL_OUT, Fund::All, "2995.39"),
        ])
    };
    assert!(check(&[&lines("55.34")], &[], &[]).is_empty());
    let found = check(&[&lines("56.34")], &[], &[]);
    assert_eq!(
        rules(&found),
        [
            (RuleId::TablesBalance, Severity::Error),
            (RuleId::TablesBalance, Severity::Error)
        ]
    );
    assert_eq!(found[0].expected.as_deref(), Some("553400"));
    assert_eq!(found[0].references.len(), 4);
    // Per fund: 年初 21.63 + 2940.05 − 2940.05 = 21.63.
    let fund = |end: &str| {
        summary(&[
            (balance::INCOME, Fund::GeneralPublic, "2940.05"),
            (balance::START, Fund::GeneralPublic, "21.63"),
            (balance::EXPENDITURE, Fund::GeneralPublic, "2940.05"),
            (balance::END, Fund::GeneralPublic, end),
        ])
    };
    assert!(check(&[&fund("21.63")], &[], &[]).is_empty());
    assert_eq!(
        rules(&check(&[&fund("0")], &[], &[])),
        [(RuleId::TablesBalance, Severity::Error)]
    );
}

fn unit_row(facts: &[(Metric, &str, u32)]) -> UnitRow {
    UnitRow {
        unit: unit(),
        facts: facts
            .iter()
            .map(|(m, v, line)| (*m, fact(*m, wan(v), Origin::Paragraph(*line))))
            .collect(),
    }
}

#[test]
fn three_public_procurement_and_operating_costs_against_their_parts() {
    use Metric::*;
    let r = |row: UnitRow| rules(&check(&[], &[], &[row]));
    // 新街口: 三公 0.53 = 0 + 0.53 + 0; budget 5.17 = 0 + 0 + 5.17.
    let three = |total: &str| {
        unit_row(&[
            (ThreePublicActual, total, 118),
            (OverseasActual, "0", 120),
            (VehiclesActual, "0.53", 124),
            (ReceptionActual, "0", 122),
            (ThreePublicBudget, "5.17", 118),
            (ReceptionBudget, "5.17", 122),
        ])
    };
    assert!(r(three("0.53")).is_empty());
    assert_eq!(
        r(three("0.63")),
        [(RuleId::FactsThreePublic, Severity::Error)]
    );
    // 政府采购 stated apart: 7914.96 = 61.16 + 1707.81 + 6145.99.
    let procurement = |goods: &str| {
        unit_row(&[
            (ProcurementTotal, "7914.96", 130),
            (ProcurementGoods, goods, 131),
            (ProcurementWorks, "1707.81", 131),
            (ProcurementServices, "6145.99", 131),
        ])
    };
    assert!(r(procurement("61.16")).is_empty());
    assert_eq!(
        r(procurement("71.16")),
        [(RuleId::FactsProcurement, Severity::Error)]
    );
    // 机关运行经费 above the 公用经费 it is part of: a warning.
    let costs =
        |operating: &str| unit_row(&[(OperatingCosts, operating, 129), (PublicCosts, "771.91", 9)]);
    assert!(r(costs("771.91")).is_empty());
    assert_eq!(
        r(costs("871.91")),
        [(RuleId::FactsOperatingCosts, Severity::Warning)]
    );
}

#[test]
fn every_section_of_the_template_is_in_a_report() {
    let report = |sections: Vec<Section>| Extraction {
        identity: Some(unit()),
        file: Some(file()),
        report: Some(ReportStats {
            paragraphs: 200,
            sections,
            ..ReportStats::default()
        }),
        ..Extraction::default()
    };
    assert!(check(&[&report(Section::REQUIRED.to_vec())], &[], &[]).is_empty());
    let without: Vec<Section> = Section::REQUIRED
        .into_iter()
        .filter(|s| *s != Section::StateCapital)
        .collect();
    let found = check(&[&report(without)], &[], &[]);
    assert_eq!(rules(&found), [(RuleId::ReportSections, Severity::Warning)]);
    assert_eq!(
        found[0].expected.as_deref(),
        Some("国有资本经营预算财政拨款收入支出决算情况说明")
    );
}
