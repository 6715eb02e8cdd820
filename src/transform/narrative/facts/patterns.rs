//! The wordings juesuan reads: each headline figure's sentence patterns (Beijing and
//! Shanghai templates), and the patterns of changes, rates, shares and per-类/款/项 statements.

use super::*;

/// How a matched number becomes a value.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    /// An amount in the unit printed after it (group `u`), or 万元 when the pattern fixes it.
    Money,
    /// A signed money change: the verb group `v` says 增加/减少.
    Change,
    /// A percentage as printed → ratio (98.06% → 0.9806), signed by `v` when present.
    Percent,
    Count,
    Score,
}

pub(super) struct Pattern {
    pub(super) metric: Metric,
    pub(super) kind: Kind,
    pub(super) regex: Regex,
    /// Only in a paragraph containing this text (the income or expenditure summary).
    pub(super) within: Option<&'static str>,
}

pub(super) fn p(metric: Metric, kind: Kind, pattern: &str) -> Pattern {
    Pattern {
        metric,
        kind,
        regex: re(pattern),
        within: None,
    }
}

pub(super) fn within(metric: Metric, kind: Kind, pattern: &str, context: &'static str) -> Pattern {
    Pattern {
        metric,
        kind,
        regex: re(pattern),
        within: Some(context),
    }
}

pub(super) const UNIT: &str = r"(?P<u>万元|亿元|元)";

