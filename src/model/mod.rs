//! The typed records passed between stages: amounts ([`Yuan`], [`MoneyUnit`]), funds and
//! levels here; where a figure came from and the rows of each dataset in [`records`]; what
//! the checks and the readers report in [`findings`]; what a report states in
//! [`statements`]. Nothing here does I/O.

mod findings;
mod metric;
mod records;
pub mod shared;
mod statements;

pub use findings::*;
pub use metric::*;
pub use records::*;
pub use statements::*;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Money in 元 with exactly two decimals (fen). Built only through [`MoneyUnit`], so the
/// scale is always 2 and the value is exact.
pub type Yuan = Decimal;

/// The unit a table or sentence prints its amounts in ("单位：万元").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    Yuan,
    Qianyuan,
    Wanyuan,
    Yiyuan,
}

impl MoneyUnit {
    /// Finds the unit named in a label such as "单位：万元" or "金额单位:元".
    pub fn from_label(text: &str) -> Option<MoneyUnit> {
        // "编制单位：某街道 单位：万元": every occurrence of 单位 is tried, the first one
        // followed by a unit name wins.
        text.match_indices("单位").find_map(|(pos, _)| {
            let rest = text[pos + "单位".len()..]
                .trim_start_matches([':', '：', ' ', '\u{3000}', '(', '（']);
            [
                ("亿元", MoneyUnit::Yiyuan),
                ("万元", MoneyUnit::Wanyuan),
                ("千元", MoneyUnit::Qianyuan),
                ("元", MoneyUnit::Yuan),
            ]
            .into_iter()
            .find(|(label, _)| rest.starts_with(label))
            .map(|(_, unit)| unit)
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Qianyuan => "千元",
            MoneyUnit::Wanyuan => "万元",
            MoneyUnit::Yiyuan => "亿元",
        }
    }

    /// Power of ten from this unit to 元.
    fn exponent(self) -> u32 {
        match self {
            MoneyUnit::Yuan => 0,
            MoneyUnit::Qianyuan => 3,
            MoneyUnit::Wanyuan => 4,
            MoneyUnit::Yiyuan => 8,
        }
    }

    /// Converts an exact decimal printed in this unit to 元 with two decimals.
    /// Multiplying by a power of ten is exact; the only rounding is to the fen. `None` when
    /// the amount does not fit the warehouse's decimal(18,2) (|元| < 10^16).
    pub fn to_yuan(self, printed: Decimal) -> Option<Yuan> {
        let factor = Decimal::from(10u64.pow(self.exponent()));
        let mut value = printed
            .checked_mul(factor)?
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if value.abs() >= max_yuan() {
            return None;
        }
        value.rescale(2);
        Some(value)
    }

    /// Converts to 元 without rounding (interval bounds keep every digit).
    pub fn scale_exact(self, printed: Decimal) -> Decimal {
        let factor = Decimal::from(10u64.pow(self.exponent()));
        printed
            .checked_mul(factor)
            .unwrap_or(if printed.is_sign_negative() {
                Decimal::MIN
            } else {
                Decimal::MAX
            })
    }

    /// Converts a spreadsheet number (f64) printed in this unit to 元.
    ///
    /// The f64 is first read as the shortest decimal that round-trips (what the writer
    /// typed: 11724.11, not 11724.110000000000582), then scaled exactly. This is the one
    /// place where a float becomes money.
    pub fn f64_to_yuan(self, value: f64) -> Option<Yuan> {
        if !value.is_finite() {
            return None;
        }
        let mut buf = ryu::Buffer::new();
        let text = buf.format_finite(value);
        let printed = parse_decimal_text(text)?;
        self.to_yuan(printed)
    }
}

/// 10^16 元: the first amount decimal(18,2) cannot hold.
pub fn max_yuan() -> Decimal {
    Decimal::from(10_000_000_000_000_000u64)
}

/// Why an amount was refused, for rejects.
pub fn out_of_range(printed: &str, unit: MoneyUnit) -> String {
    format!(
        "{printed} {} does not fit the warehouse's decimal(18,2) (less than 10^16 元)",
        unit.label()
    )
}

/// Decimal text with thousands separators: "-1234567.5" → "-1,234,567.5".
pub fn with_thousands(text: &str) -> String {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::with_capacity(text.len() + digits.len() / 3);
    out.push_str(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Parses decimal text as printed ("1,234.56", "1e-7" from ryu, "−3.5", "40775.5299").
pub fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let cleaned: String;
    let s = if text.contains([',', '，', ' ', '−']) {
        cleaned = text
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' '))
            .map(|c| if c == '−' { '-' } else { c })
            .collect();
        cleaned.as_str()
    } else {
        text
    };
    let value = if s.contains(['e', 'E']) {
        Decimal::from_scientific(s).ok()?
    } else {
        s.parse::<Decimal>().ok()?
    };
    // No figure of a 部门决算 comes near 10^16 (in 元 or 万元); refusing larger ones keeps every
    // later multiplication (万元 → 元, intervals) far from Decimal's range.
    (value.abs() < Decimal::from(10_000_000_000_000_000i64)).then_some(value)
}

