//! The identity checks on texts as documents print them: each rule holding on one text
//! and failing on its altered twin.

use super::*;

fn registry() -> &'static UnitRegistry {
    crate::reference::units::test_registry()
}

fn unit(name: &str, district_code: &str, year: i32) -> Arc<UnitIdentity> {
    Arc::new(UnitIdentity {
        year,
        city: String::new(),
        district: String::new(),
        district_code: district_code.into(),
        unit_id: format!("{district_code}-test"),
        unit_code: None,
        unit_name: name.into(),
    })
}

fn file() -> Arc<SourceFile> {
    Arc::new(SourceFile {
        display_path: Arc::from("report.txt"),
        sha256: Arc::from("00"),
        bytes: 1,
    })
}

fn said(place: Place, line: u32, text: &str) -> Said {
    Said {
        place,
        at: Origin::Paragraph(line),
        text: text.into(),
    }
}

/// (rule, actual, references) of the findings on `said` and `prose`.
fn run(
    unit: &Arc<UnitIdentity>,
    said: &[Said],
    prose: &[(u32, &str)],
) -> Vec<(&'static str, String, Vec<String>)> {
    check(
        registry(),
        unit,
        &file(),
        said,
        prose.iter().map(|(n, t)| (Origin::Paragraph(*n), *t)),
    )
    .into_iter()
    .map(|f| {
        assert_eq!(f.severity, Severity::Error);
        (f.rule.id(), f.actual.unwrap_or_default(), f.references)
    })
    .collect()
}

fn xinjiekou() -> Arc<UnitIdentity> {
    unit("新街口街道办事处", "110102", 2023)
}

#[test]
fn a_document_naming_itself_in_every_form_raises_nothing() {
    let texts = [
        said(Place::Cover, 1, "2023年度北京市西城区新街口街道办事处"),
        said(
            Place::Header,
            40,
            "编制单位：新街口街道办事处　　2023年度　　单位：万元",
        ),
        said(Place::Header, 41, "2023年度"),
        said(Place::Heading, 3, "2023年度部门决算说明"),
        said(
            Place::Subject,
            180,
            "北京市西城区人民政府新街口街道办事处（简称：新街口街道）强化党的领导",
        ),
        said(
            Place::Subject,
            173,
            "新街口街道办事处对2023年度部门项目支出实施绩效评价",
        ),
        // Column headings naming last year's figures are no claim about the report's year.
        said(Place::Header, 42, "2022年决算数"),
    ];
    assert_eq!(run(&xinjiekou(), &texts, &[]), []);
    // A department: its city and district, or neither.
    let caizhengju = unit("上海市普陀区财政局", "310107", 2024);
    let texts = [
        said(Place::Heading, 6, "上海市普陀区财政局概况"),
        said(
            Place::Subject,
            30,
            "普陀区财政局2024年度收入支出总计2995.39万元",
        ),
        said(Place::Header, 50, "编制单位：上海市普陀区财政局"),
    ];
    assert_eq!(run(&caizhengju, &texts, &[]), []);
}

#[test]
fn another_offices_name_where_the_document_names_itself_is_an_error() {
    let texts = [
        said(
            Place::Header,
            40,
            "编制单位：展览路街道办事处　　单位：万元",
        ),
        said(
            Place::Subject,
            90,
            "展览路街道2023年度收入支出总计39985.83万元",
        ),
        said(Place::Cover, 1, "2023年度北京市西城区新街口街道办事处"),
    ];
    let found = run(&xinjiekou(), &texts, &[]);
    assert_eq!(
        found,
        [
            (
                "identity.name",
                "展览路街道".to_string(),
                vec!["report.txt¶90".to_string()]
            ),
            (
                "identity.name",
                "展览路街道办事处".to_string(),
                vec!["report.txt¶40".to_string()]
            ),
        ]
    );
    // A heading copied from a bureau's report.
    let found = run(
        &unit("上海市普陀区财政局", "310107", 2024),
        &[said(Place::Heading, 6, "上海市普陀区民政局概况")],
        &[],
    );
    assert_eq!(found[0].0, "identity.name");
    assert_eq!(found[0].1, "上海市普陀区民政局");
}

#[test]
fn another_year_in_a_title_header_heading_or_subject_is_an_error() {
    let texts = [
        said(Place::Heading, 3, "2022年度部门决算说明"),
        said(Place::Header, 40, "编制单位：新街口街道办事处　　2022年度"),
        said(Place::Subject, 35, "新街口街道办事处2023年度收入支出总计…"),
        // A heading about something else may name any year.
        said(Place::Heading, 200, "2022年重点工作完成情况"),
    ];
    let found = run(&xinjiekou(), &texts, &[]);
    assert_eq!(
        found,
        [(
            "identity.year",
            "2022".to_string(),
            vec!["report.txt¶3".to_string(), "report.txt¶40".to_string()]
        )]
    );
    let found = run(
        &xinjiekou(),
        &[said(
            Place::Subject,
            35,
            "新街口街道办事处2022年度收入支出总计…",
        )],
        &[],
    );
    assert_eq!(found[0].0, "identity.year");
    let found = run(
        &xinjiekou(),
        &[said(
            Place::Subject,
            36,
            "德胜街道办事处本年度无“三公”经费支出",
        )],
        &[],
    );
    assert_eq!(found[0].1, "德胜街道办事处");
}

#[test]
fn a_templates_placeholders_are_errors_in_names_figures_and_years() {
    let texts = [said(Place::Heading, 6, "上海市 XX 局概况")];
    let found = run(&unit("上海市普陀区财政局", "310107", 2024), &texts, &[]);
    assert_eq!(
        found,
        [(
            "document.placeholder",
            "XX".to_string(),
            vec!["report.txt¶6".to_string()]
        )]
    );
    let prose = [
        (10, "本年收入合计 XXX 万元，其中：财政拨款收入 XXX 万元"),
        (11, "与20XX年度相比"),
        (12, "某某街道办事处"),
        (13, "××街道"),
        // No placeholder: a formula's x, Latin words, one X.
        (14, "结转结余率=结转结余总额/调整预算数x100%"),
        (15, "XBRL 与 Excel 文件，X 光机一台"),
    ];
    let found = run(&xinjiekou(), &[], &prose);
    let marks: Vec<(&str, &str)> = found
        .iter()
        .map(|(_, mark, refs)| (mark.as_str(), refs[0].as_str()))
        .collect();
    assert_eq!(
        marks,
        [
            ("XX", "report.txt¶11"),
            ("XXX", "report.txt¶10"),
            ("××", "report.txt¶13"),
            ("某某", "report.txt¶12"),
        ]
    );
}

#[test]
fn subjects_are_sentences_that_open_with_a_name_and_the_year() {
    let paragraph = "2023年，新街口街道办事处对2023年度部门项目支出实施绩效评价。根据西城区财政局预算绩效评价指标体系，新街口街道2023年度部门预算支出绩效评价得分为95分。上海市普陀区财政局本年度无“三公”经费支出";
    let found: Vec<&str> = subjects(paragraph).collect();
    assert_eq!(
        found,
        [
            "新街口街道办事处对2023年度部门项目支出实施绩效评价",
            "上海市普陀区财政局本年度无“三公”经费支出"
        ]
    );
}
