//! A report's sections, recognised by their headings' meaning rather than one wording.
//!
//! Every 部门决算 narrative follows the national template: parts (`第一部分 …`), then numbered
//! sections (`一、`), sub-sections (`（一）`), items (`1、` / `1.`) and sub-items (`(1)`). The
//! wording of each heading differs by province and year (`收入支出决算总体情况说明` in
//! Beijing and Shanghai alike, but `（一）收入决算说明` under it in Beijing where Shanghai has
//! `二、收入决算情况说明` beside it), so a heading is classified by the words that carry its
//! meaning, and a heading nested where its meaning cannot be (`（一）部门概况` inside a
//! performance report) belongs to its parent. The table of contents prints the same
//! headings with nothing under them: a section counts as present only when text follows it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::extract::report::read::Block;
use crate::model::Fund;
use crate::reference::text::fold_width;

/// A section of the national template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 第一部分 …概况 / 部门（单位）基本情况.
    Overview,
    /// 主要职能 / 机构职责.
    Functions,
    /// 部门决算单位构成 / 机构设置.
    Structure,
    /// 第二部分 …决算表 (or 第四部分 …决算报表): the tables, listed or attached.
    Tables,
    /// 第三部分 …决算情况说明: the part that explains the tables.
    Explanation,
    /// 收入支出决算总体情况说明.
    Overall,
    /// 收入决算情况说明.
    Income,
    /// 支出决算情况说明.
    Expenditure,
    /// 财政拨款收入支出决算总体情况说明.
    Appropriation,
    /// 一般公共预算财政拨款支出决算情况说明.
    GeneralPublic,
    /// …总体情况 within it.
    GeneralPublicOverall,
    /// …结构情况 within it.
    GeneralPublicStructure,
    /// …具体情况 within it: the per-类/款/项 statements.
    GeneralPublicDetail,
    /// （一般公共预算）财政拨款基本支出决算情况说明.
    Basic,
    /// 财政拨款"三公"经费支出决算情况说明.
    ThreePublic,
    /// 政府性基金预算财政拨款（收入）支出决算情况说明.
    GovernmentFund,
    /// 国有资本经营预算财政拨款（收入）支出决算情况说明.
    StateCapital,
    /// 预算绩效管理情况 / 部门绩效评价情况.
    Performance,
    /// 其他重要事项（的情况）说明.
    OtherMatters,
    /// 机关运行经费支出情况.
    OperatingCosts,
    /// 政府采购支出情况.
    Procurement,
    /// 国有资产占用（占有使用）情况.
    Assets,
    /// 政府购买服务支出说明.
    PurchasedServices,
    /// （专业）名词解释.
    Glossary,
}

impl Section {
    /// Every section, in the template's order.
    pub const ALL: [Section; 24] = [
        Section::Overview,
        Section::Functions,
        Section::Structure,
        Section::Tables,
        Section::Explanation,
        Section::Overall,
        Section::Income,
        Section::Expenditure,
        Section::Appropriation,
        Section::GeneralPublic,
        Section::GeneralPublicOverall,
        Section::GeneralPublicStructure,
        Section::GeneralPublicDetail,
        Section::Basic,
        Section::ThreePublic,
        Section::GovernmentFund,
        Section::StateCapital,
        Section::Performance,
        Section::OtherMatters,
        Section::OperatingCosts,
        Section::Procurement,
        Section::Assets,
        Section::PurchasedServices,
        Section::Glossary,
    ];

    /// The sections every 部门决算情况说明 has, by the national template (财政部's 2024
    /// template, 第三部分 一 to 十一): a report without one of them is incomplete. A section
    /// that says the unit has no such figures (本年度无政府性基金…) is present.
    pub const REQUIRED: [Section; 11] = [
        Section::Overall,
        Section::Income,
        Section::Expenditure,
        Section::Appropriation,
        Section::GeneralPublic,
        Section::Basic,
        Section::ThreePublic,
        Section::GovernmentFund,
        Section::StateCapital,
        Section::Performance,
        Section::OtherMatters,
    ];

