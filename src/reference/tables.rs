//! The standard 决算公开 tables, identified by their title text (never by sheet name,
//! position or count): the national nine (公开01–09) and Beijing's additions.

use crate::model::Fund;
use crate::reference::text::name_key;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum TableKind {
    /// 公开01 收入支出决算总表
    IncomeExpenditureSummary,
    /// 公开02 收入决算表
    Income,
    /// 公开03 支出决算表
    Expenditure,
    /// 公开04 财政拨款收入支出决算总表
    FiscalSummary,
    /// 公开05 一般公共预算财政拨款支出决算表
    GeneralPublicExpenditure,
    /// 公开06 一般公共预算财政拨款基本支出决算表
    GeneralPublicBasic,
    /// 公开07 财政拨款“三公”经费支出决算表
    ThreePublic,
    /// 公开08 政府性基金预算财政拨款收入支出决算表
    GovernmentFund,
    /// 公开09 国有资本经营预算财政拨款(收入)支出决算表
    StateCapital,
    /// Beijing: 一般公共预算财政拨款收入支出决算表
    GeneralPublicIncomeExpenditure,
    /// Beijing: 政府性基金预算财政拨款基本支出决算表
    GovernmentFundBasic,
    /// Beijing: 政府采购情况表
    Procurement,
    /// Beijing: 政府购买服务决算公开情况表
    PurchasedServices,
}

/// Title aliases, most specific first: "一般公共预算财政拨款基本支出决算表" must not be taken
/// for "…支出决算表", nor "财政拨款收入支出决算总表" for "收入支出决算总表".
/// Every kind: the national nine (公开01–09, in order) first, then Beijing's.
const ALL: [TableKind; 13] = [
    TableKind::IncomeExpenditureSummary,
    TableKind::Income,
    TableKind::Expenditure,
    TableKind::FiscalSummary,
    TableKind::GeneralPublicExpenditure,
    TableKind::GeneralPublicBasic,
    TableKind::ThreePublic,
    TableKind::GovernmentFund,
    TableKind::StateCapital,
    TableKind::GeneralPublicIncomeExpenditure,
    TableKind::GovernmentFundBasic,
    TableKind::Procurement,
    TableKind::PurchasedServices,
];

const ALIASES: &[(&str, TableKind)] = &[
    (
        "政府性基金预算财政拨款基本支出决算表",
        TableKind::GovernmentFundBasic,
    ),
    (
        "一般公共预算财政拨款基本支出决算表",
        TableKind::GeneralPublicBasic,
    ),
    (
        "一般公共预算财政拨款收入支出决算表",
        TableKind::GeneralPublicIncomeExpenditure,
    ),
    (
        "一般公共预算财政拨款支出决算表",
        TableKind::GeneralPublicExpenditure,
    ),
    (
        "一般公共预算支出决算表",
        TableKind::GeneralPublicExpenditure,
    ),
    (
        "政府性基金预算财政拨款收入支出决算表",
        TableKind::GovernmentFund,
    ),
    (
        "政府性基金预算财政拨款支出决算表",
        TableKind::GovernmentFund,
    ),
    ("政府性基金决算表", TableKind::GovernmentFund),
    (
        "国有资本经营预算财政拨款收入支出决算表",
        TableKind::StateCapital,
    ),
    (
        "国有资本经营预算财政拨款支出决算表",
        TableKind::StateCapital,
    ),
    ("三公”经费支出决算表", TableKind::ThreePublic),
    ("三公\"经费支出决算表", TableKind::ThreePublic),
    ("三公经费支出决算表", TableKind::ThreePublic),
    ("财政拨款收入支出决算总表", TableKind::FiscalSummary),
    ("财政拨款收支决算总表", TableKind::FiscalSummary),
    ("收入支出决算总表", TableKind::IncomeExpenditureSummary),
    ("收支决算总表", TableKind::IncomeExpenditureSummary),
    ("基本支出决算表", TableKind::GeneralPublicBasic),
    ("收入决算表", TableKind::Income),
    ("支出决算表", TableKind::Expenditure),
    ("政府采购情况表", TableKind::Procurement),
    ("政府购买服务决算公开情况表", TableKind::PurchasedServices),
    ("政府购买服务决算情况表", TableKind::PurchasedServices),
];

impl TableKind {
    /// Identifies a table from a title line. Footnotes ("注：本表反映…") are not titles.
    pub fn from_title(text: &str) -> Option<TableKind> {
        // Every alias ends in 表, which neither width folding nor removing whitespace makes:
        // most rows of a sheet are no title and are not folded at all.
        if !text.contains('表') {
            return None;
        }
        let key = name_key(text);
        if key.starts_with("注") || key.starts_with("说明") || key.chars().count() > 90 {
            return None;
        }
        // Every alias at once: of those the title holds, the first in ALIASES wins (more
        // specific titles come first there).
        static KEYS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
            std::sync::LazyLock::new(|| {
                aho_corasick::AhoCorasick::new(ALIASES.iter().map(|&(alias, _)| name_key(alias)))
                    // A few dozen constant titles: far inside the automaton's limits.
                    .expect("the table titles index")
            });
        KEYS.find_overlapping_iter(&key)
            .map(|m| m.pattern().as_usize())
            .min()
            .and_then(|i| ALIASES.get(i))
            .map(|&(_, kind)| kind)
    }

