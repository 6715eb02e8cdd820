use super::*;

/// A merged region's tail cells read as its top-left, wherever the regions are (near:
/// flags per row; thousands of rows apart: every row looked up).
#[test]
fn merged_tails_read_as_their_top_left() {
    for far in [3u32, 5_000] {
        let mut range: Range<Data> = Range::new((0, 0), (far, 3));
        range.set_value((0, 0), Data::String("收入".into()));
        range.set_value((far, 1), Data::String("支出".into()));
        let merges = [
            calamine::Dimensions::new((0, 0), (1, 2)),
            calamine::Dimensions::new((far, 1), (far, 3)),
        ];
        let sheet = Sheet::new("s".into(), range, &merges, Default::default());
        assert_eq!(sheet.merged_rows.flags.is_none(), far > 3);
        for (r, c, expected, tail) in [
            (0, 0, Some("收入"), false),
            (1, 2, Some("收入"), true),
            (0, 2, Some("收入"), true),
            (2, 0, None, false),
            (far, 3, Some("支出"), true),
            (far, 0, None, false),
        ] {
            assert_eq!(sheet.text(r, c), expected, "({r}, {c})");
            assert_eq!(sheet.is_merged_tail(r, c), tail, "({r}, {c})");
        }
    }
}

/// The row tests read from the cells agree with the row's key built in full.
#[test]
fn row_key_tests_agree_with_the_row_key() {
    use crate::reference::text::name_key;
    let rows: [&[Data]; 9] = [
        &[Data::String(" 注：本表".into())],
        &[
            Data::Empty,
            Data::String("\u{3000}说\n明".into()),
            Data::Int(3),
        ],
        &[Data::String("备".into()), Data::String("注 1".into())],
        &[Data::String("备".into()), Data::Float(1.5)],
        &[Data::Float(2.0), Data::String("注".into())],
        &[
            Data::String("ＡＢ".into()),
            Data::String("本 表无数据".into()),
        ],
        &[Data::String("合计".into())],
        &[Data::Empty],
        &[
            Data::String("注".into()),
            Data::Empty,
            Data::String("x".into()),
        ],
    ];
    let mut range: Range<Data> = Range::new((0, 0), (rows.len() as u32 - 1, 2));
    for (r, cells) in rows.iter().enumerate() {
        for (c, d) in cells.iter().enumerate() {
            range.set_value((r as u32, c as u32), d.clone());
        }
    }
    let merges = [calamine::Dimensions::new((8, 0), (8, 1))];
    let sheet = Sheet::new("s".into(), range, &merges, Default::default());
    let prefixes = ["注", "说明", "备注"];
    let mut starts = 0;
    for r in 0..rows.len() as u32 {
        let key = name_key(&sheet.row_text(r));
        let expected = prefixes.iter().any(|p| key.starts_with(p));
        assert_eq!(
            sheet.row_key_starts_with(r, &prefixes),
            expected,
            "row {r}: {key}"
        );
        starts += usize::from(expected);
        assert_eq!(sheet.row_has_char(r, '本'), key.contains('本'), "row {r}");
    }
    assert_eq!(starts, 4);
}

/// The extraction cache stores sheets: every value, merge, formula cell and origin
/// comes back, and every reader's view of the sheet is the same.
#[test]
fn a_sheet_round_trips_through_the_cache_form() {
    let mut range: Range<Data> = Range::new((2, 1), (4, 3));
    range.set_value((2, 1), Data::String("一般公共服务支出".into()));
    range.set_value((2, 2), Data::Float(11724.11));
    range.set_value((2, 3), Data::Int(7));
    range.set_value((3, 1), Data::Error(CellErrorType::Div0));
    range.set_value((3, 2), Data::Bool(true));
    range.set_value((3, 3), Data::String(String::new()));
    range.set_value(
        (4, 1),
        Data::DateTime(ExcelDateTime::new(
            45000.5,
            ExcelDateTimeType::DateTime,
            true,
        )),
    );
    let merges = [calamine::Dimensions::new((4, 2), (4, 3))];
    let mut formulas: Range<String> = Range::new((3, 3), (3, 3));
    formulas.set_value((3, 3), "SUM(C3:C4)".into());
    let sheet = Sheet::new("公开01".into(), range, &merges, formula_cells(&formulas))
        .with_origins(vec![(5, 1)]);
    let bytes = postcard::to_stdvec(&sheet).expect("encode");
    let back: Sheet = postcard::from_bytes(&bytes).expect("decode");
    assert_eq!(
        (back.first_row, back.end_row, back.first_col, back.end_col),
        (2, 5, 1, 4)
    );
    for r in 2..5 {
        for c in 1..4 {
            assert_eq!(back.get(r, c), sheet.get(r, c), "({r}, {c})");
            assert_eq!(back.is_merged_tail(r, c), sheet.is_merged_tail(r, c));
            assert_eq!(
                back.amount(r, c, MoneyUnit::Wanyuan),
                sheet.amount(r, c, MoneyUnit::Wanyuan)
            );
        }
    }
    assert!(
        back.amount(3, 3, MoneyUnit::Yuan).is_err(),
        "a formula without value"
    );
    assert_eq!(back.origin(2), Some((5, 1)));
    assert_eq!(back.name, "公开01");
}

#[test]
fn a_damaged_cached_sheet_is_refused_not_allocated() {
    let huge = SheetData {
        name: "x".into(),
        corners: Some(((0, 0), (1_000_000, 16_000))),
        cells: Vec::new(),
        merged: Vec::new(),
        formulas: Vec::new(),
        origins: Vec::new(),
    };
    assert!(Sheet::try_from(huge).is_err());
    let outside = SheetData {
        name: "x".into(),
        corners: Some(((0, 0), (1, 1))),
        cells: vec![(5, 5, CellValue::Int(1))],
        merged: Vec::new(),
        formulas: Vec::new(),
        origins: Vec::new(),
    };
    assert!(Sheet::try_from(outside).is_err());
}

#[test]
fn cell_names() {
    use super::cell_ref;
    assert_eq!(cell_ref(0, 0), "A1");
    assert_eq!(cell_ref(10, 7), "H11");
    assert_eq!(cell_ref(0, 25), "Z1");
    assert_eq!(cell_ref(0, 26), "AA1");
    assert_eq!(cell_ref(4, 701), "ZZ5");
    assert_eq!(cell_ref(4, 702), "AAA5");
}
