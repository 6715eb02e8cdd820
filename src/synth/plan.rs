//! The figures of one synthetic unit-year, before any of them is written: function-code
//! hierarchies whose 项 sum exactly to their 款, 款 to their 类 and 类 to the total, per fund.
//! Amounts are integers in 0.01 万元 (the printed scale), so every sum is exact.

use crate::model::Fund;
use crate::reference::catalog::Catalog;

/// A deterministic generator (SplitMix64): same seed, same figures, on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// `k` distinct items of `items`, in their original order.
    pub fn pick<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in (1..idx.len()).rev() {
            let j = self.below(i + 1);
            idx.swap(i, j);
        }
        let mut chosen: Vec<usize> = idx.into_iter().take(k).collect();
        chosen.sort_unstable();
        chosen.into_iter().map(|i| &items[i]).collect()
    }
}

/// Splits `total` into parts proportional to `weights` that sum exactly to `total`
/// (largest remainder). Weights must be non-negative; all-zero weights split evenly.
pub fn split_exact(total: i64, weights: &[f64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: f64 = weights.iter().sum();
    let weights: Vec<f64> = if sum > 0.0 {
        weights.to_vec()
    } else {
        vec![1.0; weights.len()]
    };
    let sum: f64 = weights.iter().sum();
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = raw.iter().map(|r| r.floor() as i64).collect();
    let mut rest = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (raw[b] - raw[b].floor())
            .total_cmp(&(raw[a] - raw[a].floor()))
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while rest != 0 {
        let k = order[i % order.len()];
        let step = rest.signum();
        parts[k] += step;
        rest -= step;
        i += 1;
    }
    parts
}

/// One printed row of a function-code table. Amounts in 0.01 万元.
#[derive(Debug, Clone)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub actual: i64,
    pub basic: i64,
    pub project: i64,
    pub budget_initial: i64,
    pub budget_final: i64,
}

/// A fund's expenditure table: rows in print order (类, its 款, their 项, next 类 …).
#[derive(Debug, Clone)]
pub struct FundPlan {
    pub fund: Fund,
    pub lines: Vec<Line>,
}

impl FundPlan {
    pub fn categories(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.code.len() == 3)
    }

    pub fn total(&self, f: impl Fn(&Line) -> i64) -> i64 {
        self.categories().map(f).sum()
    }
}

/// What a 类 should add up to.
pub struct CategoryTarget {
    pub code: &'static str,
    pub actual: i64,
    pub budget_initial: i64,
}

/// Builds a 类 → 款 → 项 hierarchy from catalogue codes valid in `year`, with leaf amounts
/// split from each target so that every parent is exactly the sum of its children.
/// `basic_total` is spread over the leaves, mostly to running-cost items (行政运行, 养老,
/// 医疗, 住房公积金), never above a leaf's own total.
pub fn build_fund(
    catalog: &Catalog,
    year: i32,
    fund: Fund,
    targets: &[CategoryTarget],
    basic_total: i64,
    rng: &mut Rng,
) -> FundPlan {
    struct Leaf {
        path: Vec<(String, String)>,
        actual: i64,
        budget_initial: i64,
        budget_final: i64,
        basic: i64,
    }
    let mut leaves: Vec<Leaf> = Vec::new();
    for target in targets {
        let Some(category) = catalog.function(target.code, year) else {
            continue;
        };
        let sections: Vec<_> = catalog
            .children(target.code, year)
            .into_iter()
            .filter(|s| !catalog.children(&s.code, year).is_empty())
            .collect();
        let mut chosen_items = Vec::new();
        if sections.is_empty() {
            chosen_items.push(vec![(category.code.clone(), category.name.clone())]);
        } else {
            let k = 1 + rng.below(sections.len().min(3));
            for section in rng.pick(&sections, k) {
                let items = catalog.children(&section.code, year);
                let n = 1 + rng.below(items.len().min(3));
                for item in rng.pick(&items, n) {
                    chosen_items.push(vec![
                        (category.code.clone(), category.name.clone()),
                        (section.code.clone(), section.name.clone()),
                        (item.code.clone(), item.name.clone()),
                    ]);
                }
            }
        }
        let weights: Vec<f64> = chosen_items.iter().map(|_| rng.uniform(0.2, 1.0)).collect();
        let actuals = split_exact(target.actual, &weights);
        let budget_weights: Vec<f64> = actuals
            .iter()
            .map(|&a| a as f64 * rng.uniform(0.85, 1.15) + 1.0)
            .collect();
        let budgets = split_exact(target.budget_initial, &budget_weights);
        for ((path, actual), budget_initial) in chosen_items.into_iter().zip(actuals).zip(budgets) {
            // 全年预算 = 决算 plus an unspent remainder of 0–4%.
            let budget_final = actual + (actual as f64 * rng.uniform(0.0, 0.04)).round() as i64;
            leaves.push(Leaf {
                path,
                actual,
                budget_initial,
                budget_final,
                basic: 0,
            });
        }
    }

    // Basic expenditure: weight running-cost leaves, cap at each leaf's total, hand out the
    // remainder to leaves with room, so the sum is exactly `basic_total`.
    let capacity: i64 = leaves.iter().map(|l| l.actual).sum();
    let basic_total = basic_total.min(capacity);
    let weights: Vec<f64> = leaves
        .iter()
        .map(|l| {
            let code = &l.path.last().map(|p| p.0.clone()).unwrap_or_default();
            let running = code.ends_with("01")
                || ["20805", "21011", "22102"]
                    .iter()
                    .any(|p| code.starts_with(p));
            l.actual as f64 * if running { 0.9 } else { 0.1 }
        })
        .collect();
    let mut wanted = split_exact(basic_total, &weights);
    let mut rest = 0;
    for (leaf, want) in leaves.iter_mut().zip(&mut wanted) {
        leaf.basic = (*want).min(leaf.actual);
        rest += *want - leaf.basic;
    }
    for leaf in leaves.iter_mut() {
        if rest == 0 {
            break;
        }
        let room = (leaf.actual - leaf.basic).min(rest);
        leaf.basic += room;
        rest -= room;
    }

    // Roll leaves up into printed lines, parents first, in code order.
    let mut lines: Vec<Line> = Vec::new();
    for leaf in &leaves {
        for (code, name) in &leaf.path {
            let line = match lines.iter_mut().find(|l| &l.code == code) {
                Some(line) => line,
                None => {
                    lines.push(Line {
                        code: code.clone(),
                        name: name.clone(),
                        actual: 0,
                        basic: 0,
                        project: 0,
                        budget_initial: 0,
                        budget_final: 0,
                    });
                    lines.last_mut().expect("just pushed")
                }
            };
            line.actual += leaf.actual;
            line.basic += leaf.basic;
            line.project += leaf.actual - leaf.basic;
            line.budget_initial += leaf.budget_initial;
            line.budget_final += leaf.budget_final;
        }
    }
    lines.sort_by(|a, b| a.code.cmp(&b.code));
    FundPlan { fund, lines }
}