    /// The nine national tables (公开01–09), in their order: the first nine of every kind.
    pub fn national() -> &'static [TableKind] {
        &ALL[..9]
    }

    /// The kind whose [`TableKind::id`] is `id`.
    pub fn from_id(id: &str) -> Option<TableKind> {
        ALL.iter().copied().find(|k| k.id() == id)
    }

    /// The `source` value of rows read from this table (national numbering where one exists).
    pub fn id(self) -> &'static str {
        match self {
            TableKind::IncomeExpenditureSummary => "table01",
            TableKind::Income => "table02",
            TableKind::Expenditure => "table03",
            TableKind::FiscalSummary => "table04",
            TableKind::GeneralPublicExpenditure => "table05",
            TableKind::GeneralPublicBasic => "table06",
            TableKind::ThreePublic => "table07",
            TableKind::GovernmentFund => "table08",
            TableKind::StateCapital => "table09",
            TableKind::GeneralPublicIncomeExpenditure => "bj_general_public_income_expenditure",
            TableKind::GovernmentFundBasic => "bj_government_fund_basic",
            TableKind::Procurement => "bj_procurement",
            TableKind::PurchasedServices => "bj_purchased_services",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TableKind::IncomeExpenditureSummary => "收入支出决算总表",
            TableKind::Income => "收入决算表",
            TableKind::Expenditure => "支出决算表",
            TableKind::FiscalSummary => "财政拨款收入支出决算总表",
            TableKind::GeneralPublicExpenditure => "一般公共预算财政拨款支出决算表",
            TableKind::GeneralPublicBasic => "一般公共预算财政拨款基本支出决算表",
            TableKind::ThreePublic => "财政拨款“三公”经费支出决算表",
            TableKind::GovernmentFund => "政府性基金预算财政拨款收入支出决算表",
            TableKind::StateCapital => "国有资本经营预算财政拨款支出决算表",
            TableKind::GeneralPublicIncomeExpenditure => "一般公共预算财政拨款收入支出决算表",
            TableKind::GovernmentFundBasic => "政府性基金预算财政拨款基本支出决算表",
            TableKind::Procurement => "政府采购情况表",
            TableKind::PurchasedServices => "政府购买服务决算公开情况表",
        }
    }

    /// Tables of basic expenditure by economic code, and the fund they belong to.
    pub fn economic_fund(self) -> Option<Fund> {
        match self {
            TableKind::GeneralPublicBasic => Some(Fund::GeneralPublic),
            TableKind::GovernmentFundBasic => Some(Fund::GovernmentFund),
            _ => None,
        }
    }

    /// Tables listing expenditure by function code with 合计/基本/项目 (and optionally
    /// budget) columns, and the fund their figures belong to.
    pub fn expenditure_fund(self) -> Option<Fund> {
        match self {
            TableKind::Expenditure => Some(Fund::All),
            TableKind::GeneralPublicExpenditure | TableKind::GeneralPublicIncomeExpenditure => {
                Some(Fund::GeneralPublic)
            }
            TableKind::GovernmentFund => Some(Fund::GovernmentFund),
            TableKind::StateCapital => Some(Fund::StateCapital),
            _ => None,
        }
    }
}

/// Labels of rows that carry totals, not codes.
pub fn is_total_label(text: &str) -> bool {
    let key = name_key(text);
    let key = key.trim_start_matches(|c: char| !c.is_alphanumeric() || c.is_ascii_digit());
    matches!(
        key,
        "合计"
            | "总计"
            | "小计"
            | "本年支出合计"
            | "本年收入合计"
            | "支出合计"
            | "收入合计"
            | "人员经费合计"
            | "公用经费合计"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_with_prefixes_and_suffixes() {
        use TableKind::*;
        let cases = [
            (
                "2023年度北京市西城区新街口街道办事处一般公共预算财政拨款支出决算表",
                GeneralPublicExpenditure,
            ),
            ("一般公共预算财政拨款基本支出决算表", GeneralPublicBasic),
            ("支出决算表\n公开03表", Expenditure),
            ("财政拨款收入支出决算总表", FiscalSummary),
            ("收入支出决算总表", IncomeExpenditureSummary),
            ("财政拨款“三公”经费支出决算表", ThreePublic),
            ("国有资本经营预算财政拨款支出决算表(空表)", StateCapital),
            ("政府性基金预算财政拨款收入支出决算表", GovernmentFund),
            (
                "一般公共预算财政拨款收入支出决算表",
                GeneralPublicIncomeExpenditure,
            ),
        ];
        for (title, kind) in cases {
            assert_eq!(TableKind::from_title(title), Some(kind), "{title}");
        }
        assert_eq!(
            TableKind::from_title("注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。"),
            None
        );
        assert_eq!(TableKind::from_title("单位：万元"), None);
        // Width-folded and wrapped titles are found after the 表 pre-filter.
        assert_eq!(
            TableKind::from_title("支出决算\n表 （公开０３表）"),
            Some(Expenditure)
        );
    }

    /// `from_title` skips every text without 表 before folding it: valid only while every
    /// alias holds 表.
    #[test]
    fn every_alias_holds_the_character_the_title_search_filters_on() {
        for (alias, _) in ALIASES {
            assert!(name_key(alias).contains('表'), "{alias}");
        }
    }

    #[test]
    fn totals() {
        assert!(is_total_label("合计"));
        assert!(is_total_label("  总 计"));
        assert!(is_total_label("本年支出合计"));
        assert!(!is_total_label("一般公共服务支出"));
    }
}
