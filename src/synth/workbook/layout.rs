//! The knobs of a synthetic workbook's layout: each unit-year draws one value of each, so
//! the corpus covers every way offices lay the standard tables out.

use super::*;

/// The money unit printed above each table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    /// 单位：万元, 2 decimals.
    Wanyuan,
    /// 金额单位：元, 2 decimals.
    Yuan,
    /// 单位：千元, 2 decimals.
    Qianyuan,
    /// 单位：亿元, 6 decimals (one fen of a 万元 figure is 10^-6 亿元).
    Yiyuan,
}

/// How function (and economic) codes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    /// "2010101" as text in its own column.
    Column,
    /// 2010101 as a number cell (calamine reads 2010101.0).
    Number,
    /// "２０１０１０１" in full-width digits.
    FullWidth,
    /// "201-01-01".
    Dashed,
    /// "2010101 行政运行": code and name in one cell, under a wrapped "功能分类\n科目编码".
    WithName,
    /// Three columns 类 | 款 | 项 with 2-digit 款/项; parents left blank below their first row.
    SplitBlank,
    /// Three columns 类 | 款 | 项; a parent cell merged down over all its children.
    SplitMerged,
}

/// Where the tables go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// One sheet per table, named after it ("5 一般公共预算支出").
    SheetPerTable,
    /// One sheet per table, with meaningless names ("Sheet1", "Sheet2" …).
    GenericSheets,
    /// Every table on one sheet, one under the other.
    OneSheet,
    /// One file per table (附件1.xlsx, 附件2.xlsx …), each with a single sheet "Sheet1".
    FilePerTable,
}

/// Which standard tables are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSet {
    /// The national nine (公开01–09).
    National,
    /// Beijing's thirteen (2023): the nine plus 一般公共预算财政拨款收入支出决算表,
    /// 政府性基金预算财政拨款基本支出决算表, 政府采购情况表, 政府购买服务决算公开情况表.
    Beijing,
}

/// How amount cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Number cells with a "#,##0.00" format.
    Numbers,
    /// Text with thousands separators ("11,724.11").
    Text,
    /// Number cells, and every total row a formula (=C7+C15…) saved with its cached value.
    Formulas,
}

/// How a zero is printed. Anything but `Zero` is read back as null (no figure), not 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zeros {
    Zero,
    Dash,
    EmDash,
    Slash,
    Blank,
}

/// How a unit's workbook is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub money: Money,
    pub codes: Codes,
    pub placement: Placement,
    pub set: TableSet,
    pub cells: Cells,
    pub zeros: Zeros,
    /// Titles with the year and a 公开0N表 suffix.
    pub decorated_titles: bool,
    /// 行次 columns in the two-sided tables and a 栏次 row (1, 2, 3 …) under code-table headers.
    pub row_numbers: bool,
    /// A 项目 row above the code and name headers (two or three header rows).
    pub deep_header: bool,
    /// Long names wrapped inside their cell ("一般公共服务支\n出").
    pub wrapped_names: bool,
    /// Side-by-side blocks of the economic tables (1, 2: 301+303 | 302+310, or 3).
    pub economic_blocks: u8,
}

pub(super) const XINJIEKOU_ID: &str = "110102-xinjiekou";

impl Layout {
    /// 新街口's layout: the one its tests name sheets and rows of.
    pub const PLAIN: Layout = Layout {
        money: Money::Wanyuan,
        codes: Codes::Column,
        placement: Placement::SheetPerTable,
        set: TableSet::Beijing,
        cells: Cells::Numbers,
        zeros: Zeros::Zero,
        decorated_titles: false,
        row_numbers: false,
        deep_header: false,
        wrapped_names: false,
        economic_blocks: 1,
    };

    /// Each unit-year draws every knob from its own deterministic stream.
    pub fn for_unit(unit_id: &str, year: i32) -> Layout {
        if unit_id == XINJIEKOU_ID {
            return Layout::PLAIN;
        }
        let h = unit_id
            .bytes()
            .chain(year.to_le_bytes())
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
            });
        let mut rng = Rng::new(h);
        let mut pick = |n: usize| rng.below(n);
        Layout {
            money: [Money::Wanyuan, Money::Yuan, Money::Qianyuan, Money::Yiyuan][pick(4)],
            codes: [
                Codes::Column,
                Codes::Number,
                Codes::FullWidth,
                Codes::Dashed,
                Codes::WithName,
                Codes::SplitBlank,
                Codes::SplitMerged,
            ][pick(7)],
            placement: [
                Placement::SheetPerTable,
                Placement::GenericSheets,
                Placement::OneSheet,
                Placement::FilePerTable,
            ][pick(4)],
            set: [TableSet::National, TableSet::Beijing][pick(2)],
            cells: [Cells::Numbers, Cells::Text, Cells::Formulas][pick(3)],
            zeros: [
                Zeros::Zero,
                Zeros::Dash,
                Zeros::EmDash,
                Zeros::Slash,
                Zeros::Blank,
            ][pick(5)],
            decorated_titles: pick(2) == 1,
            row_numbers: pick(2) == 1,
            deep_header: pick(2) == 1,
            wrapped_names: pick(2) == 1,
            economic_blocks: 1 + pick(3) as u8,
        }
    }

    /// The knob settings as `knob=value` strings, for coverage checks and logs.
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!("money={:?}", self.money),
            format!("codes={:?}", self.codes),
            format!("placement={:?}", self.placement),
            format!("set={:?}", self.set),
            format!("cells={:?}", self.cells),
            format!("zeros={:?}", self.zeros),
            format!("decorated_titles={}", self.decorated_titles),
            format!("row_numbers={}", self.row_numbers),
            format!("deep_header={}", self.deep_header),
            format!("wrapped_names={}", self.wrapped_names),
            format!("economic_blocks={}", self.economic_blocks),
        ]
    }

    /// How many values each knob can take (the corpus should show all of them).
    pub const KNOB_VALUES: usize = 4 + 7 + 4 + 2 + 3 + 5 + 2 + 2 + 2 + 2 + 3;

    /// True when a zero is printed as a number (otherwise it reads back as null).
    pub fn prints_zero(&self) -> bool {
        self.zeros == Zeros::Zero
    }

    /// The tables this layout publishes, in print order.
    pub fn tables(&self) -> &'static [TableKind] {
        use TableKind::*;
        match self.set {
            TableSet::National => &[
                IncomeExpenditureSummary,
                Income,
                Expenditure,
                FiscalSummary,
                GeneralPublicExpenditure,
                GeneralPublicBasic,
                GovernmentFund,
                StateCapital,
                ThreePublic,
            ],
            TableSet::Beijing => &[
                IncomeExpenditureSummary,
                Income,
                Expenditure,
                FiscalSummary,
                GeneralPublicIncomeExpenditure,
                GeneralPublicExpenditure,
                GeneralPublicBasic,
                GovernmentFund,
                GovernmentFundBasic,
                StateCapital,
                ThreePublic,
                Procurement,
                PurchasedServices,
            ],
        }
    }

    pub(super) fn split(&self) -> bool {
        matches!(self.codes, Codes::SplitBlank | Codes::SplitMerged)
    }
}
