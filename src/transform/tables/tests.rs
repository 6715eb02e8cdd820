//! Each table family's reader on a sheet built here (cells as a workbook holds them), run
//! through the production path: titles found, the table read, rows and facts exact in 元.

use std::path::Path;

use calamine::{Data, Range};

use super::*;
use crate::model::Metric;
use crate::reference::bundled::Files;

fn catalog() -> Catalog {
    Catalog::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/classification"
    )))
    .expect("the shipped catalogue")
}

/// A sheet from rows of cells: numbers become number cells, the rest text.
fn sheet(rows: &[&[&str]]) -> Sheet {
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(1) as u32;
    let mut range: Range<Data> = Range::new((0, 0), (rows.len() as u32 - 1, width - 1));
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            let value = match text.parse::<f64>() {
                Ok(f) => Data::Float(f),
                Err(_) if text.is_empty() => continue,
                Err(_) => Data::String(text.to_string()),
            };
            range.set_value((r as u32, c as u32), value);
        }
    }
    Sheet::new("Sheet1".into(), range, &[], Default::default())
}

/// Reads every table of one sheet for a known unit.
fn read(rows: &[&[&str]]) -> Extraction {
    let catalog = catalog();
    let units = UnitRegistry::from_sources(None, &Files::Embedded("divisions")).expect("units");
    let limits = Limits::default();
    let ctx = Context {
        catalog: &catalog,
        units: &units,
        limits: &limits,
    };
    let sheet = sheet(rows);
    let blocks = find_blocks(0, &sheet, &mut ContentHints::default());
    let unit = crate::model::test_unit();
    let file = Arc::new(SourceFile {
        display_path: Arc::from("t.xlsx"),
        sha256: Arc::from("00"),
        bytes: 1,
    });
    let mut out = Extraction::default();
    read_blocks(&ctx, &[sheet], &blocks, &unit, &file, &mut out);
    assert!(out.rejects.is_empty(), "{:?}", out.rejects);
    out
}

fn fact(x: &Extraction, metric: Metric) -> Option<String> {
    x.facts
        .iter()
        .find(|f| f.metric == metric)
        .map(|f| match f.value {
            crate::model::FactValue::Money(v) => v.to_string(),
            other => format!("{other:?}"),
        })
}

#[test]
fn an_expenditure_table_gives_rows_per_code_and_the_total() {
    let x = read(&[
        &["支出决算表"],
        &["单位：万元"],
        &["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        &["", "合计", "11.50", "10.00", "1.50"],
        &["201", "一般公共服务支出", "11.50", "10.00", "1.50"],
        &[
            "20103",
            "政府办公厅（室）及相关机构事务",
            "11.50",
            "10.00",
            "1.50",
        ],
        &["2010301", "行政运行", "10.00", "10.00", ""],
        &["2010350", "事业运行", "1.50", "", "1.50"],
    ]);
    let got: Vec<(&str, String, Option<String>)> = x
        .expenditure
        .iter()
        .map(|r| {
            (
                r.code.code.as_str(),
                r.actual.to_string(),
                r.project.map(|p| p.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("201", "115000.00".into(), Some("15000.00".into())),
            ("20103", "115000.00".into(), Some("15000.00".into())),
            ("2010301", "100000.00".into(), None),
            ("2010350", "15000.00".into(), Some("15000.00".into())),
        ]
    );
    assert!(x
        .expenditure
        .iter()
        .all(|r| r.source == crate::model::Source::Table(TableKind::Expenditure)));
    assert_eq!(
        fact(&x, Metric::ExpenditureTotal).as_deref(),
        Some("115000.00")
    );
    assert_eq!(fact(&x, Metric::Basic).as_deref(), Some("100000.00"));
    // Where each row came from: the sheet and its 1-based row.
    assert_eq!(x.expenditure[0].provenance.reference(), "t.xlsx#Sheet1!5");
}

#[test]
fn an_economic_table_gives_basic_expenditure_by_economic_code() {
    let x = read(&[
        &["一般公共预算财政拨款基本支出决算表"],
        &["单位：元"],
        &["科目编码", "科目名称", "决算数"],
        &["301", "工资福利支出", "3000"],
        &["30101", "基本工资", "2000"],
        &["30102", "津贴补贴", "1000"],
        &["302", "商品和服务支出", "500"],
    ]);
    let got: Vec<(&str, String)> = x
        .economic
        .iter()
        .map(|r| (r.code.as_str(), r.actual.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("301", "3000.00".into()),
            ("30101", "2000.00".into()),
            ("30102", "1000.00".into()),
            ("302", "500.00".into())
        ]
    );
}

#[test]
fn the_three_public_table_gives_budget_and_actual_per_item() {
    let x = read(&[
        &["一般公共预算财政拨款“三公”经费支出决算表"],
        &["单位：万元"],
        &[
            "合计预算数",
            "因公出国（境）费预算数",
            "公务接待费预算数",
            "合计决算数",
            "因公出国（境）费决算数",
            "公务接待费决算数",
        ],
        &["5.17", "0", "5.17", "0.53", "0", "0.53"],
    ]);
    assert_eq!(
        fact(&x, Metric::ThreePublicBudget).as_deref(),
        Some("51700.00")
    );
    assert_eq!(
        fact(&x, Metric::ThreePublicActual).as_deref(),
        Some("5300.00")
    );
    assert_eq!(
        fact(&x, Metric::ReceptionActual).as_deref(),
        Some("5300.00")
    );
    assert_eq!(fact(&x, Metric::OverseasBudget).as_deref(), Some("0.00"));
}

#[test]
fn a_purchased_services_list_keeps_its_total_and_items_for_the_checks() {
    let x = read(&[
        &["政府购买服务决算公开情况表"],
        &["单位：万元"],
        &["序号", "项目名称", "金额"],
        &["", "合计", "30.00"],
        &["1", "社区服务", "12.50"],
        &["2", "养老服务", "17.39"],
    ]);
    assert_eq!(
        fact(&x, Metric::PurchasedServices).as_deref(),
        Some("300000.00")
    );
    assert_eq!(x.lists.len(), 1);
    let items: Vec<String> = x.lists[0].items.iter().map(|v| v.to_string()).collect();
    assert_eq!(items, ["125000.00", "173900.00"]);
    // The reader does not judge the sum: reconcile does, within the cells' rounding.
    assert!(x.findings.is_empty());
}
