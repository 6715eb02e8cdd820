use super::*;
use crate::model::Claim;

/// The production path: the outline, then the facts.
fn read(blocks: &[Block]) -> Facts {
    extract(
        blocks,
        &crate::transform::narrative::sections::outline(blocks),
    )
}

/// Per-项 statements as Shanghai prints them: names in “…”, a heading amount, the 项
/// name wrapped onto the next line before its bracket, a space before 万元, the 类
/// without 支出, and the budget as adjusted during the year (全年预算).
#[test]
fn per_item_statements_in_shanghai_wordings() {
    let blocks = vec![
        para(1, "五、一般公共预算财政拨款支出决算情况说明"),
        para(2, "（三）一般公共预算财政拨款支出决算具体情况"),
        para(3, "1、“一般公共服务”（类）“财政事务”（款）“行政运行”（项）1511.89万元。主要用于：局本部人员经费。年初预算为 1560.05 万元，支出决算为1511.89万"),
        para(4, "元。决算数小于预算数的主要原因：人员变动。"),
        para(5, "5、社会保障和就业支出（类）行政事业单位养老支出（款）行政单位离退休"),
        para(6, "（项）。主要用于：退休人员经费支出。年初预算为 85.55 万元，支出决算为84.65万元。"),
        para(7, "6、卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）。主要用于：行政单位医疗保险支出。全年预算为 2.23 万元，支出决算为 2.22 万元，完成全年预算数的 99.55%。"),
    ];
    let blocks = crate::extract::report::read::mend_blocks(blocks);
    let f = read(&blocks);
    let got: Vec<(String, Vec<String>, String, Option<String>, Option<String>)> = f
        .categories
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.below.clone(),
                c.actual.to_string(),
                c.budget_initial.map(|b| b.to_string()),
                c.budget_final.map(|b| b.to_string()),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            (
                "一般公共服务".into(),
                s(&["财政事务", "行政运行"]),
                "15118900.00".into(),
                Some("15600500.00".into()),
                None
            ),
            (
                "社会保障和就业支出".into(),
                s(&["行政事业单位养老支出", "行政单位离退休"]),
                "846500.00".into(),
                Some("855500.00".into()),
                None
            ),
            (
                "卫生健康支出".into(),
                s(&["行政事业单位医疗", "行政单位医疗"]),
                "22200.00".into(),
                None,
                Some("22300.00".into())
            ),
        ]
    );
    assert!(f.categories.iter().all(|c| c.fund == Fund::GeneralPublic));
}

fn para(number: u32, text: &str) -> Block {
    Block::Para {
        number,
        text: text.into(),
    }
}

fn money(facts: &Facts, metric: Metric) -> Option<String> {
    facts
        .facts
        .iter()
        .find(|f| f.metric == metric)
        .map(|f| match f.value {
            FactValue::Money(v) => v.to_string(),
            other => format!("{other:?}"),
        })
}

#[test]
fn wording_variants() {
    let blocks = vec![
        para(1, "四、一般公共预算财政拨款支出决算情况说明"),
        para(2, "社会保障和就业支出（208类）行政事业单位养老支出（05款）机关事业单位基本养老保险缴费支出（05项）：年初预算为77.59万元，支出决算为20.04万元，完成年初预算的25.83%。"),
        para(3, "2、教育支出(类)"),
        para(4, "2023 年度决算 100.46 万元，比年初预算持平。"),
        para(5, "3．节能环保支出（类）2023年度决算1,256.52万元，比2023年年初预算增加256.52万元。"),
        para(6, "2024年度收、支总计1.5亿元，比上年增加200万元，增长15.38%。"),
    ];
    let (blocks, _) = (crate::extract::report::read::mend_blocks(blocks), ());
    let f = read(&blocks);
    let lines: Vec<(String, Option<String>, String, Option<String>)> = f
        .categories
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.code.clone(),
                c.actual.to_string(),
                c.budget_initial.map(|b| b.to_string()),
            )
        })
        .collect();
    // The first is a 项's statement: its 款 and 项 are named below the 类.
    assert_eq!(
        f.categories[0].below,
        ["行政事业单位养老支出", "机关事业单位基本养老保险缴费支出"]
    );
    assert!(f.categories[1].below.is_empty());
    assert_eq!(
        lines,
        vec![
            (
                "社会保障和就业支出".into(),
                Some("208".into()),
                "200400.00".into(),
                Some("775900.00".into())
            ),
            (
                "教育支出".into(),
                None,
                "1004600.00".into(),
                Some("1004600.00".into())
            ),
            (
                "节能环保支出".into(),
                None,
                "12565200.00".into(),
                Some("10000000.00".into())
            ),
        ]
    );
    assert_eq!(
        money(&f, Metric::TotalIncomeExpenditure).as_deref(),
        Some("150000000.00")
    );
    assert_eq!(
        money(&f, Metric::TotalChange).as_deref(),
        Some("2000000.00")
    );
    assert!(f.categories.iter().all(|c| c.fund == Fund::GeneralPublic));
}

#[test]
fn every_metric_is_a_units_column_of_its_type() {
    use crate::load::schema::{units, ColType};
    let spec = units();
    for pattern in PATTERNS.iter() {
        let column = spec
            .columns
            .iter()
            .find(|c| c.name == pattern.metric.column())
            .unwrap_or_else(|| panic!("{} is not a units column", pattern.metric));
        let expected = match pattern.kind {
            Kind::Money | Kind::Change => ColType::Money,
            Kind::Count => ColType::Int32,
            Kind::Percent | Kind::Score => ColType::Float64,
        };
        assert_eq!(column.ty, expected, "{}", pattern.metric);
    }
}

