use super::*;

fn registry() -> &'static UnitRegistry {
    crate::reference::units::test_registry()
}

/// Identifies a document whose opening lines are `lines`, at `path`.
fn identify(lines: &[&str], path: &str) -> Result<Resolution, String> {
    let mut hints = ContentHints::default();
    hints.offer_title(lines.iter().copied());
    for line in lines {
        hints.offer(line);
    }
    resolve(
        registry(),
        &hints,
        &PathHints::from_relative(Path::new(path)),
    )
}

/// (district_code, unit_code, unit_id, unit_name, year) of an identified document.
fn who(lines: &[&str], path: &str) -> (String, Option<String>, String, String, i32) {
    let r = identify(lines, path).unwrap_or_else(|e| panic!("{lines:?} {path}: {e}"));
    let u = r.identity;
    (u.district_code, u.unit_code, u.unit_id, u.unit_name, u.year)
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn years() {
    assert_eq!(year_in("2023年度北京市西城区新街口街道办事处"), Some(2023));
    assert_eq!(year_in("２０２２ 年度部门决算"), Some(2022));
    assert_eq!(year_in("截止12023年"), None);
    assert_eq!(year_in("单位：万元"), None);
    // regression: "中文年" must not slice inside 中
    assert_eq!(year_in("中文年"), None);
    assert_eq!(year_in("x中文年度"), None);
}

#[test]
fn path_hints() {
    let h = PathHints::from_relative(Path::new("2023/西城区/新街口街道办事处/a.xlsx"));
    assert_eq!(h.year, Some(2023));
    assert_eq!(h.district.as_deref(), Some("西城区"));
    assert_eq!(h.unit.as_deref(), Some("新街口街道办事处"));
    assert_eq!(h.file.as_deref(), Some("a"));
    assert_eq!(h.folders, ["新街口街道办事处", "西城区", "2023"]);
    let h = PathHints::from_relative(Path::new("a.xlsx"));
    assert_eq!((h.year, h.file.as_deref()), (None, Some("a")));
    let h = PathHints::from_relative(Path::new("inbox/月坛街道2023年度部门决算.pdf"));
    assert_eq!(h.year, Some(2023));
}

#[test]
fn every_title_form_identifies_its_unit() {
    // Beijing, two lines; the override of units.toml keeps its id.
    assert_eq!(
        who(
            &["2023年度北京市西城区新街口街道办事处", "部门决算"],
            "a.txt"
        ),
        (
            "110102".into(),
            some("110102003"),
            "110102-xinjiekou".into(),
            "新街口街道办事处".into(),
            2023
        )
    );
    // Shanghai: 人民政府 between district and 街道, the year wrapped onto the next line.
    assert_eq!(
        who(
            &[
                "上海市普陀区人民政府长风新村街道办事处 2025",
                "年度部门决算"
            ],
            "x.pdf"
        ),
        (
            "310107".into(),
            some("310107014"),
            "310107014".into(),
            "长风新村街道办事处".into(),
            2025
        )
    );
    assert_eq!(
        who(&["丰台区卢沟桥街道办事处 2023年部门决算报表"], "b.xlsx").1,
        some("110106017")
    );
    assert_eq!(
        who(
            &["附件：北京市丰台区卢沟桥街道办事处2023年部门决算公开表"],
            "b.xlsx"
        )
        .1,
        some("110106017")
    );
    assert_eq!(
        who(
            &["月坛街道2023年度收入支出决算总表（金额单位：元）"],
            "c.xlsx"
        ),
        (
            "110102".into(),
            some("110102007"),
            "110102-yuetan".into(),
            "月坛街道办事处".into(),
            2023
        )
    );
    // A name wrapped inside itself, as PDF lines break it.
    assert_eq!(
        who(&["2023年度广州市天河区五山", "街道办事处部门决算"], "d.pdf").1,
        some("440106001")
    );
    // A 镇 of Guangdong: its 人民政府.
    assert_eq!(
        who(
            &["广东省佛山市南海区狮山镇人民政府2023年度部门决算"],
            "e.pdf"
        ),
        (
            "440605".into(),
            some("440605124"),
            "440605124".into(),
            "狮山镇人民政府".into(),
            2023
        )
    );
}

#[test]
fn departments_are_units_of_their_district_without_a_code() {
    let (district, code, id, name, year) = who(
        &["中共上海市普陀区委", "社会工作部 2024 年度", "部门决算"],
        "f.pdf",
    );
    assert_eq!(
        (district.as_str(), code, name.as_str(), year),
        ("310107", None, "中共上海市普陀区委社会工作部", 2024)
    );
    assert!(id.starts_with("310107-x"), "{id}");
    let (district, code, id, name, _) = who(&["上海市普陀区财政局", "2024年度部门决算"], "g.pdf");
    assert_eq!(
        (district.as_str(), code, name.as_str()),
        ("310107", None, "上海市普陀区财政局")
    );
    // Printed without its city, the same unit gets the same id and name.
    let (_, _, id2, name2, _) = who(
        &["普陀区财政局2024年度部门决算"],
        "2024/上海市/普陀区/h.xlsx",
    );
    assert_eq!((id2, name2), (id, name));
    // A unit located in a township is not the township.
    let (district, code, _, name, _) = who(
        &["北京市西城区新街口街道社区卫生服务中心2023年度部门决算"],
        "i.pdf",
    );
    assert_eq!(
        (district.as_str(), code, name.as_str()),
        ("110102", None, "北京市西城区新街口街道社区卫生服务中心")
    );
    // Units whose names end otherwise than in 局: 政协, 科协, 本级.
    for title in [
        "上海市普陀区政协2024年度部门决算",
        "普陀区科协2024年度部门决算",
        "上海市普陀区财政局本级2024年度部门决算",
    ] {
        let (district, code, _, _, _) = who(&[title], "2024/上海市/x.pdf");
        assert_eq!((district.as_str(), code), ("310107", None), "{title}");
    }
    // A city's own department: the city's code as district.
    let (district, code, _, name, _) = who(&["南京市财政局2023年度部门决算"], "j.pdf");
    assert_eq!(
        (district.as_str(), code, name.as_str()),
        ("320100", None, "南京市财政局")
    );
}

#[test]
fn a_shared_name_is_decided_by_the_city_or_rejected_with_its_candidates() {
    let e = identify(&["新街口街道2023年度部门决算"], "a.pdf").expect_err("ambiguous");
    assert!(
        e.contains("北京市西城区新街口街道 (110102003)")
            && e.contains("江苏省南京市玄武区新街口街道 (320102003)"),
        "{e}"
    );
    assert_eq!(
        who(&["新街口街道2023年度部门决算"], "2023/南京市/a.pdf").1,
        some("320102003")
    );
    assert_eq!(
        who(&["2023年度南京市玄武区新街口街道办事处部门决算"], "a.pdf").1,
        some("320102003")
    );
    assert_eq!(
        who(&["新街口街道2023年度部门决算"], "2023/西城区/a.pdf").1,
        some("110102003")
    );
    let e = identify(&["普陀区财政局2024年度部门决算"], "a.pdf").expect_err("ambiguous");
    assert!(
        e.contains("上海市普陀区 (310107)") && e.contains("浙江省舟山市普陀区 (330903)"),
        "{e}"
    );
    assert_eq!(
        who(
            &["普陀区财政局2024年度部门决算"],
            "2024/舟山市/普陀区/a.pdf"
        )
        .0,
        "330903"
    );
    assert_eq!(
        who(&["上海市普陀区财政局2024年度部门决算"], "a.pdf").0,
        "310107"
    );
}

#[test]
fn a_street_named_below_a_departments_title_is_not_the_unit() {
    let (district, code, _, name, _) = who(
        &[
            "上海市普陀区财政局",
            "2024年度部门决算",
            "负责长风新村街道等地区的财政工作",
        ],
        "a.pdf",
    );
    assert_eq!(
        (district.as_str(), code, name.as_str()),
        ("310107", None, "上海市普陀区财政局")
    );
    // A title naming only the district leaves the unit to the folder.
    assert_eq!(
        who(
            &["普陀区2025年度部门决算"],
            "2025/普陀区/长风新村街道办事处/a.pdf"
        )
        .1,
        some("310107014")
    );
}

#[test]
fn a_generic_word_is_never_a_unit() {
    let e = identify(&["2023年度部门决算"], "2023/西城区/决算/a.txt").expect_err("no unit");
    assert!(e.contains("no unit name"), "{e}");
    let e = identify(&["部门决算公开报表"], "2023/西城区/附件1.xlsx").expect_err("no unit");
    assert!(e.contains("no unit name"), "{e}");
    // The file name names the unit when the document does not.
    assert_eq!(
        who(
            &["2023年度部门决算"],
            "2023/西城区/德胜街道办事处2023年度部门决算.txt"
        )
        .1,
        some("110102010")
    );
    // A former district is filed under its successor.
    let r = identify(&["2009年度北京市宣武区园林局部门决算"], "a.txt").expect("former district");
    assert_eq!(r.identity.district_code, "110102");
    assert!(
        r.warnings.iter().any(|w| w.contains("宣武区 (110104)")),
        "{:?}",
        r.warnings
    );
}
