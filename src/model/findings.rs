//! What the readers could not use (rejects) and what the checks found (findings).

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Origin, SourceFile, UnitIdentity};

/// The pipeline stage at which something was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Discover,
    Identify,
    Extract,
    Classify,
    /// Writing the warehouse (a partition that could not be encoded).
    Load,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Discover => "discover",
            Stage::Identify => "identify",
            Stage::Extract => "extract",
            Stage::Load => "load",
            Stage::Classify => "classify",
        }
    }
}

/// One row of the `rejects` dataset: an input file, table or row that could not be used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reject {
    /// Whose input it was, when that could be told (from the document or its path).
    #[serde(with = "super::shared::option")]
    pub unit: Option<Arc<UnitIdentity>>,
    #[serde(with = "super::shared")]
    pub file: Arc<SourceFile>,
    /// Where in the file (none: the whole file).
    pub at: Option<Origin>,
    pub stage: Stage,
    pub reason: String,
    pub raw_text: Option<String>,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display_path)?;
        let (sheet, row) = self.place();
        if let Some(sheet) = sheet {
            write!(f, " [sheet {sheet}]")?;
        }
        if let Some(row) = row {
            write!(f, " row {row}")?;
        }
        write!(f, " ({}): {}", self.stage.as_str(), self.reason)
    }
}

impl Reject {
    /// The `source_sheet` and `source_row` of the rejects dataset: a sheet and its row, a
    /// PDF page as `p12` and the row or line on it, or a report's paragraph as the row.
    pub fn place(&self) -> (Option<String>, Option<u32>) {
        match &self.at {
            None => (None, None),
            Some(at) => (at.place_name(), at.row()),
        }
    }
}

/// How sure a check is that something is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Every check juesuan runs, by the id its findings carry (`rule_id`). The severity policy
/// (`[reconcile.severity]`) governs each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RuleId {
    HierarchySum,
    ColumnsBasicProject,
    ColumnsIncomeSources,
    TablesFundsVsAll,
    TablesBasicEconomic,
    TablesCostTotals,
    /// 经济分类 lines against the 功能分类 项 that customarily pay them.
    TablesCustomary,
    ReportVsTables,
    ReportShare,
    /// Parts of a whole ("其中") against it.
    ReportParts,
    ReportChange,
    ReportWrongBudget,
    PlausibilityRate,
    PlausibilityNegative,
    PlausibilityYoy,
    TablesMissing,
    ReportRate,
    ReportItem,
    /// A list's 合计 against its items (政府购买服务).
    TablesListTotal,
    ClassifyUnknownCode,
    ClassifyFuzzyName,
    /// A code printed with a former or variant name.
    ClassifyName,
    IdentifyUnit,
    GrainDuplicate,
    ReportDuplicate,
    WorkbookDuplicateTable,
    /// Another unit's name where the document names itself (cover, 编制单位, headings,
    /// the subject of its sentences).
    IdentityName,
    /// Another year where the document names its own (cover, table headers, headings).
    IdentityYear,
    /// A template's placeholder left in print (`XX局`, `××街道`, `XXX万元`, `20XX年`).
    DocumentPlaceholder,
    /// A comparison's words (`决算数小于预算数`, `持平`, `增加`) against its figures.
    ReportDirection,
    /// A figure that agrees with another source only after ×10,000 or ÷10,000 (元/万元).
    AmountUnit,
    /// A code printed with another code's name, or with a name no code has.
    CodeName,
    /// One printed name with different codes in two tables of a document.
    CodeTables,
    /// 年初结转和结余 + 收入 − 支出 − 结余分配 = 年末结转和结余, and each side's 总计.
    TablesBalance,
    /// 三公 合计 = 因公出国（境） + 公务用车 + 公务接待; 公务用车 = 购置 + 运行维护.
    FactsThreePublic,
    /// 政府采购支出总额 = 货物 + 工程 + 服务, stated apart.
    FactsProcurement,
    /// 机关运行经费 above the 公用经费 of the basic table.
    FactsOperatingCosts,
    /// A section of the template missing from a report.
    ReportSections,
}

impl RuleId {
    pub const ALL: [RuleId; 38] = [
        RuleId::HierarchySum,
        RuleId::ColumnsBasicProject,
        RuleId::ColumnsIncomeSources,
        RuleId::TablesFundsVsAll,
        RuleId::TablesBasicEconomic,
        RuleId::TablesCostTotals,
        RuleId::TablesCustomary,
        RuleId::ReportVsTables,
        RuleId::ReportShare,
        RuleId::ReportParts,
        RuleId::ReportChange,
        RuleId::ReportWrongBudget,
        RuleId::PlausibilityRate,
        RuleId::PlausibilityNegative,
        RuleId::PlausibilityYoy,
        RuleId::TablesMissing,
        RuleId::ReportRate,
        RuleId::ReportItem,
        RuleId::TablesListTotal,
        RuleId::ClassifyUnknownCode,
        RuleId::ClassifyFuzzyName,
        RuleId::ClassifyName,
        RuleId::IdentifyUnit,
        RuleId::GrainDuplicate,
        RuleId::ReportDuplicate,
        RuleId::WorkbookDuplicateTable,
        RuleId::IdentityName,
        RuleId::IdentityYear,
        RuleId::DocumentPlaceholder,
        RuleId::ReportDirection,
        RuleId::AmountUnit,
        RuleId::CodeName,
        RuleId::CodeTables,
        RuleId::TablesBalance,
        RuleId::FactsThreePublic,
        RuleId::FactsProcurement,
        RuleId::FactsOperatingCosts,
        RuleId::ReportSections,
    ];

