use super::*;

fn blocks(text: &str) -> Vec<Block> {
    text.lines()
        .enumerate()
        .map(|(i, l)| Block::Para {
            number: i as u32 + 1,
            text: l.to_string(),
        })
        .collect()
}

#[test]
fn numbering_of_every_level() {
    let cases = [
        (
            "第三部分 上海市普陀区财政局2024年度部门决算情况说明",
            Level::Part,
        ),
        ("第二部分2023年度其他重要事项的情况说明", Level::Part),
        ("五、一般公共预算财政拨款支出决算情况说明", Level::Chapter),
        ("十一、其他重要事项说明", Level::Chapter),
        ("（三）一般公共预算财政拨款支出决算具体情况", Level::Sub),
        ("(一)基本情况", Level::Sub),
        (
            "1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于",
            Level::Item,
        ),
        ("2．教育支出(类)", Level::Item),
        ("（1）公务用车购置费", Level::SubItem),
    ];
    for (text, level) in cases {
        assert_eq!(heading(text).map(|h| h.0), Some(level), "{text}");
    }
    for text in [
        "2023年度收入合计100万元。",
        "5.83万元",
        "一般公共服务支出",
        "第一次",
    ] {
        assert_eq!(heading(text), None, "{text}");
    }
    assert_eq!(
        heading("（一）“三公”经费财政拨款支出决算总体情况说明。").map(|h| h.1),
        Some("“三公”经费财政拨款支出决算总体情况说明".to_string())
    );
}

#[test]
fn titles_by_meaning_in_beijing_and_shanghai_wordings() {
    use Level::*;
    let cases = [
        (Part, "2023年度部门决算说明", Section::Explanation),
        (Part, "上海市普陀区财政局概况", Section::Overview),
        (
            Part,
            "上海市普陀区财政局2024年度部门决算表",
            Section::Tables,
        ),
        (
            Part,
            "2023年度其他重要事项的情况说明",
            Section::OtherMatters,
        ),
        (Part, "2023年度部门绩效评价情况", Section::Performance),
        (Part, "名词解释", Section::Glossary),
        (Chapter, "部门/单位基本情况", Section::Overview),
        (Chapter, "主要职能", Section::Functions),
        (Sub, "机构职责", Section::Functions),
        (Chapter, "部门决算单位构成", Section::Structure),
        (Chapter, "收入支出决算总体情况说明", Section::Overall),
        (Sub, "收入决算说明", Section::Income),
        (Chapter, "收入决算情况说明", Section::Income),
        (Chapter, "支出决算情况说明", Section::Expenditure),
        (
            Chapter,
            "财政拨款收入支出决算总体情况说明",
            Section::Appropriation,
        ),
        (
            Chapter,
            "一般公共预算财政拨款支出决算情况说明",
            Section::GeneralPublic,
        ),
        (
            Sub,
            "一般公共预算财政拨款支出决算总体情况",
            Section::GeneralPublicOverall,
        ),
        (
            Sub,
            "一般公共预算财政拨款支出决算结构情况",
            Section::GeneralPublicStructure,
        ),
        (
            Sub,
            "一般公共预算财政拨款支出决算具体情况",
            Section::GeneralPublicDetail,
        ),
        (Chapter, "财政拨款基本支出决算情况说明", Section::Basic),
        (
            Chapter,
            "一般公共预算财政拨款基本支出决算情况说明",
            Section::Basic,
        ),
        (
            Chapter,
            "财政拨款“三公”经费支出决算情况说明",
            Section::ThreePublic,
        ),
        (Chapter, "“三公”经费财政拨款决算情况", Section::ThreePublic),
        (
            Chapter,
            "政府性基金预算财政拨款收入支出决算情况说明",
            Section::GovernmentFund,
        ),
        (
            Chapter,
            "国有资本经营预算财政拨款收支情况",
            Section::StateCapital,
        ),
        (Chapter, "预算绩效管理情况", Section::Performance),
        (Chapter, "机关运行经费支出情况", Section::OperatingCosts),
        (Sub, "政府采购支出情况", Section::Procurement),
        (Sub, "国有资产占有使用情况说明", Section::Assets),
        (Chapter, "国有资产占用情况", Section::Assets),
        (Chapter, "政府购买服务支出说明", Section::PurchasedServices),
        (Chapter, "专业名词解释", Section::Glossary),
    ];
    for (level, title, section) in cases {
        assert_eq!(classify(level, title), Some(section), "{title}");
    }
    // Table titles and statements are no sections.
    for (level, title) in [
        (Chapter, "收入支出决算总表"),
        (Chapter, "一般公共预算财政拨款支出决算表"),
        (Item, "一般公共服务支出(类)财政事务(款)行政运行(项)"),
        (Item, "因公出国(境)费"),
    ] {
        assert_eq!(classify(level, title), None, "{title}");
    }
}

#[test]
fn nesting_the_table_of_contents_and_wrapped_headings() {
    let text = "第三部分 某局2024年度部门决算情况说明
一、收入支出决算总体情况说明
二、收入决算情况说明
第三部分 某局2024年度部门决算情况说明
一、收入支出决算总体情况说明
2024年度收入支出总计100万元。
五、一般公共预算财政拨款支出决算情况说明
（三）一般公共预算财政拨款支出决算具体情况
1、一般公共服务支出（类）财政事务（款）行政运行（项）。年初预算为1万元，支出决算为1万元。
九、国有资本经营预算财政
拨款收入支出决算情况说明
本部门没有国有资本经营预算财政拨款收入支出。
六、一般公共预算财政拨款基本支
出决算情况说明
基本支出1万元。
十、预算绩效管理情况
（一）部门概况
本部门共有…
十一、其他重要事项说明
（一）政府采购支出情况
政府采购支出总额1万元。";
    let b = blocks(text);
    let o = outline(&b);
    let at = |needle: &str| {
        let i = b
            .iter()
            .position(|x| matches!(x, Block::Para { text, .. } if text.starts_with(needle)))
            .expect(needle);
        o.section_of(i)
    };
    assert_eq!(at("2024年度收入支出总计"), Some(Section::Overall));
    assert_eq!(at("1、一般公共服务"), Some(Section::GeneralPublicDetail));
    assert_eq!(at("本部门没有国有资本"), Some(Section::StateCapital));
    assert_eq!(at("基本支出1万元"), Some(Section::Basic));
    // A 概况 inside the performance section is part of it.
    assert_eq!(at("本部门共有"), Some(Section::Performance));
    assert_eq!(at("政府采购支出总额"), Some(Section::Procurement));
    // The contents' 收入决算 heading has nothing under it.
    assert_eq!(
        o.present(),
        vec![
            Section::Explanation,
            Section::Overall,
            Section::GeneralPublic,
            Section::GeneralPublicDetail,
            Section::Basic,
            Section::StateCapital,
            Section::Performance,
            Section::OtherMatters,
            Section::Procurement,
        ]
    );
    assert_eq!(
        Section::GeneralPublicDetail.fund(),
        Some(Fund::GeneralPublic)
    );
}
