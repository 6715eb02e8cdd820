//! Facts from a report's sentences: named metrics with exact 元 values, percentages as
//! printed, and per-类 actual and 年初预算 lines. Patterns run on width-folded text
//! (，→, （→( ：→:), so half- and full-width punctuation read alike. Wording that no
//! pattern understands yields nothing: never a guessed fact. Every amount mention is
//! counted, and so are the ones that became facts.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::extract::report::read::Block;
use crate::model::{
    parse_decimal_text, FactValue, Fund, Metric, MoneyUnit, Printed, ShareItem, Statement, Yuan,
};
use crate::reference::text::fold_width;

/// A number as printed: thousands separators, decimals, a sign.
const NUM: &str = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("NUM", NUM)).unwrap_or_else(|e| panic!("pattern {pattern}: {e}"))
}

/// One fact found in a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFact {
    pub metric: Metric,
    pub value: FactValue,
    pub paragraph: u32,
}

/// A per-类 statement: "1、一般公共服务（类）2023年度决算11724.11万元，比年初预算减少741.69万元",
/// or a per-项 one: "1、一般公共服务支出（类）财政事务（款）行政运行（项）。…年初预算为1560.05
/// 万元，支出决算为1511.89万元" (the 款 and 项 names in `below`).
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryLine {
    pub fund: Fund,
    /// The 类 name as printed ("一般公共服务"), and a code when printed with it ("208类").
    pub name: String,
    pub code: Option<String>,
    /// The 款 and then the 项 name as printed, for a statement below the 类.
    pub below: Vec<String>,
    pub actual: Yuan,
    pub budget_initial: Option<Yuan>,
    /// The budget as adjusted during the year (全年预算), when that is what is stated.
    pub budget_final: Option<Yuan>,
    pub paragraph: u32,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub facts: Vec<ReportFact>,
    pub statements: Vec<Statement>,
    pub categories: Vec<CategoryLine>,
    /// Amount mentions (a number with 元/万元/亿元) in the text, and how many became facts.
    pub amount_mentions: usize,
    pub amount_mentions_used: usize,
    /// Amounts the warehouse cannot hold (beyond decimal(18,2)): (paragraph, as printed).
    pub out_of_range: Vec<(u32, String)>,
    /// Amount mentions no fact took: (paragraph, the mention with the words before it), so
    /// that a wording juesuan does not read yet shows up.
    pub unused: Vec<(u32, String)>,
}

/// How a matched number becomes a value.
#[derive(Clone, Copy)]
enum Kind {
    /// An amount in the unit printed after it (group `u`), or 万元 when the pattern fixes it.
    Money,
    /// A signed money change: the verb group `v` says 增加/减少.
    Change,
    /// A percentage as printed → ratio (98.06% → 0.9806), signed by `v` when present.
    Percent,
    Count,
    Score,
}

struct Pattern {
    metric: Metric,
    kind: Kind,
    regex: Regex,
    /// Only in a paragraph containing this text (the income or expenditure summary).
    within: Option<&'static str>,
}

fn p(metric: Metric, kind: Kind, pattern: &str) -> Pattern {
    Pattern {
        metric,
        kind,
        regex: re(pattern),
        within: None,
    }
}

fn within(metric: Metric, kind: Kind, pattern: &str, context: &'static str) -> Pattern {
    Pattern {
        metric,
        kind,
        regex: re(pattern),
        within: Some(context),
    }
}