    /// The template's heading of the section, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Section::Overview => "部门概况",
            Section::Functions => "主要职能",
            Section::Structure => "部门决算单位构成",
            Section::Tables => "部门决算表",
            Section::Explanation => "部门决算情况说明",
            Section::Overall => "收入支出决算总体情况说明",
            Section::Income => "收入决算情况说明",
            Section::Expenditure => "支出决算情况说明",
            Section::Appropriation => "财政拨款收入支出决算总体情况说明",
            Section::GeneralPublic => "一般公共预算财政拨款支出决算情况说明",
            Section::GeneralPublicOverall => "一般公共预算财政拨款支出决算总体情况",
            Section::GeneralPublicStructure => "一般公共预算财政拨款支出决算结构情况",
            Section::GeneralPublicDetail => "一般公共预算财政拨款支出决算具体情况",
            Section::Basic => "一般公共预算财政拨款基本支出决算情况说明",
            Section::ThreePublic => "财政拨款“三公”经费支出决算情况说明",
            Section::GovernmentFund => "政府性基金预算财政拨款收入支出决算情况说明",
            Section::StateCapital => "国有资本经营预算财政拨款收入支出决算情况说明",
            Section::Performance => "预算绩效管理情况",
            Section::OtherMatters => "其他重要事项说明",
            Section::OperatingCosts => "机关运行经费支出情况",
            Section::Procurement => "政府采购支出情况",
            Section::Assets => "国有资产占用情况",
            Section::PurchasedServices => "政府购买服务支出说明",
            Section::Glossary => "名词解释",
        }
    }

    /// The name the manifest gives it.
    pub fn id(self) -> &'static str {
        match self {
            Section::Overview => "overview",
            Section::Functions => "functions",
            Section::Structure => "structure",
            Section::Tables => "tables",
            Section::Explanation => "explanation",
            Section::Overall => "overall",
            Section::Income => "income",
            Section::Expenditure => "expenditure",
            Section::Appropriation => "appropriation",
            Section::GeneralPublic => "general_public",
            Section::GeneralPublicOverall => "general_public_overall",
            Section::GeneralPublicStructure => "general_public_structure",
            Section::GeneralPublicDetail => "general_public_detail",
            Section::Basic => "basic",
            Section::ThreePublic => "three_public",
            Section::GovernmentFund => "government_fund",
            Section::StateCapital => "state_capital",
            Section::Performance => "performance",
            Section::OtherMatters => "other_matters",
            Section::OperatingCosts => "operating_costs",
            Section::Procurement => "procurement",
            Section::Assets => "assets",
            Section::PurchasedServices => "purchased_services",
            Section::Glossary => "glossary",
        }
    }

    /// The budget whose appropriations the section's statements are about.
    pub fn fund(self) -> Option<Fund> {
        match self {
            Section::GeneralPublic
            | Section::GeneralPublicOverall
            | Section::GeneralPublicStructure
            | Section::GeneralPublicDetail => Some(Fund::GeneralPublic),
            Section::GovernmentFund => Some(Fund::GovernmentFund),
            _ => None,
        }
    }

    /// Whether a heading meaning `child` can stand inside this section. A heading that
    /// cannot (an item `（一）部门概况` of a performance report, `1.因公出国（境）费` of 三公)
    /// is part of this section.
    fn admits(self, child: Section) -> bool {
        use Section::*;
        match self {
            // The parts hold every kind of section.
            Overview => matches!(child, Functions | Structure),
            Explanation => !matches!(child, Explanation | Tables),
            Overall => matches!(child, Income | Expenditure),
            GeneralPublic => matches!(
                child,
                GeneralPublicOverall | GeneralPublicStructure | GeneralPublicDetail
            ),
            OtherMatters => matches!(
                child,
                ThreePublic
                    | OperatingCosts
                    | Procurement
                    | Assets
                    | PurchasedServices
                    | Glossary
                    | Performance
            ),
            _ => false,
        }
    }
}

/// How a heading is numbered: the depth of the outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 第一部分.
    Part,
    /// 一、
    Chapter,
    /// （一）
    Sub,
    /// 1、 / 1.
    Item,
    /// (1) / （1）
    SubItem,
}

const CHINESE_DIGITS: &str = "一二三四五六七八九十";

/// A heading: its numbering's level and its title (the numbering and a closing 。 or ：
/// removed, width folded). `None` for a paragraph that is no heading.
pub fn heading(text: &str) -> Option<(Level, String)> {
    let folded = fold_width(text.trim());
    let s = folded.trim_start();
    let (level, rest) = numbering(s)?;
    // The title is the first clause: "（一）“三公”经费财政拨款支出决算总体情况说明。" or
    // "1、一般公共服务支出（类）…（项）。主要用于：…" (an item whose title is its first sentence).
    let title = rest
        .trim_start_matches([' ', '\u{3000}'])
        .split(['。', ':', ';'])
        .next()
        .unwrap_or("")
        .trim();
    Some((level, title.to_string()))
}

