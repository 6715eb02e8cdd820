//! What a report states, as printed: the figures checks recompute.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Fund, MoneyUnit};

/// A number as a document printed it: its value in the printed unit and its decimals, so
/// that checks know what the printed digits can and cannot say (interval arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Printed {
    pub value: Decimal,
    pub decimals: u32,
    /// `None` for a percentage.
    pub unit: Option<MoneyUnit>,
}

impl Printed {
    pub fn new(text_value: Decimal, unit: Option<MoneyUnit>) -> Printed {
        Printed {
            value: text_value,
            decimals: text_value.scale(),
            unit,
        }
    }

    /// Half a unit of the last printed digit, in the printed unit.
    pub fn half_unit(&self) -> Decimal {
        Decimal::new(5, self.decimals + 1)
    }

    /// Every value the printed digits allow, in 元 (money) or in percent (rates).
    pub fn interval(&self) -> (Decimal, Decimal) {
        let (lo, hi) = (self.value - self.half_unit(), self.value + self.half_unit());
        match self.unit {
            Some(u) => (u.scale_exact(lo), u.scale_exact(hi)),
            None => (lo, hi),
        }
    }

    /// One unit of the last printed digit, in 元 or percent.
    pub fn unit_size(&self) -> Decimal {
        let one = Decimal::new(1, self.decimals);
        self.unit.map_or(one, |u| u.scale_exact(one))
    }
}

/// A statement of a report that other figures can check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Statement {
    /// "X 本年 NUM 万元，比 BASE 减少/增加 DIFF 万元，下降/增长 PCT%": current, signed diff
    /// (current − base) and signed percentage of the base.
    Change {
        subject: String,
        current: Printed,
        base: Option<Printed>,
        diff: Printed,
        pct: Option<Printed>,
        paragraph: u32,
    },
    /// "年初预算为 B 万元，支出决算为 A 万元，完成年初预算的 R%": the stated rate against the
    /// stated figures (`budget` is the one the rate names; none when that budget is not
    /// stated).
    Rate {
        subject: String,
        actual: Printed,
        budget: Option<Printed>,
        /// 年初 or 全年: which budget the rate says it is of.
        of: String,
        rate: Printed,
        paragraph: u32,
    },
    /// One figure stated twice in one statement (a 项 heading's amount and its 支出决算为):
    /// both printed values must agree within their rounding.
    Same {
        subject: String,
        first: Printed,
        second: Printed,
        what: String,
        paragraph: u32,
    },
    /// "一般公共预算财政拨款支出 TOTAL 万元，主要用于：A NUM 万元，占本年财政拨款支出 P%；…":
    /// the items, their shares of `denominator` and the list's own total.
    ShareList {
        fund: Fund,
        total: Printed,
        items: Vec<ShareItem>,
        denominator: String,
        paragraph: u32,
    },
    /// "本年支出合计 W 万元，其中：基本支出 A 万元，占支出合计的 P%；项目支出 B 万元…", or a
    /// lone "X 万元，占政府采购支出总额的 P%": parts of a whole and the shares they state.
    Parts {
        subject: String,
        whole: Printed,
        parts: Vec<Part>,
        /// What the parts' sum must be.
        adds: Adds,
        paragraph: u32,
    },
    /// "年初预算为 B 万元，支出决算为 A 万元。决算数小于预算数": what the words claim of the
    /// figures stated before them.
    Direction {
        subject: String,
        actual: Printed,
        /// The budgets stated (年初, 全年), and the one the words name, if any: with none
        /// named, the words hold when they hold of one of them.
        budgets: Vec<(String, Printed)>,
        named: Option<String>,
        claim: Claim,
        /// The words as printed ("决算数小于预算数").
        words: String,
        paragraph: u32,
    },
}

/// What comparison words claim of an actual against a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Claim {
    /// 大于, 高于, 超过.
    Greater,
    /// 小于, 低于, 少于.
    Less,
    /// 等于, 持平, 相等, 一致: equal within the rounding of both.
    Equal,
    /// 基本持平, 基本一致: within 1% of the budget.
    RoughlyEqual,
}

/// How the parts of a [`Statement::Parts`] add up to their whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Adds {
    /// Every kind of the whole is listed (the template lists all sources of 收入, all kinds of
    /// 支出, of 政府采购, 基本支出 and 项目支出): they add up to it.
    Exactly,
    /// Disjoint parts of it, not all: together at most it.
    AtMost,
    /// Some of what the whole holds, maybe overlapping (资产总计's 固定资产原值 and 净值): not
    /// summed.
    Unchecked,
}

/// One part of a [`Statement::Parts`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub name: String,
    pub amount: Printed,
    /// The share stated for it ("占支出合计的26.99%"), and the figure that share is of (the
    /// whole, or the figure its 占… names) with that figure's name as printed.
    pub share: Option<Printed>,
    pub of: Option<(String, Printed)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareItem {
    pub name: String,
    pub amount: Printed,
    pub share: Option<Printed>,
}