/// Regression: a total preceded by an ASCII character once sliced inside 收.
#[test]
fn arbitrary_text_never_panics() {
    let pieces = [
        "收、支总计",
        ",",
        "1",
        "2023年",
        "万元",
        "．",
        "（类）",
        "比上年减少",
        "%",
        "下降",
        "中",
        "a",
        "：",
        "；",
        "决算",
        "年初预算",
        "　",
        "\t",
    ];
    let mut rng = crate::synth::plan::Rng::new(7);
    for _ in 0..3000 {
        let text: String = (0..rng.below(24))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        let blocks = vec![
            Block::Para {
                number: 1,
                text: text.clone(),
            },
            Block::Para { number: 2, text },
        ];
        let _ = read(&blocks);
    }
    let _ = read(&[para(1, ",收、支总计1万元,比上年减少1万元,下降1%")]);
}

#[test]
fn template_leftovers_and_unknown_wording_yield_nothing() {
    let blocks = vec![
        para(
            1,
            "（此处插入图表，用上述收入金额制作饼状图，示例如下，无金额类型不必制图）",
        ),
        para(
            2,
            "12.各单位需根据自身业务职能，补充当年使用的所有支出功能分类项级科目名词解释，例如：",
        ),
        para(3, "某项支出大约在3000万元上下浮动。"),
    ];
    let f = read(&blocks);
    assert!(f.facts.is_empty() && f.categories.is_empty());
    assert_eq!((f.amount_mentions, f.amount_mentions_used), (1, 0));
}

/// Comparison words with the figures before them, as the real reports print them.
#[test]
fn comparison_words_are_read_with_their_figures() {
    let blocks = vec![
        // 财政局 p22: the figures, then the words in the next sentence.
        para(1, "3、一般公共服务支出（类）财政事务（款）信息化建设（项）。主要用于：信息化系统日常维护费等支出。年初预算为135.90万元，支出决算为135.25万元。决算数小于预算数的主要原因：因产业政策扶持资金管理系统项目进度，调减相关经费。"),
        // 社会工作部 p18: two budgets, none named by the words.
        para(2, "一般公共预算财政拨款支出年初预算为 0 万元，全年预算为 321.02 万元，支出决算为 307.82 万元，完成年初预算的 95.89%。决算数小于预算数的主要原因：人员经费支出数小于预算数。"),
        // 社会工作部: 持平 with the 全年 budget named.
        para(3, "全年预算为 202.24 万元，支出决算为 202.24 万元。决算数与全年预算数持平。"),
        // 财政局 三公: the total's figures, not the items listed after them.
        para(4, "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0%，其中：因公出国（境）费决算为0.00万元，完成预算的0%。2024年度“三公”经费支出决算数小于预算数的主要原因：当年度无“三公”经费支出。"),
        para(5, "年初预算为10.00 万元，支出决算为10.00万元。决算数与预算数基本持平。"),
        // Words without figures say nothing checkable.
        para(6, "决算数小于预算数的主要原因：项目调整。"),
    ];
    let f = read(&blocks);
    type Read = (u32, String, Vec<(String, String)>, Option<String>, Claim);
    let read: Vec<Read> = f
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Direction {
                actual,
                budgets,
                named,
                claim,
                paragraph,
                ..
            } => Some((
                *paragraph,
                actual.value.to_string(),
                budgets
                    .iter()
                    .map(|(k, b)| (k.clone(), b.value.to_string()))
                    .collect(),
                named.clone(),
                *claim,
            )),
            _ => None,
        })
        .collect();
    let s = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        read,
        [
            (
                1,
                "135.25".into(),
                vec![s("年初", "135.90")],
                None,
                Claim::Less
            ),
            (
                2,
                "307.82".into(),
                vec![s("年初", "0"), s("全年", "321.02")],
                None,
                Claim::Less
            ),
            (
                3,
                "202.24".into(),
                vec![s("全年", "202.24")],
                Some("全年".into()),
                Claim::Equal
            ),
            (4, "0.00".into(), vec![s("年初", "0.95")], None, Claim::Less),
            (
                5,
                "10.00".into(),
                vec![s("年初", "10.00")],
                None,
                Claim::RoughlyEqual
            ),
        ]
    );
}

/// A glyph without a Unicode mapping (U+FFFD, a damaged PDF font) costs its sentence: it
/// may be any character, so no pattern may read across or beside it. "\u{FFFD}收、支总计"
/// may be "款收、支总计" (a 款's total, not the unit's); the paragraph's other sentences are
/// still read.
#[test]
fn a_sentence_with_an_unmapped_glyph_states_nothing() {
    let clean = "本年度收、支总计307.82万元，比上年增加17.35万元，增长5.98%。财政拨款收、支总计301.04万元。";
    let f = read(&[para(1, clean)]);
    assert_eq!(
        money(&f, Metric::TotalIncomeExpenditure).as_deref(),
        Some("3078200.00")
    );
    assert_eq!(
        money(&f, Metric::FiscalTotal).as_deref(),
        Some("3010400.00")
    );

    for damaged in [
        clean.replacen("本年度收", "本年度\u{FFFD}收", 1),
        clean.replacen("307.82", "3\u{FFFD}7.82", 1),
    ] {
        let f = read(&[para(1, &damaged)]);
        assert_eq!(money(&f, Metric::TotalIncomeExpenditure), None, "{damaged}");
        assert_eq!(money(&f, Metric::TotalChange), None, "{damaged}");
        assert!(f.statements.is_empty(), "{damaged}: {:?}", f.statements);
        assert_eq!(
            money(&f, Metric::FiscalTotal).as_deref(),
            Some("3010400.00"),
            "{damaged}"
        );
        // Its amounts are still mentions, not read.
        assert!(f.amount_mentions > f.amount_mentions_used, "{damaged}");
    }
}