const UNIT: &str = r"(?P<u>万元|亿元|元)";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
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
static TOTAL_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^款])(?P<s>收、?支总计)(?P<a>NUM)(?P<ua>万元|亿元|元),比上年(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});
/// "“三公”经费财政拨款决算数0.53万元,比…年初预算5.17万元减少4.63万元" and the items
/// below it: current, base and the stated difference.
static BASE_THEN_DIFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<s>[^,。;:]{2,30}?)(?:\d{4}年度?)?决算数?(?P<a>NUM)(?P<ua>万元|亿元|元),比.{0,30}?年初预算数?(?P<b>NUM)(?P<ub>万元|亿元|元)(?P<v>减少|增加)(?P<d>NUM)(?P<ud>万元|亿元|元)",
    )
});
/// "与2023年度相比,一般公共预算财政拨款支出减少63.14万元,下降2.10%": a change against last
/// year whose current value the sentence before states ("一般公共预算财政拨款支出2940.05万元").
static VERSUS_LAST_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"与(?:上年|\d{4}年度?)相比,(?P<s>[^,。;:]{2,24}?)(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});
/// "机关运行经费支出184.65万元,比2023年度增加2.55万元,增长1.40%".
static THAN_LAST_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<s>[^,。;:\d]{2,24}?)(?P<a>NUM)(?P<ua>万元|亿元|元),比(?:上年|\d{4}年度?)(?:决算)?(?P<v>增加|减少)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?",
    )
});
/// "年初预算为1560.05万元,(全年预算为…,)支出决算为1511.89万元,完成年初预算的96.91%": a rate
/// with the figures it is of.
static STATED_RATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:年初预算(?:数)?为(?P<bi>NUM)(?P<ubi>万元|亿元|元),)?(?:(?:全年|调整后)预算(?:数)?为(?P<bf>NUM)(?P<ubf>万元|亿元|元),)?(?:支出)?决算(?:数)?为(?P<a>NUM)(?P<ua>万元|亿元|元),完成(?P<k>年初|全年|调整后)?预算(?:数)?的(?P<r>NUM)%",
    )
});
/// An amount right after a per-项 heading's names: "1511.89万元" of "“行政运行”(项)1511.89万元".
static HEADING_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[。:]?(?P<a>NUM)(?P<ua>万元|亿元|元)"));
/// The subject of a change against last year, as the year-on-year check names it.
fn yearly_subject(subject: &str) -> String {
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
static SHARE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<label>一般公共预算财政拨款支出|政府性基金预算财政拨款支出)(?P<t>NUM)(?P<ut>万元|亿元|元),主要用于",
    )
});
/// One item of such a list (the list split at ；): "国防支出28.74万元,占本年财政拨款支出0.71%".
static SHARE_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:主要用于)?(?P<name>[^:;,。]+?)(?P<a>NUM)(?P<ua>万元|亿元|元)(?:,占(?P<den>[^,;。]*?)(?P<p>NUM)%)?[。]?$",
    )
});

fn printed(text: &str, unit_label: Option<&str>, negative: bool) -> Option<Printed> {
    let v = number(text)?;
    let p = Printed::new(if negative { -v } else { v }, unit_label.map(unit));
    // What the checks' interval arithmetic can hold: an amount the warehouse could store,
    // a percentage below a million, at most ten printed decimals.
    let fits = match p.unit {
        Some(u) => u.to_yuan(p.value).is_some(),
        None => p.value.abs() < Decimal::from(1_000_000),
    };
    (fits && p.decimals <= 10).then_some(p)
}

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<n>NUM)(?P<u>万元|亿元|元)"));
/// "1、一般公共服务(类)", "8、节能环保支出(类)", "社会保障和就业支出(208类)".
static CATEGORY_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\d+|[一二三四五六七八九十]+)[、.]\s*(?P<name>[^(,。;:]+?)\((?P<code>\d{3})?类\)")
});
/// "X(类)Y(款)Z(项)" anywhere: the 类 name (and code) of the statement that follows.
static CATEGORY_INLINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"“?(?P<name>[^(,。;:“”]+?)”?\((?P<code>\d{3})?类\)"));
/// What follows a 类 heading: "Y(款)Z(项)", "“Y”(款)“Z”(项)", "Y(20106款)" …: the names
/// below the 类, in order.
static BELOW: LazyLock<Regex> =
    LazyLock::new(|| re(r"^“?(?P<name>[^(,。;:“”]+?)”?\((?:\d{2,7})?(?P<level>款|项)\)"));
/// "决算11724.11万元,比2023年年初预算减少741.69万元" / "…增加…" / "…持平".
static VERSUS_BUDGET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"决算(?:数)?(?:为)?(?P<a>NUM)(?P<ua>万元|亿元|元),比(?:\d{4}年(?:度)?)?年初预算(?:数)?(?:(?P<v>增加|减少|增长|下降)(?P<d>NUM)(?P<ud>万元|亿元|元)(?:,(?P<pv>增长|下降)(?P<p>NUM)%)?|(?P<flat>持平))",
    )
});
/// "年初预算为77.59万元,支出决算为20.04万元,完成年初预算的25.83%", or the budget as adjusted
/// during the year: "全年预算为52.00万元,支出决算为51.32万元".
static BUDGET_THEN_ACTUAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<kind>年初|全年|调整后)预算(?:数)?为(?P<b>NUM)(?P<ub>万元|亿元|元),(?:支出)?决算(?:数)?为(?P<a>NUM)(?P<ua>万元|亿元|元)",
    )
});

