//! The names in a title: where the unit's name starts and ends, whether a printed name
//! names a unit at all, and the canonical name a unit is filed under.

use crate::reference::divisions::{District, Divisions, Level};
use crate::reference::text::name_key;
use crate::reference::units::unit_key;

/// What follows a township's name up to the end of the unit's name, minus the words that
/// make it the township's own government (办事处, 人民政府): empty for the township itself.
pub(super) fn unit_rest(after: &str) -> &str {
    let end = name_end(after);
    let mut rest = &after[..end];
    // "人民政府本级", "办事处(本级)": as many of these words as follow one another.
    while let Some(r) = ["街道办事处", "办事处", "人民政府", "政府", "本级"]
        .iter()
        .find_map(|w| rest.strip_prefix(w))
    {
        rest = r;
    }
    rest
}

/// Words that end a unit's name in a title: the year, what the document is, a unit line.
const NAME_ENDS: [&str; 24] = [
    "年度",
    "部门决算",
    "决算",
    "预算",
    "部门",
    "收入",
    "支出",
    "财政拨款",
    "一般公共",
    "政府性基金",
    "国有资本",
    "三公",
    "单位:",
    "金额",
    "公开",
    "报表",
    "附件",
    "目录",
    "(",
    "[",
    "【",
    ":",
    "—",
    "《",
];

/// Byte offset in `key` where a unit's name ends.
pub(super) fn name_end(key: &str) -> usize {
    // The earliest of the words, in one pass (leftmost: the smallest start of any of them).
    static ENDS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(NAME_ENDS)
            // 24 constant words: far inside the automaton's limits.
            .expect("the name end words index")
    });
    let mut end = ENDS.find(key).map_or(key.len(), |m| m.start());
    // A year: four digits starting 20.
    let bytes = key.as_bytes();
    for i in 0..bytes.len().saturating_sub(3) {
        if bytes[i] == b'2'
            && bytes[i + 1] == b'0'
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
        {
            end = end.min(i);
            break;
        }
    }
    end
}

/// The unit's name as a title prints it: labels (附件1：, 编制单位：) and a leading year
/// removed, cut where the title goes on to say what the document is.
pub fn printed_unit_name(text: &str) -> Option<String> {
    let mut key = name_key(text);
    // Labels: everything up to the colon of 编制单位：/单位名称：/部门名称：.
    for label in [
        "编制单位:",
        "编制部门:",
        "单位名称:",
        "部门名称:",
        "填报单位:",
    ] {
        if let Some(i) = key.find(label) {
            key = key[i + label.len()..].to_string();
        }
    }
    let mut s = key.as_str();
    loop {
        let before = s.len();
        if let Some(rest) = s.strip_prefix("附件") {
            // 附件1： / 附件12、 : the attachment's number, then its separator.
            let number = rest.bytes().take_while(u8::is_ascii_digit).count();
            s = if number <= 2 { &rest[number..] } else { rest };
        }
        // A leading year: 2023年度 / 2023年.
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 4 {
            let rest = &s[4..];
            s = rest
                .strip_prefix("年度")
                .or_else(|| rest.strip_prefix('年'))
                .unwrap_or(rest);
        }
        s = s.trim_start_matches([':', '、', '-', '—', ' ']);
        if s.len() == before {
            break;
        }
    }
    let name = &s[..name_end(s)];
    let name = name.trim_end_matches([':', '、', '-', '—', '的']);
    (name.chars().count() >= 2).then(|| name.to_string())
}

/// Words that are never a unit's name.
const GENERIC: [&str; 14] = [
    "决算",
    "部门",
    "公开",
    "报表",
    "附件",
    "单位",
    "目录",
    "说明",
    "部门决算",
    "决算公开",
    "公开报表",
    "本级",
    "汇总",
    "合计",
];

/// Whether a printed name names a unit: not a generic word, not only divisions' names, and
/// not a table's title.
pub fn meaningful(divisions: &Divisions, name: &str) -> bool {
    let key = name_key(name);
    let rest = strip_areas(divisions, &key);
    rest.chars().count() >= 2
        && !GENERIC.contains(&rest)
        && !["决算", "预算", "报表", "统计"]
            .iter()
            .any(|w| rest.contains(w))
        && !rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.ends_with(|c: char| UNIT_ENDINGS.contains(c))
}

/// The last character of every kind of government unit's name (财政局, 工委, 办事处, 中心,
/// 委员会, 人民政府, 街道, 镇, 乡, 学校, 开发区 …): a printed name ending otherwise is a
/// fragment of a title, not a unit.
const UNIT_ENDINGS: &str =
    "局委办处部厅院所站馆心会室队校园团社府道镇乡署台场司行庭组科学宫厂库区盟联协狱关级";