    /// The dotted id of the `rule_id` column and of `[reconcile.severity]`.
    pub fn id(self) -> &'static str {
        match self {
            RuleId::HierarchySum => "hierarchy.sum",
            RuleId::ColumnsBasicProject => "columns.basic_project",
            RuleId::ColumnsIncomeSources => "columns.income_sources",
            RuleId::TablesFundsVsAll => "tables.funds_vs_all",
            RuleId::TablesBasicEconomic => "tables.basic_economic",
            RuleId::TablesCostTotals => "tables.cost_totals",
            RuleId::TablesCustomary => "tables.customary",
            RuleId::ReportVsTables => "report.vs_tables",
            RuleId::ReportShare => "report.share",
            RuleId::ReportParts => "report.parts",
            RuleId::ReportChange => "report.change",
            RuleId::ReportWrongBudget => "report.wrong_budget",
            RuleId::PlausibilityRate => "plausibility.rate",
            RuleId::PlausibilityNegative => "plausibility.negative",
            RuleId::PlausibilityYoy => "plausibility.yoy",
            RuleId::TablesMissing => "tables.missing",
            RuleId::ReportRate => "report.rate",
            RuleId::ReportItem => "report.item",
            RuleId::TablesListTotal => "table.purchased_services_sum",
            RuleId::ClassifyUnknownCode => "classify.unknown_code",
            RuleId::ClassifyFuzzyName => "classify.fuzzy_name",
            RuleId::ClassifyName => "classify.name",
            RuleId::IdentifyUnit => "identify.unit",
            RuleId::GrainDuplicate => "grain.duplicate",
            RuleId::ReportDuplicate => "report.duplicate",
            RuleId::WorkbookDuplicateTable => "workbook.duplicate_table",
            RuleId::IdentityName => "identity.name",
            RuleId::IdentityYear => "identity.year",
            RuleId::DocumentPlaceholder => "document.placeholder",
            RuleId::ReportDirection => "report.direction",
            RuleId::AmountUnit => "amount.unit",
            RuleId::CodeName => "code.name",
            RuleId::CodeTables => "code.tables",
            RuleId::TablesBalance => "tables.balance",
            RuleId::FactsThreePublic => "facts.three_public",
            RuleId::FactsProcurement => "facts.procurement",
            RuleId::FactsOperatingCosts => "facts.operating_costs",
            RuleId::ReportSections => "report.sections",
        }
    }

    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.id() == id)
    }

    /// True for the checks of a document's own words (its name, year, placeholders): a
    /// second copy of a report repeats them.
    pub fn of_document_text(self) -> bool {
        matches!(
            self,
            RuleId::IdentityName | RuleId::IdentityYear | RuleId::DocumentPlaceholder
        )
    }

    /// True when the rule's expected and actual are amounts in 元 (the findings'
    /// `expected_yuan` and `actual_yuan`); the other rules compare rates, shares or names.
    pub fn compares_money(self) -> bool {
        matches!(
            self,
            RuleId::HierarchySum
                | RuleId::ColumnsBasicProject
                | RuleId::ColumnsIncomeSources
                | RuleId::TablesFundsVsAll
                | RuleId::TablesBasicEconomic
                | RuleId::TablesCostTotals
                | RuleId::TablesCustomary
                | RuleId::ReportVsTables
                | RuleId::ReportParts
                | RuleId::ReportItem
                | RuleId::PlausibilityNegative
                | RuleId::PlausibilityYoy
                | RuleId::AmountUnit
                | RuleId::TablesBalance
                | RuleId::FactsThreePublic
                | RuleId::FactsProcurement
                | RuleId::FactsOperatingCosts
        )
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One row of the `findings` dataset: a check that failed, with every source involved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    #[serde(with = "super::shared::option")]
    pub unit: Option<Arc<UnitIdentity>>,
    #[serde(with = "super::shared")]
    pub file: Arc<SourceFile>,
    /// A dotted id naming the check, e.g. `classify.unknown_code`.
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub tolerance: Option<String>,
    /// `file#sheet!row` or `file¶paragraph` of every source involved.
    pub references: Vec<String>,
}

impl Finding {
    /// Expected and actual in 元, for a rule that compares amounts and a plain number.
    pub fn yuan(&self) -> (Option<Decimal>, Option<Decimal>) {
        let as_yuan = |printed: Option<&str>| -> Option<Decimal> {
            if !self.rule.compares_money() {
                return None;
            }
            let text = printed?.trim();
            text.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
                .then(|| text.parse::<Decimal>().ok())
                .flatten()
                .map(|d| d.round_dp(2))
        };
        (
            as_yuan(self.expected.as_deref()),
            as_yuan(self.actual.as_deref()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_one_id() {
        let ids: std::collections::BTreeSet<&str> = RuleId::ALL.map(RuleId::id).into();
        assert_eq!(ids.len(), RuleId::ALL.len());
        for rule in RuleId::ALL {
            assert_eq!(RuleId::from_id(rule.id()), Some(rule));
        }
        assert_eq!(RuleId::from_id("no.such"), None);
    }
}