/// An amount that is a threshold, not a figure: "单价100万元（含）以上设备", "100万元以上".
fn is_threshold(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or("");
    after.starts_with("以上") || after.starts_with("(含)以上") || after.starts_with("以下")
}

fn unit(label: &str) -> MoneyUnit {
    match label {
        "元" => MoneyUnit::Yuan,
        "亿元" => MoneyUnit::Yiyuan,
        _ => MoneyUnit::Wanyuan,
    }
}

fn number(text: &str) -> Option<Decimal> {
    parse_decimal_text(text)
}

/// Reads every fact the patterns understand from the report's paragraphs.
pub fn extract(blocks: &[Block]) -> Facts {
    let mut out = Facts::default();
    let mut used: BTreeSet<(u32, usize)> = BTreeSet::new();
    let mut seen: BTreeSet<Metric> = BTreeSet::new();
    let mut fund: Option<Fund> = None;
    // A 类 named by a heading, waiting for its statement in this or the next paragraph.
    let mut pending: Option<(String, Option<String>, Vec<String>, u32)> = None;
    // The amount a per-项 heading states before its sentence, to check against 支出决算为.
    let mut heading_amount: Option<Printed> = None;
    for (index, block) in blocks.iter().enumerate() {
        let Block::Para { number: para, text } = block else {
            continue;
        };
        let index = index as u32;
        let text = fold_width(text).into_owned();
        for c in AMOUNT.captures_iter(&text) {
            if is_threshold(&text, c.get(0).map_or(0, |m| m.end())) {
                continue;
            }
            out.amount_mentions += 1;
            let fits = number(&c["n"])
                .and_then(|n| unit(&c["u"]).to_yuan(n))
                .is_some();
            if !fits && out.out_of_range.len() < 100 {
                out.out_of_range.push((*para, c[0].to_string()));
            }
        }
        let mut mark = |start: usize| {
            used.insert((*para, start));
        };

        // Which budget the statements below belong to, from the section headings.
        if text.contains("一般公共预算财政拨款支出决算") {
            fund = Some(Fund::GeneralPublic);
        } else if text.contains("政府性基金预算财政拨款支出决算") {
            fund = Some(Fund::GovernmentFund);
        } else if text.contains("国有资本经营预算财政拨款")
            || text.contains("基本支出决算情况说明")
            || text.starts_with("第二部分")
        {
            fund = None;
        }

        for pattern in PATTERNS.iter() {
            if pattern.within.is_some_and(|w| !text.contains(w)) {
                continue;
            }
            if seen.contains(&pattern.metric) {
                // A figure stated again (a later section restates 基本支出 …) is read, not a
                // new fact: the first statement of a metric is its fact.
                if matches!(pattern.kind, Kind::Money | Kind::Change) {
                    for c in pattern.regex.captures_iter(&text) {
                        if let Some(n) = c.name("n") {
                            mark(n.start());
                        }
                    }
                }
                continue;
            }
            let Some(c) = pattern.regex.captures(&text) else {
                continue;
            };
            let Some(n) = c.name("n") else { continue };
            let Some(value) = number(n.as_str()) else {
                continue;
            };
            let negative = c
                .name("v")
                .is_some_and(|v| matches!(v.as_str(), "减少" | "下降"));
            let signed = if negative { -value } else { value };
            let value = match pattern.kind {
                Kind::Money | Kind::Change => {
                    let u = c.name("u").map_or(MoneyUnit::Wanyuan, |u| unit(u.as_str()));
                    match u.to_yuan(signed) {
                        Some(v) => FactValue::Money(v),
                        None => continue,
                    }
                }
                Kind::Percent => match (signed / Decimal::from(100)).to_f64() {
                    Some(r) => FactValue::Ratio(r),
                    None => continue,
                },
                Kind::Count => match value.to_i32() {
                    Some(n) => FactValue::Count(n),
                    None => continue,
                },
                Kind::Score => match value.to_f64() {
                    Some(s) => FactValue::Ratio(s),
                    None => continue,
                },
            };
            if matches!(pattern.kind, Kind::Money | Kind::Change) {
                mark(n.start());
            }
            seen.insert(pattern.metric);
            out.facts.push(ReportFact {
                metric: pattern.metric,
                value,
                paragraph: *para,
            });
        }

        let total_change = TOTAL_CHANGE.captures(&text);
        if let Some(c) = &total_change {
            for g in ["a", "d"] {
                if let Some(m) = c.name(g) {
                    mark(m.start());
                }
            }
            let down = &c["v"] == "减少";
            let pct = c.name("p").and_then(|p| {
                printed(
                    p.as_str(),
                    None,
                    c.name("pv").is_some_and(|v| v.as_str() == "下降"),
                )
            });
            if let (Some(current), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) {
                let subject = if text[..c.name("s").map_or(0, |m| m.start())].ends_with("财政拨款")
                {
                    "财政拨款收支总计 vs 上年"
                } else {
                    "收支总计 vs 上年"
                };
                out.statements.push(Statement::Change {
                    subject: subject.into(),
                    current,
                    base: None,
                    diff,
                    pct,
                    paragraph: *para,
                });
            }
        }
        if let Some(c) = BASE_THEN_DIFF.captures(&text) {
            for g in ["a", "b", "d"] {
                if let Some(m) = c.name(g) {
                    mark(m.start());
                }
            }
            let down = &c["v"] == "减少";
            if let (Some(current), Some(base), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["b"], Some(&c["ub"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) {
                let subject = format!(
                    "{}: 决算 vs 年初预算",
                    c["s"].trim_matches(|ch: char| ch.is_ascii_digit() || ch == '.' || ch == '。')
                );
                out.statements.push(Statement::Change {
                    subject,
                    current,
                    base: Some(base),
                    diff,
                    pct: None,
                    paragraph: *para,
                });
            }
        }
        for c in STATED_RATE.captures_iter(&text) {
            let of = c.name("k").map_or("年初", |k| k.as_str());
            let budget = if of == "年初" {
                c.name("bi").zip(c.name("ubi"))
            } else {
                c.name("bf").zip(c.name("ubf"))
            };
            let (Some(actual), Some(rate)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["r"], None, false),
            ) else {
                continue;
            };
            let start = c.get(0).map_or(0, |m| m.start());
            let subject: String = text[..start]
                .rsplit(['。', ';'])
                .next()
                .unwrap_or("")
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.statements.push(Statement::Rate {
                subject: subject
                    .trim_matches(|ch: char| ch == ',' || ch.is_whitespace())
                    .to_string(),
                actual,
                budget: budget.and_then(|(b, u)| printed(b.as_str(), Some(u.as_str()), false)),
                of: of.to_string(),
                rate,
                paragraph: *para,
            });
        }
        // Changes against last year, in the wordings TOTAL_CHANGE does not read.
        let mut yearly: Vec<(String, Printed, Printed, Option<Printed>, usize, usize)> = Vec::new();
        for c in VERSUS_LAST_YEAR.captures_iter(&text) {
            let subject = c["s"].trim();
            let Some(start) = c.get(0).map(|m| m.start()) else {
                continue;
            };
            // The current value: the subject's last amount before the comparison.
            let current = re(&format!(
                "{}(?:为)?(?P<a>NUM)(?P<ua>万元|亿元|元)",
                regex::escape(subject)
            ))
            .captures_iter(&text[..start])
            .last()
            .and_then(|a| {
                let at = a.name("a")?.start();
                Some((printed(&a["a"], Some(&a["ua"]), false)?, at))
            });
            let down = &c["v"] == "减少";
            let (Some((current, at)), Some(diff)) =
                (current, printed(&c["d"], Some(&c["ud"]), down))
            else {
                continue;
            };
            let pct = c.name("p").and_then(|p| {
                printed(
                    p.as_str(),
                    None,
                    c.name("pv").is_some_and(|v| v.as_str() == "下降"),
                )
            });
            yearly.push((
                subject.to_string(),
                current,
                diff,
                pct,
                at,
                c.name("d").map_or(0, |m| m.start()),
            ));
        }
        for c in THAN_LAST_YEAR.captures_iter(&text) {
            let subject = c["s"].trim();
            if total_change.is_some()
                && (subject.contains("收支总计") || subject.contains("收入支出总计"))
            {
                continue;
            }
            let down = &c["v"] == "减少";
            let (Some(current), Some(diff)) = (
                printed(&c["a"], Some(&c["ua"]), false),
                printed(&c["d"], Some(&c["ud"]), down),
            ) else {
                continue;
            };
            let pct = c.name("p").and_then(|p| {
                printed(
                    p.as_str(),
                    None,
                    c.name("pv").is_some_and(|v| v.as_str() == "下降"),
                )
            });
            yearly.push((
                subject.to_string(),
                current,
                diff,
                pct,
                c.name("a").map_or(0, |m| m.start()),
                c.name("d").map_or(0, |m| m.start()),
            ));
        }
        for (subject, current, diff, pct, at, d) in yearly {
            mark(at);
            mark(d);
            out.statements.push(Statement::Change {
                subject: yearly_subject(&subject),
                current,
                base: None,
                diff,
                pct,
                paragraph: *para,
            });
        }
        if let Some(c) = SHARE_LIST.captures(&text) {
            // Every amount of the list is a statement's: the total and each item's.
            let list_start = c.get(0).map_or(0, |m| m.start());
            let list_end = text[list_start..]
                .find('。')
                .map_or(text.len(), |e| list_start + e);
            for a in AMOUNT.captures_iter(&text[list_start..list_end]) {
                if let Some(n) = a.name("n") {
                    mark(list_start + n.start());
                }
            }
            let rest = &text[c.get(0).map_or(0, |m| m.end())..];
            let rest = rest.split_once(':').map_or(rest, |(_, r)| r);
            let items: Vec<ShareItem> = rest
                .split(';')
                .filter_map(|piece| SHARE_ITEM.captures(piece.trim()))
                .filter_map(|i| {
                    Some(ShareItem {
                        name: i["name"].trim().to_string(),
                        amount: printed(&i["a"], Some(&i["ua"]), false)?,
                        share: i.name("p").and_then(|p| printed(p.as_str(), None, false)),
                    })
                })
                .collect();
            let denominator = rest
                .split(';')
                .find_map(|piece| {
                    SHARE_ITEM
                        .captures(piece.trim())
                        .and_then(|i| i.name("den").map(|d| d.as_str().to_string()))
                })
                .unwrap_or_default();
            let fund = if c["label"].starts_with("政府性基金") {
                Fund::GovernmentFund
            } else {
                Fund::GeneralPublic
            };
            if let (Some(total), false) =
                (printed(&c["t"], Some(&c["ut"]), false), items.is_empty())
            {
                out.statements.push(Statement::ShareList {
                    fund,
                    total,
                    items,
                    denominator,
                    paragraph: *para,
                });
            }
        }

        // Per-类 statements: a heading names the 类, this or the next paragraph states it.
        if pending
            .as_ref()
            .is_some_and(|(_, _, _, at)| *at + 1 < index)
        {
            pending = None; // a heading whose statement never came
            heading_amount = None;
        }
        if let Some(c) = CATEGORY_HEADING
            .captures(&text)
            .or_else(|| CATEGORY_INLINE.captures(&text))
        {
            // "X(类)Y(款)Z(项)": a 款's or 项's statement, its names below the 类.
            let mut rest = c.get(0).map_or("", |m| &text[m.end()..]);
            let mut below = Vec::new();
            while let Some(b) = BELOW.captures(rest) {
                below.push(b["name"].trim().to_string());
                rest = &rest[b.get(0).map_or(rest.len(), |m| m.end())..];
            }
            // "“行政运行”(项)1511.89万元。…": an amount right after the names.
            heading_amount = HEADING_AMOUNT.captures(rest).and_then(|h| {
                let n = h.name("a")?;
                mark(text.len() - rest.len() + n.start());
                printed(n.as_str(), Some(&h["ua"]), false)
            });
            pending = Some((
                c["name"]
                    .trim()
                    .trim_matches(|ch| matches!(ch, '“' | '”' | '"'))
                    .to_string(),
                c.name("code").map(|m| m.as_str().to_string()),
                below,
                index,
            ));
        }
        let mut stated_actual: Option<Printed> = None;
        let statement = if let Some(c) = VERSUS_BUDGET.captures(&text) {
            stated_actual = printed(&c["a"], Some(&c["ua"]), false);
            let actual = number(&c["a"]).and_then(|a| unit(&c["ua"]).to_yuan(a));
            let budget = match (c.name("d"), c.name("v")) {
                (Some(d), Some(v)) => number(d.as_str()).zip(actual).and_then(|(d, a)| {
                    let d = unit(&c["ud"]).to_yuan(d)?;
                    // 比年初预算减少 d: actual = budget − d.
                    Some(if matches!(v.as_str(), "减少" | "下降") {
                        a + d
                    } else {
                        a - d
                    })
                }),
                _ if c.name("flat").is_some() => actual,
                _ => None,
            };
            mark(c.name("a").map_or(0, |m| m.start()));
            if let Some(d) = c.name("d") {
                mark(d.start());
            }
            if let (Some(d), Some(v), Some((name, _, _, _))) =
                (c.name("d"), c.name("v"), pending.as_ref())
            {
                let down = matches!(v.as_str(), "减少" | "下降");
                let pct = c.name("p").and_then(|p| {
                    printed(
                        p.as_str(),
                        None,
                        c.name("pv").is_some_and(|v| v.as_str() == "下降"),
                    )
                });
                if let (Some(current), Some(diff)) = (
                    printed(&c["a"], Some(&c["ua"]), false),
                    printed(d.as_str(), Some(&c["ud"]), down),
                ) {
                    out.statements.push(Statement::Change {
                        subject: format!("{name}: 决算 vs 年初预算"),
                        current,
                        base: None,
                        diff,
                        pct,
                        paragraph: *para,
                    });
                }
            }
            actual.map(|a| (a, budget, None))
        } else if let Some(c) = BUDGET_THEN_ACTUAL.captures(&text) {
            stated_actual = printed(&c["a"], Some(&c["ua"]), false);
            mark(c.name("a").map_or(0, |m| m.start()));
            mark(c.name("b").map_or(0, |m| m.start()));
            let initial = &c["kind"] == "年初";
            number(&c["a"]).and_then(|a| {
                let budget = number(&c["b"]).and_then(|b| unit(&c["ub"]).to_yuan(b));
                Some((
                    unit(&c["ua"]).to_yuan(a)?,
                    budget.filter(|_| initial),
                    budget.filter(|_| !initial),
                ))
            })
        } else {
            None
        };
        if let (Some((actual, budget_initial, budget_final)), Some(f)) = (statement, fund) {
            if let Some((name, code, below, _)) = pending.take() {
                if let (Some(heading), Some(actual)) = (heading_amount.take(), stated_actual) {
                    out.statements.push(Statement::Same {
                        subject: std::iter::once(name.as_str())
                            .chain(below.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join("/"),
                        first: heading,
                        second: actual,
                        what: "the heading's amount and its 支出决算".into(),
                        paragraph: *para,
                    });
                }
                out.categories.push(CategoryLine {
                    fund: f,
                    name,
                    code,
                    below,
                    actual,
                    budget_initial,
                    budget_final,
                    paragraph: *para,
                });
            }
        }
    }
    // A mention counts as used when a fact took its number.
    out.amount_mentions_used = used.len();
    for block in blocks {
        let Block::Para { number: para, text } = block else {
            continue;
        };
        let text = fold_width(text);
        for c in AMOUNT.captures_iter(&text) {
            let Some(n) = c.name("n") else { continue };
            if used.contains(&(*para, n.start()))
                || out.unused.len() >= 1000
                || is_threshold(&text, c.get(0).map_or(0, |m| m.end()))
            {
                continue;
            }
            let before: String = text[..n.start()]
                .chars()
                .rev()
                .take(16)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.unused.push((*para, format!("{before}{}", &c[0])));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let f = extract(&blocks);
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
        let f = extract(&blocks);
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
            let _ = extract(&blocks);
        }
        let _ = extract(&[para(1, ",收、支总计1万元,比上年减少1万元,下降1%")]);
    }

    #[test]
    fn template_leftovers_and_unknown_wording_yield_nothing() {
        let blocks = vec![
            para(1, "（此处插入图表，用上述收入金额制作饼状图，示例如下，无金额类型不必制图）"),
            para(2, "12.各单位需根据自身业务职能，补充当年使用的所有支出功能分类项级科目名词解释，例如："),
            para(3, "某项支出大约在3000万元上下浮动。"),
        ];
        let f = extract(&blocks);
        assert!(f.facts.is_empty() && f.categories.is_empty());
        assert_eq!((f.amount_mentions, f.amount_mentions_used), (1, 0));
    }
}