/// `key` without the province, city and county names (and 人民政府) it starts with.
pub fn strip_areas<'k>(divisions: &Divisions, key: &'k str) -> &'k str {
    let mut at = 0;
    for m in divisions.mentions(key) {
        let area = divisions
            .candidates(&m)
            .any(|c| c.division.level != Level::Township);
        if m.start != at || !area {
            break;
        }
        at = m.end;
    }
    let rest = &key[at..];
    rest.strip_prefix("人民政府")
        .filter(|r| !r.is_empty())
        .unwrap_or(rest)
}

/// A township's unit: the 街道's 办事处, the 镇's or 乡's 人民政府.
pub(super) fn township_unit_name(name: &str) -> String {
    if name.ends_with("街道") || name.ends_with("地区") {
        format!("{name}办事处")
    } else if name.ends_with('镇') || name.ends_with('乡') || name.ends_with("苏木") {
        format!("{name}人民政府")
    } else {
        name.to_string()
    }
}

pub(super) fn looks_like_township(name: &str) -> bool {
    ["街道办事处", "镇人民政府", "乡人民政府", "地区办事处"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The name a unit without a township code is filed under. A township-like name loses the
/// areas before it and gets its government's suffix (合成第16街道 → 合成第16街道办事处), so a
/// report and a workbook that print it differently agree; a department printed without
/// its city gets it (普陀区财政局 → 上海市普陀区财政局).
pub(super) fn canonical_name(divisions: &Divisions, district: &District, printed: &str) -> String {
    let key = name_key(printed);
    let bare = unit_key(&key, Some(district));
    if bare.ends_with("街道")
        || bare.ends_with('镇')
        || bare.ends_with('乡')
        || bare.ends_with("地区")
    {
        let stripped = strip_areas(divisions, &bare);
        return township_unit_name(stripped);
    }
    let county = name_key(&district.name);
    let city = name_key(&district.city);
    if key.starts_with(&county) && !city.is_empty() && county != city {
        format!("{city}{key}")
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One automaton over the end words finds where the first of them starts, as a search
    /// for each word does.
    #[test]
    fn a_name_ends_at_the_first_end_word() {
        let texts = [
            "北京市西城区新街口街道办事处部门决算",
            "新街口街道办事处一般公共预算财政拨款支出决算表",
            "编制单位:长风新村街道办事处(本级)",
            "附件1:上海市普陀区财政局部门决算公开报表",
            "某某街道【公开】收入支出决算总表",
            "三公经费",
            "没有任何结束词的名字",
            "",
        ];
        // Texts without a year: where the name ends is where the first word starts.
        for text in texts {
            let key = crate::reference::text::name_key(text);
            let first = NAME_ENDS
                .iter()
                .filter_map(|w| key.find(w))
                .min()
                .unwrap_or(key.len());
            assert_eq!(name_end(&key), first, "{text}");
        }
        // A year ends it too, when it comes before the first word.
        assert_eq!(
            name_end("新街口街道办事处2023年度部门决算"),
            "新街口街道办事处".len()
        );
        assert_eq!(
            name_end("新街口街道办事处部门决算"),
            "新街口街道办事处".len()
        );
    }

    #[test]
    fn printed_names() {
        let cases = [
            (
                "2023年度北京市西城区新街口街道办事处部门决算",
                "北京市西城区新街口街道办事处",
            ),
            (
                "上海市普陀区人民政府长风新村街道办事处 2025\n年度部门决算",
                "上海市普陀区人民政府长风新村街道办事处",
            ),
            (
                "丰台区卢沟桥街道办事处 2023年部门决算报表",
                "丰台区卢沟桥街道办事处",
            ),
            (
                "附件：北京市丰台区卢沟桥街道办事处部门决算公开表",
                "北京市丰台区卢沟桥街道办事处",
            ),
            ("附件1：2023年度月坛街道部门决算", "月坛街道"),
            (
                "月坛街道2023年度收入支出决算总表（金额单位：元）",
                "月坛街道",
            ),
            (
                "编制单位：上海市普陀区财政局    单位：万元",
                "上海市普陀区财政局",
            ),
            (
                "中共上海市普陀区委社会工作部2024年度部门决算",
                "中共上海市普陀区委社会工作部",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(printed_unit_name(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(printed_unit_name("2023年度部门决算"), None);
        assert_eq!(printed_unit_name("附件1"), None);
    }

    #[test]
    fn a_township_is_the_unit_only_when_its_government_follows() {
        assert_eq!(unit_rest("办事处部门决算"), "");
        assert_eq!(unit_rest("人民政府2023年度部门决算"), "");
        assert_eq!(unit_rest(""), "");
        assert_eq!(
            unit_rest("社区卫生服务中心2023年度部门决算"),
            "社区卫生服务中心"
        );
    }
}