pub(super) static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    use Kind::*;
    let m = |label: &str| format!("{label}(?P<n>NUM){UNIT}");
    vec![
        p(
            Metric::TotalIncomeExpenditure,
            Money,
            &format!(r"(?:^|[^款])收(?:、?支|入支出)总计(?:为)?(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::TotalChange,
            Change,
            &format!(
                r"(?:^|[^款])收、?支总计NUM(?:万元|元|亿元),比上年(?P<v>增加|减少)(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::TotalChange,
            Change,
            &format!(
                r"与\d{{4}}年度?相比,(?:[^,。]*?[^款])?收入支出总计(?P<v>增加|减少)(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::TotalChangeRateReported,
            Percent,
            r"与\d{4}年度?相比,(?:[^,。]*?[^款])?收入支出总计(?:增加|减少)NUM(?:万元|元|亿元),(?P<v>增长|下降)(?P<n>NUM)%",
        ),
        p(
            Metric::TotalChangeRateReported,
            Percent,
            r"(?:^|[^款])收、?支总计NUM(?:万元|元|亿元),比上年(?:增加|减少)NUM(?:万元|元|亿元),(?P<v>增长|下降)(?P<n>NUM)%",
        ),
        p(Metric::FiscalTotal, Money, &m("财政拨款收(?:、?支|入支出)总计(?:为)?")),
        within(Metric::IncomeTotal, Money, &m("本年收入合计"), "本年收入合计"),
        within(Metric::IncomeFiscal, Money, &m("财政拨款收入"), "本年收入合计"),
        within(Metric::IncomeSuperior, Money, &m("上级补助收入"), "本年收入合计"),
        within(Metric::IncomeBusiness, Money, &m("事业收入"), "本年收入合计"),
        within(Metric::IncomeOperating, Money, &m("经营收入"), "本年收入合计"),
        within(
            Metric::IncomeAffiliated,
            Money,
            &m("附属单位上缴收入"),
            "本年收入合计",
        ),
        within(Metric::IncomeOther, Money, &m("其他收入"), "本年收入合计"),
        within(
            Metric::ExpenditureTotal,
            Money,
            &m("本年支出合计"),
            "本年支出合计",
        ),
        within(Metric::Basic, Money, &m("基本支出"), "本年支出合计"),
        within(Metric::Project, Money, &m("项目支出"), "本年支出合计"),
        within(
            Metric::ExpenditureToSuperior,
            Money,
            &m("上缴上级支出"),
            "本年支出合计",
        ),
        within(
            Metric::ExpenditureOperating,
            Money,
            &m("(?:^|[^计])经营支出"),
            "本年支出合计",
        ),
        within(
            Metric::ExpenditureAffiliated,
            Money,
            &m("对附属单位补助支出"),
            "本年支出合计",
        ),
        p(
            Metric::ExpenditureGeneralPublic,
            Money,
            &m("一般公共预算财政拨款支出"),
        ),
        p(
            Metric::ExpenditureGovernmentFund,
            Money,
            &m("政府性基金预算财政拨款支出"),
        ),
        p(
            Metric::ExpenditureStateCapital,
            Money,
            &m("国有资本经营预算财政拨款支出(?:总计)?"),
        ),
        p(
            Metric::ThreePublicActual,
            Money,
            &m("三公”?经费(?:财政拨款)?决算数?"),
        ),
        p(
            Metric::ThreePublicActual,
            Money,
            &format!(r"三公”?经费财政拨款支出年初预算为NUM(?:万元|元),支出决算为(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::ThreePublicBudget,
            Money,
            &m("三公”?经费财政拨款支出年初预算为"),
        ),
        p(
            Metric::ThreePublicBudget,
            Money,
            &format!(
                r"三公”?经费(?:财政拨款)?决算数?NUM(?:万元|元),比.{{0,30}}?年初预算(?:数)?(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::OverseasActual,
            Money,
            &format!(r"因公出国\(境\)费用?[。.:]?.{{0,12}}?决算数?(?:为)?(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::OverseasBudget,
            Money,
            &format!(
                r"因公出国\(境\)费用?[。.:]?.{{0,12}}?决算数?NUM(?:万元|元),比.{{0,20}}?年初预算数?(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::ReceptionActual,
            Money,
            &format!(r"公务接待费[。.:]?.{{0,12}}?决算数?(?:为)?(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::ReceptionBudget,
            Money,
            &format!(
                r"公务接待费[。.:]?.{{0,12}}?决算数?NUM(?:万元|元),比.{{0,20}}?年初预算数?(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::VehiclesActual,
            Money,
            &format!(r"公务用车购置及运行(?:维护)?费[。.:]?.{{0,12}}?决算数?(?:为)?(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::VehiclesBudget,
            Money,
            &format!(
                r"公务用车购置及运行(?:维护)?费[。.:]?.{{0,12}}?决算数?NUM(?:万元|元),比.{{0,20}}?年初预算数?(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::OperatingCosts,
            Money,
            &format!(
                r"(?:日常公用经费支出,合计|机关运行经费(?:支出)?(?:合计|为)?)(?P<n>NUM){UNIT}"
            ),
        ),
        p(
            Metric::BasicGeneralPublic,
            Money,
            &m("一般公共预算财政拨款(?:安排)?基本支出(?:决算)?(?:为)?"),
        ),
        p(
            Metric::BasicGovernmentFund,
            Money,
            &m("政府性基金(?:预算)?财政拨款(?:安排)?基本支出(?:决算)?(?:为)?"),
        ),
        p(Metric::AssetsTotal, Money, &m("(?:^|[^定])资产总(?:计|额)(?:为)?")),
        within(Metric::AssetsCash, Money, &m("现金"), "资产总"),
        within(Metric::AssetsBankDeposits, Money, &m("银行存款"), "资产总"),
        within(Metric::AssetsOtherReceivables, Money, &m("其他应收款"), "资产总"),
        within(Metric::FixedAssetsOriginal, Money, &m("固定资产原值"), "资产总"),
        within(Metric::FixedAssetsDepreciation, Money, &m("(?:固定资产)?累计折旧"), "资产总"),
        within(Metric::FixedAssetsNet, Money, &m("固定资产净值"), "资产总"),
        within(Metric::ConstructionInProgress, Money, &m("在建工程"), "资产总"),
        // "固定资产合计年初数原值…元,累计折旧…元,净值…元。年末数原值…" (the year end
        // restates the figures above).
        p(Metric::FixedAssetsOriginalStart, Money, &m("年初数?原值")),
        p(
            Metric::FixedAssetsDepreciationStart,
            Money,
            &format!(r"年初数?原值NUM(?:万元|元|亿元),累计折旧(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::FixedAssetsNetStart,
            Money,
            &format!(r"年初数?原值NUM(?:万元|元|亿元),累计折旧NUM(?:万元|元|亿元),净值(?P<n>NUM){UNIT}"),
        ),
        p(Metric::FixedAssetsOriginal, Money, &m("年末数?原值")),
        p(
            Metric::FixedAssetsDepreciation,
            Money,
            &format!(r"年末数?原值NUM(?:万元|元|亿元),累计折旧(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::FixedAssetsNet,
            Money,
            &format!(r"年末数?原值NUM(?:万元|元|亿元),累计折旧NUM(?:万元|元|亿元),净值(?P<n>NUM){UNIT}"),
        ),
        p(Metric::IncomeStateCapital, Money, &m("国有资本经营预算财政拨款收入(?:总计)?(?:为)?")),
        within(
            Metric::PersonnelCosts,
            Money,
            &m("人员经费(?:支出)?(?:合计)?(?:为)?"),
            "基本支出",
        ),
        within(
            Metric::PublicCosts,
            Money,
            &m("(?:日常)?公用经费(?:支出)?(?:合计)?(?:为)?"),
            "基本支出",
        ),
        p(
            Metric::BudgetInitialGeneralPublic,
            Money,
            &m("一般公共预算财政拨款支出年初预算(?:数)?为"),
        ),
        p(
            Metric::BudgetFinalGeneralPublic,
            Money,
            &m("一般公共预算财政拨款支出(?:年初预算(?:数)?为NUM(?:万元|元|亿元),)?全年预算(?:数)?为"),
        ),
        p(
            Metric::ProcurementSmeReserved,
            Money,
            &m("面向中小企业预留政府采购项目预算金额(?:为)?"),
        ),
        p(
            Metric::ProcurementSmallMicroReserved,
            Money,
            &m("面向小微企业预留政府采购项目预算金额(?:为)?"),
        ),
        p(Metric::ProcurementTotal, Money, &m("政府采购支出总额")),
        p(
            Metric::ProcurementTotal,
            Money,
            &m(r"政府采购金额(?:\([^)]*\))?(?:为|共计|合计)?"),
        ),
        p(Metric::ProcurementGoods, Money, &m("政府采购货物支出")),
        p(Metric::ProcurementGoods, Money, &m("货物采购金额(?:为)?")),
        p(Metric::ProcurementWorks, Money, &m("政府采购工程支出")),
        p(Metric::ProcurementWorks, Money, &m("工程采购金额(?:为)?")),
        p(Metric::ProcurementServices, Money, &m("政府采购服务支出")),
        p(Metric::ProcurementServices, Money, &m("服务采购金额(?:为)?")),
        p(Metric::ProcurementSme, Money, &m("授予中小企业合同金额")),
        p(Metric::ProcurementSmallMicro, Money, &m("授予小微企业合同金额")),
        p(Metric::FixedAssets, Money, &m("固定资产总额")),
        p(Metric::VehicleCount, Count, r"汽车(?:\([^)]*\))?(?P<n>\d+)辆"),
        p(
            Metric::VehicleValue,
            Money,
            &format!(r"汽车(?:\([^)]*\))?\d+辆,(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::EquipmentOver1mCount,
            Count,
            r"单价100万元以上的?设备(?P<n>\d+)台",
        ),
        p(
            Metric::PurchasedServices,
            Money,
            &m("政府购买服务(?:支出)?决算(?:数)?"),
        ),
        p(Metric::BudgetFullYear, Money, &m(r"(?:^|\d年)全年预算数")),
        p(Metric::BudgetFullYearBasic, Money, &m("基本支出预算数")),
        p(Metric::BudgetFullYearProject, Money, &m("项目支出预算数")),
        p(Metric::BudgetFullYearOther, Money, &m("其他支出预算数")),
        // "全年预算执行数39985.83万元,其中,基本支出…,项目支出…,其他支出…" and "整体预算支出…,
        // 其中,基本支出…": the year's expenditure restated (read, not new facts).
        within(Metric::Basic, Money, &m("基本支出"), "预算执行数"),
        within(Metric::Project, Money, &m("项目支出"), "预算执行数"),
        within(Metric::ExecutionFullYearOther, Money, &m("(?:^|[^性])其他支出"), "预算执行数"),
        p(Metric::ExpenditureTotal, Money, &m("整体预算支出")),
        within(Metric::Basic, Money, &m("基本支出"), "整体预算支出"),
        within(Metric::Project, Money, &m("项目支出"), "整体预算支出"),
        p(Metric::ExecutionFullYear, Money, &m("全年预算执行数")),
        p(
            Metric::ExecutionRateReported,
            Percent,
            r"预算执行率(?:为|是)?(?P<n>NUM)%",
        ),
        p(
            Metric::CarryoverRateReported,
            Percent,
            r"结转结余率(?:为|是)?(?P<n>NUM)%?",
        ),
        p(
            Metric::BudgetVarianceRateReported,
            Percent,
            r"预决算差异率(?:为|是)?(?P<n>NUM)%",
        ),
        p(
            Metric::PerformanceScore,
            Score,
            r"部门(?:预算支出|整体)?绩效评价得分(?P<n>NUM)分",
        ),
        p(Metric::ProjectsEvaluated, Count, r"评价项目(?P<n>\d+)个"),
        p(
            Metric::ProjectsEvaluated,
            Count,
            r"绩效自评的(?:\d{4}年度)?项目(?P<n>\d+)个",
        ),
        p(
            Metric::ProjectsEvaluatedAmount,
            Money,
            &format!(r"绩效自评的(?:\d{{4}}年度)?项目\d+个,涉及(?:预算)?金额(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::PerformanceScore,
            Score,
            r"绩效自评的(?:\d{4}年度)?项目\d+个,涉及(?:预算)?金额NUM万元,平均得分(?P<n>NUM)分",
        ),
        p(
            Metric::ProjectsEvaluatedAmount,
            Money,
            &format!(r"评价项目\d+个.{{0,40}}?涉及金额(?P<n>NUM){UNIT}"),
        ),
        p(
            Metric::ProjectsScore100,
            Count,
            r"得分100分的项目有?(?P<n>\d+)个",
        ),
        p(
            Metric::ProjectsScore90100,
            Count,
            r"得分90-100分的项目有?(?P<n>\d+)个",
        ),
        p(
            Metric::ProjectsScore8090,
            Count,
            r"得分80-90分的项目有?(?P<n>\d+)个",
        ),
        p(
            Metric::ProjectsScoreBelow80,
            Count,
            r"(?:得分|等分)低于80分的项目有?(?P<n>\d+)个",
        ),
    ]
});

/// "收支总计39985.83万元,比上年减少1170.82万元,下降2.84%".
pub(super) static TOTAL_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^款])(?P<s>收、?支总计)(?P<a>NUM)(?P<ua>万元|亿元|元),比上年(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});

/// "“三公”经费财政拨款决算数0.53万元,比…年初预算5.17万元减少4.63万元" and the items
/// below it: current, base and the stated difference.
pub(super) static BASE_THEN_DIFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<s>[^,。;:]{2,30}?)(?:\d{4}年度?)?决算数?(?P<a>NUM)(?P<ua>万元|亿元|元),比.{0,30}?年初预算数?(?P<b>NUM)(?P<ub>万元|亿元|元)(?P<v>减少|增加)(?P<d>NUM)(?P<ud>万元|亿元|元)",
    )
});

/// "与2023年度相比,一般公共预算财政拨款支出减少63.14万元,下降2.10%": a change against last
/// year whose current value the sentence before states ("一般公共预算财政拨款支出2940.05万元").
pub(super) static VERSUS_LAST_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"与(?:上年|\d{4}年度?)相比,(?P<s>[^,。;:]{2,24}?)(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});

/// "机关运行经费支出184.65万元,比2023年度增加2.55万元,增长1.40%".
pub(super) static THAN_LAST_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<s>[^,。;:\d]{2,24}?)(?P<a>NUM)(?P<ua>万元|亿元|元),比(?:上年|\d{4}年度?)(?:决算)?(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});

/// "年初预算为1560.05万元,(全年预算为…,)支出决算为1511.89万元,完成年初预算的96.91%": a rate
/// with the figures it is of.
pub(super) static STATED_RATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:年初预算(?:数)?为(?P<bi>NUM)(?P<ubi>万元|亿元|元),)?(?:(?:全年|调整后)预算(?:数)?为(?P<bf>NUM)(?P<ubf>万元|亿元|元),)?(?:支出)?决算(?:数)?为(?P<a>NUM)(?P<ua>万元|亿元|元),完成(?P<k>年初|全年|调整后)?预算(?:数)?的(?P<r>NUM)%",
    )
});

