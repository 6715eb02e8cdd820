//! The `units` dataset's figures: one [`Metric`] per column, with its type and meaning.
//! The schema, the readers, the report patterns and the checks all name figures by it.

/// What a metric holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// decimal(18,2) 元.
    Money,
    /// int32.
    Count,
    /// float64: a ratio as printed (98.06% → 0.9806) or a score.
    Ratio,
}

macro_rules! metrics {
    ($($variant:ident = $column:literal, $kind:ident, $meaning:literal;)*) => {
        /// A headline figure of a unit-year: a column of `units`.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum Metric {
            $($variant,)*
        }

        impl Metric {
            /// Every metric, in the order of the `units` columns.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];

            /// The `units` column it fills.
            pub fn column(self) -> &'static str {
                match self {
                    $(Metric::$variant => $column,)*
                }
            }

            pub fn kind(self) -> MetricKind {
                match self {
                    $(Metric::$variant => MetricKind::$kind,)*
                }
            }

            /// The data dictionary's meaning of the column.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Metric::$variant => $meaning,)*
                }
            }
        }
    };
}

metrics! {
    TotalIncomeExpenditure = "total_income_expenditure", Money, "收支总计 (report)";
    TotalChange = "total_change", Money, "收支总计 change against the previous year, signed (report)";
    TotalChangeRateReported = "total_change_rate_reported", Ratio, "收支总计 change rate as printed, signed (−2.84% → −0.0284)";
    FiscalTotal = "fiscal_total", Money, "财政拨款收支总计 (report)";
    IncomeTotal = "income_total", Money, "本年收入合计";
    IncomeFiscal = "income_fiscal", Money, "财政拨款收入";
    IncomeSuperior = "income_superior", Money, "上级补助收入";
    IncomeBusiness = "income_business", Money, "事业收入";
    IncomeOperating = "income_operating", Money, "经营收入";
    IncomeAffiliated = "income_affiliated", Money, "附属单位上缴收入";
    IncomeOther = "income_other", Money, "其他收入";
    IncomeGeneralPublic = "income_general_public", Money, "一般公共预算财政拨款收入";
    IncomeGovernmentFund = "income_government_fund", Money, "政府性基金预算财政拨款收入";
    IncomeStateCapital = "income_state_capital", Money, "国有资本经营预算财政拨款收入";
    CarryoverStart = "carryover_start", Money, "年初结转和结余";
    CarryoverEnd = "carryover_end", Money, "年末结转和结余";
    ExpenditureTotal = "expenditure_total", Money, "本年支出合计";
    Basic = "basic", Money, "基本支出";
    Project = "project", Money, "项目支出";
    ExpenditureToSuperior = "expenditure_to_superior", Money, "上缴上级支出";
    ExpenditureOperating = "expenditure_operating", Money, "经营支出";
    ExpenditureAffiliated = "expenditure_affiliated", Money, "对附属单位补助支出";
    ExpenditureGeneralPublic = "expenditure_general_public", Money, "一般公共预算财政拨款支出";
    ExpenditureGovernmentFund = "expenditure_government_fund", Money, "政府性基金预算财政拨款支出";
    ExpenditureStateCapital = "expenditure_state_capital", Money, "国有资本经营预算财政拨款支出";
    ThreePublicBudget = "three_public_budget", Money, "三公经费 年初预算 (合计)";
    ThreePublicActual = "three_public_actual", Money, "三公经费 决算 (合计)";
    OverseasBudget = "overseas_budget", Money, "因公出国（境）费 预算";
    OverseasActual = "overseas_actual", Money, "因公出国（境）费 决算";
    VehiclesBudget = "vehicles_budget", Money, "公务用车购置及运行维护费 预算";
    VehiclesActual = "vehicles_actual", Money, "公务用车购置及运行维护费 决算";
    VehiclePurchaseBudget = "vehicle_purchase_budget", Money, "公务用车购置费 预算";
    VehiclePurchaseActual = "vehicle_purchase_actual", Money, "公务用车购置费 决算";
    VehicleOperationBudget = "vehicle_operation_budget", Money, "公务用车运行维护费 预算";
    VehicleOperationActual = "vehicle_operation_actual", Money, "公务用车运行维护费 决算";
    ReceptionBudget = "reception_budget", Money, "公务接待费 预算";
    ReceptionActual = "reception_actual", Money, "公务接待费 决算";
    OperatingCosts = "operating_costs", Money, "机关运行经费";
    AssetsTotal = "assets_total", Money, "资产总计 at year end (国有资产占用情况)";
    AssetsCash = "assets_cash", Money, "现金 at year end";
    AssetsBankDeposits = "assets_bank_deposits", Money, "银行存款 at year end";
    AssetsOtherReceivables = "assets_other_receivables", Money, "其他应收款 at year end";
    FixedAssetsOriginal = "fixed_assets_original", Money, "固定资产原值 at year end";
    FixedAssetsDepreciation = "fixed_assets_depreciation", Money, "累计折旧 of fixed assets at year end";
    FixedAssetsNet = "fixed_assets_net", Money, "固定资产净值 at year end";
    ConstructionInProgress = "construction_in_progress", Money, "在建工程 at year end";
    FixedAssetsOriginalStart = "fixed_assets_original_start", Money, "固定资产原值 at the start of the year";
    FixedAssetsDepreciationStart = "fixed_assets_depreciation_start", Money, "累计折旧 at the start of the year";
    FixedAssetsNetStart = "fixed_assets_net_start", Money, "固定资产净值 at the start of the year";
    BasicGovernmentFund = "basic_government_fund", Money, "政府性基金预算财政拨款基本支出 (the report)";
    BasicGeneralPublic = "basic_general_public", Money, "一般公共预算财政拨款基本支出 (table06 or the report)";
    PersonnelCosts = "personnel_costs", Money, "人员经费 of 基本支出 (人员经费合计)";
    PublicCosts = "public_costs", Money, "公用经费 of 基本支出 (公用经费合计)";
    BudgetInitialGeneralPublic = "budget_initial_general_public", Money, "一般公共预算财政拨款支出 年初预算 (the report)";
    BudgetFinalGeneralPublic = "budget_final_general_public", Money, "一般公共预算财政拨款支出 全年预算 (the report)";
    ProcurementTotal = "procurement_total", Money, "政府采购支出总额";
    ProcurementGoods = "procurement_goods", Money, "政府采购货物支出";
    ProcurementWorks = "procurement_works", Money, "政府采购工程支出";
    ProcurementServices = "procurement_services", Money, "政府采购服务支出";
    ProcurementSme = "procurement_sme", Money, "授予中小企业合同金额";
    ProcurementSmallMicro = "procurement_small_micro", Money, "授予小微企业合同金额";
    ProcurementSmeReserved = "procurement_sme_reserved", Money, "面向中小企业预留政府采购项目预算金额";
    ProcurementSmallMicroReserved = "procurement_small_micro_reserved", Money, "面向小微企业预留政府采购项目预算金额";
    PurchasedServices = "purchased_services", Money, "政府购买服务决算";
    FixedAssets = "fixed_assets", Money, "固定资产总额";
    VehicleCount = "vehicle_count", Count, "车辆数";
    VehicleValue = "vehicle_value", Money, "车辆价值";
    EquipmentOver1mCount = "equipment_over_1m_count", Count, "单价100万元以上的设备 (台)";
    BudgetFullYear = "budget_full_year", Money, "部门全年预算数";
    BudgetFullYearBasic = "budget_full_year_basic", Money, "全年预算数 of 基本支出";
    BudgetFullYearProject = "budget_full_year_project", Money, "全年预算数 of 项目支出";
    BudgetFullYearOther = "budget_full_year_other", Money, "全年预算数 of 其他支出";
    ExecutionFullYearOther = "execution_full_year_other", Money, "全年预算执行数 of 其他支出";
    ExecutionFullYear = "execution_full_year", Money, "部门全年预算执行数";
    ExecutionRateReported = "execution_rate_reported", Ratio, "预算执行率 as printed (0.9806 for 98.06%)";
    PerformanceScore = "performance_score", Ratio, "部门整体绩效评价得分";
    CarryoverRateReported = "carryover_rate_reported", Ratio, "结转结余率 as printed";
    BudgetVarianceRateReported = "budget_variance_rate_reported", Ratio, "预决算差异率 as printed";
    ProjectsEvaluated = "projects_evaluated", Count, "项目支出绩效评价: projects evaluated";
    ProjectsEvaluatedAmount = "projects_evaluated_amount", Money, "项目支出绩效评价: amount covered";
    ProjectsScore100 = "projects_score_100", Count, "projects self-scored 100";
    ProjectsScore90100 = "projects_score_90_100", Count, "projects self-scored 90-100";
    ProjectsScore8090 = "projects_score_80_90", Count, "projects self-scored 80-90";
    ProjectsScoreBelow80 = "projects_score_below_80", Count, "projects self-scored below 80";
}

impl Metric {
    /// The metric of a `units` column.
    pub fn from_column(column: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.column() == column)
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.column())
    }
}