/// The 三公 table: (budget, actual) for total, 因公出国（境）, 公务用车 小计, 购置, 运行维护, 公务接待.
#[derive(Debug, Clone, Copy)]
pub struct ThreePublic {
    pub overseas: (i64, i64),
    pub vehicle_purchase: (i64, i64),
    pub vehicle_operation: (i64, i64),
    pub reception: (i64, i64),
}

impl ThreePublic {
    pub fn vehicles(&self) -> (i64, i64) {
        (
            self.vehicle_purchase.0 + self.vehicle_operation.0,
            self.vehicle_purchase.1 + self.vehicle_operation.1,
        )
    }

    pub fn total(&self) -> (i64, i64) {
        let v = self.vehicles();
        (
            self.overseas.0 + v.0 + self.reception.0,
            self.overseas.1 + v.1 + self.reception.1,
        )
    }
}

/// Beijing's 政府采购情况表: planned and actual procurement of goods, works and services, and
/// the contracts awarded to small and medium firms.
#[derive(Debug, Clone, Copy)]
pub struct Procurement {
    /// 货物, 工程, 服务.
    pub planned: [i64; 3],
    pub actual: [i64; 3],
    pub sme: i64,
    pub small_micro: i64,
}

impl Procurement {
    pub fn total(&self) -> i64 {
        self.actual.iter().sum()
    }
}

/// One line of Beijing's 政府购买服务决算公开情况表.
#[derive(Debug, Clone)]
pub struct PurchasedService {
    pub project: String,
    pub content: String,
    pub amount: i64,
}

/// Everything printed in one unit's workbook for one year.
pub struct UnitYear {
    pub year: i32,
    pub unit_id: String,
    pub city: String,
    pub district: String,
    pub unit_name: String,
    pub general: FundPlan,
    pub government_fund: FundPlan,
    pub state_capital: FundPlan,
    pub three_public: ThreePublic,
    /// 基本支出 by economic code (code, name, amount), 类 rows included.
    pub basic_by_economic: Vec<(String, String, i64)>,
    /// 政府性基金 基本支出 by economic code, 类 rows included (empty when none).
    pub fund_basic_by_economic: Vec<(String, String, i64)>,
    pub procurement: Procurement,
    pub purchased_services: Vec<PurchasedService>,
}

impl UnitYear {
    pub fn funds(&self) -> [&FundPlan; 3] {
        [&self.general, &self.government_fund, &self.state_capital]
    }

    /// All funds merged by code: what the 支出决算表 and 收入决算表 print.
    pub fn all_funds(&self) -> FundPlan {
        let mut lines: Vec<Line> = Vec::new();
        for line in self.funds().into_iter().flat_map(|f| &f.lines) {
            match lines.iter_mut().find(|l| l.code == line.code) {
                Some(l) => {
                    l.actual += line.actual;
                    l.basic += line.basic;
                    l.project += line.project;
                    l.budget_initial += line.budget_initial;
                    l.budget_final += line.budget_final;
                }
                None => lines.push(line.clone()),
            }
        }
        lines.sort_by(|a, b| a.code.cmp(&b.code));
        FundPlan {
            fund: Fund::All,
            lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact_and_proportional() {
        let parts = split_exact(1_172_411, &[1.0, 2.0, 3.0]);
        assert_eq!(parts.iter().sum::<i64>(), 1_172_411);
        assert!(parts[0] < parts[1] && parts[1] < parts[2]);
        assert_eq!(split_exact(5, &[0.0, 0.0]), vec![3, 2]);
        assert_eq!(split_exact(0, &[1.0]), vec![0]);
    }

    #[test]
    fn rng_is_deterministic() {
        let a: Vec<u64> = (0..4)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a[0], Rng::new(8).next_u64());
    }
}