/// An amount right after a per-项 heading's names: "1511.89万元" of "“行政运行”(项)1511.89万元".
pub(super) static HEADING_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[。:]?(?P<a>NUM)(?P<ua>万元|亿元|元)"));

/// The subject of a change against last year, as the year-on-year check names it.
pub(super) fn yearly_subject(subject: &str) -> String {
    let key = subject.trim_start_matches(|c: char| c.is_ascii_digit() || c == '年' || c == '度');
    if key.ends_with("财政拨款收入支出总计") || key.ends_with("财政拨款收支总计")
    {
        "财政拨款收支总计 vs 上年".into()
    } else if key.ends_with("收入支出总计") || key.ends_with("收支总计") {
        "收支总计 vs 上年".into()
    } else {
        format!("{key} vs 上年")
    }
}

/// "一般公共预算财政拨款支出39965.61万元,主要用于以下方面(按大类):…".
pub(super) static SHARE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<label>一般公共预算财政拨款支出|政府性基金预算财政拨款支出)(?P<t>NUM)(?P<ut>万元|亿元|元),主要用于",
    )
});

/// One item of such a list (the list split at ；): "国防支出28.74万元,占本年财政拨款支出0.71%".
pub(super) static SHARE_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:主要用于)?(?P<name>[^:;,。]+?)(?P<a>NUM)(?P<ua>万元|亿元|元)(?:,占(?P<den>[^,;。]*?)(?P<p>NUM)%)?[。]?$",
    )
});