fn numbering(s: &str) -> Option<(Level, &str)> {
    if let Some(rest) = s.strip_prefix('第') {
        let n = rest
            .char_indices()
            .find(|(_, c)| !CHINESE_DIGITS.contains(*c))
            .map_or(rest.len(), |(i, _)| i);
        if n > 0 {
            if let Some(after) = rest[n..].strip_prefix("部分") {
                return Some((Level::Part, after));
            }
        }
        return None;
    }
    if let Some(inner) = s.strip_prefix('(') {
        let n = inner
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || CHINESE_DIGITS.contains(*c)))
            .map_or(inner.len(), |(i, _)| i);
        let chars = inner[..n].chars().count();
        let after = inner[n..].strip_prefix(')')?;
        if !(1..=3).contains(&chars) {
            return None;
        }
        let level = if inner[..n].chars().all(|c| c.is_ascii_digit()) {
            Level::SubItem
        } else {
            Level::Sub
        };
        return Some((level, after));
    }
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    let chinese = s
        .chars()
        .take_while(|c| CHINESE_DIGITS.contains(*c))
        .count();
    let (n, level) = if digits > 0 {
        (digits, Level::Item)
    } else {
        (chinese, Level::Chapter)
    };
    if !(1..=3).contains(&n) {
        return None;
    }
    let start = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    let rest = &s[start..];
    let sep = rest.chars().next()?;
    if !"、.".contains(sep) {
        return None;
    }
    let after = &rest[sep.len_utf8()..];
    // "5.83万元" is a number, not an ordinal.
    if after.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((level, after))
}

/// The section a heading's title means, if any. Its order matters: the more specific
/// meaning first (三公 before 财政拨款, 基本支出 before 一般公共预算).
pub fn classify(level: Level, title: &str) -> Option<Section> {
    let t: Cow<str> = fold_width(title);
    let t = t.replace(['“', '”', '"', ' ', '\u{3000}'], "");
    let has = |w: &str| t.contains(w);
    // A title of a table ("一、收入支出决算总表") is the table list's, not a section's.
    if level != Level::Part && (t.ends_with('表') || t.ends_with("表(")) {
        return None;
    }
    if t.chars().count() > 48 {
        return None;
    }
    let section = if has("名词解释") {
        Section::Glossary
    } else if level == Level::Part && (has("决算表") || has("决算报表") || has("附件")) {
        Section::Tables
    } else if has("其他重要事项") {
        Section::OtherMatters
    } else if has("绩效") {
        Section::Performance
    } else if level == Level::Part && (has("概况") || has("基本情况")) {
        Section::Overview
    } else if level == Level::Part && (has("情况说明") || has("决算说明") || has("决算情况"))
    {
        Section::Explanation
    } else if has("三公") {
        Section::ThreePublic
    } else if has("机关运行经费") {
        Section::OperatingCosts
    } else if has("政府采购") {
        Section::Procurement
    } else if has("国有资产") {
        Section::Assets
    } else if has("政府购买服务") {
        Section::PurchasedServices
    } else if has("基本支出") {
        Section::Basic
    } else if has("政府性基金") {
        Section::GovernmentFund
    } else if has("国有资本经营") {
        Section::StateCapital
    } else if has("一般公共预算财政拨款") || has("一般公共预算支出") {
        if has("总体") {
            Section::GeneralPublicOverall
        } else if has("结构") {
            Section::GeneralPublicStructure
        } else if has("具体") || has("明细") {
            Section::GeneralPublicDetail
        } else {
            Section::GeneralPublic
        }
    } else if has("财政拨款收入支出") || has("财政拨款收支") {
        Section::Appropriation
    } else if has("收入支出决算") || has("收支决算") {
        Section::Overall
    } else if has("收入决算") {
        Section::Income
    } else if has("支出决算") && !has("(类)") {
        Section::Expenditure
    } else if has("主要职能") || has("机构职责") || has("部门职责") {
        Section::Functions
    } else if has("单位构成") || has("机构设置") {
        Section::Structure
    } else if has("概况") || has("基本情况") {
        Section::Overview
    } else {
        return None;
    };
    Some(section)
}