/// Which budget a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fund {
    /// 支出决算表: all funds together.
    All,
    /// 一般公共预算.
    GeneralPublic,
    /// 政府性基金预算.
    GovernmentFund,
    /// 国有资本经营预算.
    StateCapital,
}

impl Fund {
    pub fn as_str(self) -> &'static str {
        match self {
            Fund::All => "all",
            Fund::GeneralPublic => "general_public",
            Fund::GovernmentFund => "government_fund",
            Fund::StateCapital => "state_capital",
        }
    }
}

/// Level of a function code: 类 (3 digits), 款 (5) or 项 (7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Category = 1,
    Section = 2,
    Item = 3,
}

impl Level {
    pub fn from_len(len: usize) -> Option<Level> {
        match len {
            3 => Some(Level::Category),
            5 => Some(Level::Section),
            7 => Some(Level::Item),
            _ => None,
        }
    }

    pub fn as_i8(self) -> i8 {
        self as i8
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Level::Category => "类",
            Level::Section => "款",
            Level::Item => "项",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn wanyuan_cell_becomes_exact_yuan() {
        let y = MoneyUnit::Wanyuan.f64_to_yuan(11724.11).unwrap();
        assert_eq!(y.to_string(), "117241100.00");
        assert_eq!(
            MoneyUnit::Wanyuan
                .to_yuan(d("40775.5299"))
                .unwrap()
                .to_string(),
            "407755299.00"
        );
        assert_eq!(MoneyUnit::Yuan.f64_to_yuan(0.1 + 0.2).unwrap(), d("0.30"));
        assert_eq!(
            MoneyUnit::Yiyuan.to_yuan(d("1.5")).unwrap().to_string(),
            "150000000.00"
        );
    }

    #[test]
    fn every_two_decimal_wanyuan_value_round_trips_through_f64() {
        // Exhaustive over 0.00 ..= 99999.99 万元 in steps of 0.01 would be 10^7 values;
        // a stride keeps the unit test quick while crossing every fractional pattern.
        for fen in (0u64..10_000_000).step_by(7) {
            let printed = Decimal::new(fen as i64, 2);
            let as_f64 = fen as f64 / 100.0;
            let yuan = MoneyUnit::Wanyuan.f64_to_yuan(as_f64).unwrap();
            assert_eq!(Some(yuan), MoneyUnit::Wanyuan.to_yuan(printed), "{printed}");
        }
    }

    #[test]
    fn unit_labels() {
        assert_eq!(
            MoneyUnit::from_label("单位：万元"),
            Some(MoneyUnit::Wanyuan)
        );
        assert_eq!(MoneyUnit::from_label("金额单位:元"), Some(MoneyUnit::Yuan));
        assert_eq!(
            MoneyUnit::from_label("单位： 千元"),
            Some(MoneyUnit::Qianyuan)
        );
        assert_eq!(MoneyUnit::from_label("编制单位：某街道"), None);
        assert_eq!(
            MoneyUnit::from_label("编制单位：新街口街道办事处　　单位：万元"),
            Some(MoneyUnit::Wanyuan)
        );
    }

    #[test]
    fn decimal_text() {
        assert_eq!(parse_decimal_text("19,044.27"), Some(d("19044.27")));
        assert_eq!(parse_decimal_text("−3.5"), Some(d("-3.5")));
        assert_eq!(parse_decimal_text("1e-7"), Some(d("0.0000001")));
        assert_eq!(parse_decimal_text("abc"), None);
        // regression: 79228162514264337593543950335 万元 would overflow Decimal when scaled
        assert_eq!(parse_decimal_text("79228162514264337593543950335"), None);
        assert_eq!(MoneyUnit::Wanyuan.f64_to_yuan(1e300), None);
        // The warehouse holds less than 10^16 元: 1234567890123.45 万元 does not fit.
        assert_eq!(MoneyUnit::Wanyuan.to_yuan(d("1234567890123.45")), None);
        assert_eq!(MoneyUnit::Wanyuan.f64_to_yuan(1234567890123.45), None);
        assert_eq!(
            MoneyUnit::Yuan
                .to_yuan(d("9999999999999999.99"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("9999999999999999.99")
        );
        // Overflow of the decimal itself is a None, not a panic.
        assert_eq!(MoneyUnit::Yiyuan.to_yuan(Decimal::MAX), None);
    }
}