pub(super) static AMOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<n>NUM)(?P<u>万元|亿元|元)"));

/// "1、一般公共服务(类)", "8、节能环保支出(类)", "社会保障和就业支出(208类)".
pub(super) static CATEGORY_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\d+|[一二三四五六七八九十]+)[、.]\s*(?P<name>[^(,。;:]+?)\((?P<code>\d{3})?类\)")
});

/// "X(类)Y(款)Z(项)" anywhere: the 类 name (and code) of the statement that follows.
pub(super) static CATEGORY_INLINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"“?(?P<name>[^(,。;:“”]+?)”?\((?P<code>\d{3})?类\)"));

/// What follows a 类 heading: "Y(款)Z(项)", "“Y”(款)“Z”(项)", "Y(20106款)" …: the names
/// below the 类, in order.
pub(super) static BELOW: LazyLock<Regex> =
    LazyLock::new(|| re(r"^“?(?P<name>[^(,。;:“”]+?)”?\((?:\d{2,7})?(?P<level>款|项)\)"));

/// "决算11724.11万元,比2023年年初预算减少741.69万元" / "…增加…" / "…持平".
pub(super) static VERSUS_BUDGET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"决算(?:数)?(?:为)?(?P<a>NUM)(?P<ua>万元|亿元|元),比(?:\d{4}年(?:度)?)?年初预算(?:数)?(?:(?P<v>增加|减少|增长|下降)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?|(?P<flat>持平))",
    )
});

/// "年初预算为77.59万元,支出决算为20.04万元,完成年初预算的25.83%", or the budget as adjusted
/// during the year: "全年预算为52.00万元,支出决算为51.32万元".
pub(super) static BUDGET_THEN_ACTUAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<kind>年初|全年|调整后)预算(?:数)?为(?P<b>NUM)(?P<ub>万元|亿元|元),(?:支出)?决算(?:数)?为(?P<a>NUM)(?P<ua>万元|亿元|元)",
    )
});