/// A section as it occurs in one report: its heading's paragraph and the paragraphs
/// (and sub-sections) under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub section: Section,
    pub level: Level,
    /// The heading's paragraph number, and the block index.
    pub paragraph: u32,
    pub block: usize,
    /// The heading as printed (its first clause).
    pub title: String,
    /// Whether any text follows it before the next heading of its level or above (a
    /// table of contents lists headings with nothing under them).
    pub has_body: bool,
}

/// A report's outline: the section every block belongs to, and each section's headings.
#[derive(Debug, Default)]
pub struct Outline {
    /// Per block, the innermost recognised section it is in (`None` before the first).
    pub of_block: Vec<Option<Section>>,
    pub occurrences: Vec<Occurrence>,
}

impl Outline {
    /// The sections present, in the template's order: each once, with text under it.
    pub fn present(&self) -> Vec<Section> {
        let mut out: Vec<Section> = self
            .occurrences
            .iter()
            .filter(|o| o.has_body)
            .map(|o| o.section)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn section_of(&self, block: usize) -> Option<Section> {
        self.of_block.get(block).copied().flatten()
    }
}

/// Whether a heading's title stops where no title ends: cut by the line's width.
fn wrapped(title: &str) -> bool {
    const ENDS: [&str; 12] = [
        "说明", "情况", "解释", "概况", "职能", "构成", "设置", "职责", "事项", "表", "报告",
        "结论",
    ];
    !title.is_empty() && !ENDS.iter().any(|e| title.ends_with(e))
}

/// Reads the outline of a report's blocks. A heading wrapped over two lines ("…国有资本经营
/// 预算财政" + "拨款收入支出决算情况说明") is read whole: when a heading's title means no section
/// and the next paragraph is short and no heading, the two are read as one title.
pub fn outline(blocks: &[Block]) -> Outline {
    // The open headings: (level, section it stands for, occurrence index if recognised).
    let mut stack: Vec<(Level, Option<Section>, Option<usize>)> = Vec::new();
    let mut out = Outline {
        of_block: Vec::with_capacity(blocks.len()),
        occurrences: Vec::new(),
    };
    let paragraph = |i: usize| match blocks.get(i) {
        Some(Block::Para { number, text }) => Some((*number, text.as_str())),
        _ => None,
    };
    let mut continued = false;
    for (i, block) in blocks.iter().enumerate() {
        if std::mem::take(&mut continued) {
            // The second line of a wrapped heading: part of it, no text under it.
            let current = out.of_block.last().copied().flatten();
            out.of_block.push(current);
            continue;
        }
        let recognised = match block {
            Block::Para { number, text } => heading(text).map(|(level, title)| {
                let mut section = classify(level, &title);
                let mut title = title;
                if let Some((_, next)) = paragraph(i + 1).filter(|_| wrapped(&title)) {
                    let joined = format!("{title}{}", next.trim());
                    if next.chars().count() <= 24 && heading(next).is_none() {
                        if let Some(s) = classify(level, &joined) {
                            section = Some(s);
                            title = joined;
                            continued = true;
                        }
                    }
                }
                (*number, level, section, title)
            }),
            Block::Table { .. } => None,
        };
        match recognised {
            Some((number, level, section, title)) => {
                while stack.last().is_some_and(|(l, ..)| *l >= level) {
                    stack.pop();
                }
                let parent = stack.iter().rev().find_map(|(_, s, _)| *s);
                // A heading of a section that cannot be where it is belongs to its parent.
                let section = match (parent, section) {
                    (Some(p), Some(s)) if !p.admits(s) && level != Level::Part => None,
                    (_, s) => s,
                };
                let occurrence = section.map(|s| {
                    out.occurrences.push(Occurrence {
                        section: s,
                        level,
                        paragraph: number,
                        block: i,
                        title,
                        has_body: false,
                    });
                    out.occurrences.len() - 1
                });
                if section.is_none() {
                    // A numbered item that is no section (a per-项 statement, a 三公 item)
                    // is its sections' text.
                    for (_, _, occurrence) in &stack {
                        if let Some(o) = occurrence {
                            out.occurrences[*o].has_body = true;
                        }
                    }
                }
                stack.push((level, section, occurrence));
                out.of_block.push(section.or(parent));
            }
            None => {
                // Text: every open section has a body.
                for (_, _, occurrence) in &stack {
                    if let Some(o) = occurrence {
                        out.occurrences[*o].has_body = true;
                    }
                }
                out.of_block
                    .push(stack.iter().rev().find_map(|(_, s, _)| *s));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
