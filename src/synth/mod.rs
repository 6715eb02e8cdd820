//! `juesuan synth`: a deterministic generator of realistic 决算公开 workbooks, written with a
//! real xlsx writer (rust_xlsxwriter), whose hierarchies sum exactly (项 → 款 → 类 → 合计)
//! and whose codes and names come from the catalogue.
//!
//! 新街口街道办事处 2023 carries every figure that its real published report states and a
//! table also states (income, 基本/项目支出, 一般公共预算 per 类 with 年初预算, 政府性基金
//! 229, 国有资本经营 18万元, 三公 by item, 公用经费 = 机关运行经费); its 2022 total matches the
//! report's "比上年减少1170.82万元". Everything else is synthetic.

pub mod plan;
pub mod workbook;

use std::path::PathBuf;

use crate::cli::SynthArgs;
use crate::config::Config;
use crate::error::Result;
use crate::model::Fund;
use crate::reference::catalog::Catalog;
use crate::reference::units::UnitRegistry;
use plan::{
    build_fund, split_exact, CategoryTarget, FundPlan, Procurement, PurchasedService, Rng,
    ThreePublic, UnitYear,
};

/// 一般公共预算 categories a 街道 spends on, with a typical share of its spending.
const TYPICAL_SHARES: &[(&str, f64)] = &[
    ("201", 0.29),
    ("203", 0.001),
    ("204", 0.004),
    ("205", 0.02),
    ("207", 0.003),
    ("208", 0.41),
    ("210", 0.04),
    ("211", 0.006),
    ("212", 0.19),
    ("221", 0.017),
];

/// 新街口街道办事处 2023, from the published report (0.01 万元): actual and 年初预算 per 类
/// (年初预算 = 决算 ∓ the stated difference).
const XINJIEKOU_2023: &[(&str, i64, i64)] = &[
    ("201", 1_172_411, 1_246_580),
    ("203", 2_874, 4_184),
    ("204", 15_469, 16_802),
    ("205", 118_451, 48_769),
    ("207", 6_535, 2_500),
    ("208", 1_657_018, 1_849_244),
    ("210", 158_235, 131_253),
    ("211", 25_652, 0),
    ("212", 772_377, 940_129),
    ("221", 67_539, 64_551),
];
const XINJIEKOU_ID: &str = "110102-xinjiekou";

pub fn run(args: &SynthArgs) -> Result<Vec<PathBuf>> {
    let config = Config::locate(args.config.as_deref())?;
    let catalog = Catalog::from_files(&config.catalog_files())?;
    let units = UnitRegistry::from_sources(config.units.as_deref(), &config.division_files())?;
    let district = units
        .district_by_code("110102")
        .ok_or_else(|| crate::Error::Config {
            problems: vec!["units.toml: district 110102 (西城区) is needed by synth".into()],
        })?;
    let listed: Vec<(String, String)> = units
        .units
        .iter()
        .filter(|u| u.district_code == district.code)
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let mut written = Vec::new();
    for &year in &args.years {
        for i in 0..args.units {
            let (id, name) = listed.get(i).cloned().unwrap_or_else(|| {
                (
                    format!("synthetic-{i}"),
                    format!("合成第{}街道办事处", i + 1),
                )
            });
            let unit_year = generate(
                &catalog,
                args.seed,
                &id,
                &name,
                &district.city,
                &district.name,
                year,
            );
            let dir = args
                .out
                .join(year.to_string())
                .join(&district.name)
                .join(&name);
            std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
            let path = dir.join(format!("{year}年度{name}部门决算公开报表.xlsx"));
            written.extend(workbook::write(&unit_year, &path)?);
        }
    }
    tracing::info!(files = written.len(), out = %args.out.display(), "synthetic corpus written");
    Ok(written)
}

fn seed_for(seed: u64, unit_id: &str, year: i32) -> u64 {
    // FNV-1a over the unit id, mixed with the seed and year: independent of how many units
    // are generated, so unit k's figures do not change when --units grows.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in unit_id.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ seed.rotate_left(17) ^ (year as u64).wrapping_mul(0x9E37_79B9)
}

pub fn generate(
    catalog: &Catalog,
    seed: u64,
    unit_id: &str,
    unit_name: &str,
    city: &str,
    district: &str,
    year: i32,
) -> UnitYear {
    let mut rng = Rng::new(seed_for(seed, unit_id, year));
    let is_xinjiekou = unit_id == XINJIEKOU_ID;
    let (targets, basic, fund_229, state_223, three_public) = if is_xinjiekou && year == 2023 {
        let targets: Vec<CategoryTarget> = XINJIEKOU_2023
            .iter()
            .map(|&(code, actual, budget_initial)| CategoryTarget {
                code,
                actual,
                budget_initial,
            })
            .collect();
        let three = ThreePublic {
            overseas: (0, 0),
            vehicle_purchase: (0, 0),
            vehicle_operation: (0, 53),
            reception: (517, 0),
        };
        (
            targets,
            1_079_586,
            Some((222, 304)),
            Some((1_800, 1_800)),
            three,
        )
    } else {
        synthetic_targets(&mut rng, is_xinjiekou, year)
    };
    let general = build_fund(
        catalog,
        year,
        Fund::GeneralPublic,
        &targets,
        basic,
        &mut rng,
    );
    let one = |code: &'static str, v: Option<(i64, i64)>, basic: i64, fund: Fund, rng: &mut Rng| {
        match v {
            Some((actual, budget_initial)) => build_fund(
                catalog,
                year,
                fund,
                &[CategoryTarget {
                    code,
                    actual,
                    budget_initial,
                }],
                basic,
                rng,
            ),
            None => FundPlan {
                fund,
                lines: Vec::new(),
            },
        }
    };
    // Figures added after the first corpus come from a second stream, so that the first
    // stream (and every figure drawn from it) stays as it was.
    let mut extra = Rng::new(seed_for(seed, unit_id, year) ^ 0x00B1_7AB1_E500);
    // 政府性基金 spending is mostly project spending; other units pay some running costs too.
    let fund_basic = match fund_229 {
        Some((actual, _)) if !is_xinjiekou => (actual as f64 * extra.uniform(0.1, 0.4)) as i64,
        _ => 0,
    };
    let government_fund = one("229", fund_229, fund_basic, Fund::GovernmentFund, &mut rng);
    let state_capital = one("223", state_223, 0, Fund::StateCapital, &mut rng);
    // 公用经费 (302 + 310): for 新街口 2023 the report's 机关运行经费 771.91万元.
    let public_costs = if is_xinjiekou && year == 2023 {
        77_191
    } else {
        (basic as f64 * rng.uniform(0.05, 0.09)).round() as i64
    };
    // The contributions paid from the 项 named for them, as units customarily book them.
    let customary: Vec<(&str, i64)> = CUSTOMARY
        .iter()
        .map(|(economic, item)| {
            let basic = general
                .lines
                .iter()
                .filter(|l| l.code.starts_with(item) && l.code.len() == 7)
                .map(|l| l.basic)
                .sum();
            (*economic, basic)
        })
        .filter(|(_, basic)| *basic > 0)
        .collect();
    let basic_by_economic =
        economic_split(catalog, year, basic, public_costs, &customary, &mut rng);
    // All of it 公用经费 (302, 310); lines without an amount are not printed.
    let mut fund_basic_by_economic =
        economic_split(catalog, year, fund_basic, fund_basic, &[], &mut extra);
    fund_basic_by_economic.retain(|row| row.2 != 0);
    let general_total = general.total(|l| l.actual);
    let (procurement, purchased_services) = if is_xinjiekou && year == 2023 {
        (XINJIEKOU_2023_PROCUREMENT, xinjiekou_purchased_services())
    } else {
        (
            synthetic_procurement(general_total, &mut extra),
            synthetic_services(general_total, &mut extra),
        )
    };
    UnitYear {
        year,
        unit_id: unit_id.to_string(),
        city: city.to_string(),
        district: district.to_string(),
        unit_name: unit_name.to_string(),
        general,
        government_fund,
        state_capital,
        three_public,
        basic_by_economic,
        fund_basic_by_economic,
        procurement,
        purchased_services,
    }
}

/// 新街口 2023 政府采购, from the report: 货物 61.16, 工程 1707.81, 服务 6145.99 (total
/// 7914.96), 中小企业 5157.94, 小微企业 4080.3 万元. The plan column is synthetic.
const XINJIEKOU_2023_PROCUREMENT: Procurement = Procurement {
    planned: [6_500, 180_000, 640_000],
    actual: [6_116, 170_781, 614_599],
    sme: 515_794,
    small_micro: 408_030,
};

/// 新街口 2023 政府购买服务决算 5973.31万元 (the report), over synthetic lines.
fn xinjiekou_purchased_services() -> Vec<PurchasedService> {
    let lines = [
        ("社区综合服务", "社区公共服务", 210_446),
        ("城市管理辅助服务", "城市维护管理服务", 188_623),
        ("养老助残服务", "养老服务", 112_010),
        ("平安建设辅助服务", "公共安全服务", 86_252),
    ];
    debug_assert_eq!(lines.iter().map(|l| l.2).sum::<i64>(), 597_331);
    lines
        .iter()
        .map(|&(project, content, amount)| PurchasedService {
            project: project.into(),
            content: content.into(),
            amount,
        })
        .collect()
}

fn synthetic_procurement(general_total: i64, rng: &mut Rng) -> Procurement {
    let total = (general_total as f64 * rng.uniform(0.08, 0.25)) as i64;
    let weights = [
        rng.uniform(0.0, 0.1),
        rng.uniform(0.0, 0.4),
        rng.uniform(0.5, 1.0),
    ];
    let parts = split_exact(total, &weights);
    let actual = [parts[0], parts[1], parts[2]];
    let planned = actual.map(|a| (a as f64 * rng.uniform(1.0, 1.15)) as i64);
    let sme = (total as f64 * rng.uniform(0.5, 0.8)) as i64;
    let small_micro = (sme as f64 * rng.uniform(0.6, 0.85)) as i64;
    Procurement {
        planned,
        actual,
        sme,
        small_micro,
    }
}

fn synthetic_services(general_total: i64, rng: &mut Rng) -> Vec<PurchasedService> {
    const CATALOGUE: [(&str, &str); 6] = [
        ("社区综合服务", "社区公共服务"),
        ("城市管理辅助服务", "城市维护管理服务"),
        ("养老助残服务", "养老服务"),
        ("环境卫生保洁服务", "环境治理服务"),
        ("法律顾问服务", "法律服务"),
        ("平安建设辅助服务", "公共安全服务"),
    ];
    let total = (general_total as f64 * rng.uniform(0.05, 0.18)) as i64;
    let k = 2 + rng.below(4);
    let chosen = rng.pick(&CATALOGUE, k);
    let weights: Vec<f64> = chosen.iter().map(|_| rng.uniform(0.2, 1.0)).collect();
    chosen
        .into_iter()
        .zip(split_exact(total, &weights))
        .map(|(&(project, content), amount)| PurchasedService {
            project: project.into(),
            content: content.into(),
            amount,
        })
        .collect()
}

type Targets = (
    Vec<CategoryTarget>,
    i64,
    Option<(i64, i64)>,
    Option<(i64, i64)>,
    ThreePublic,
);

fn synthetic_targets(rng: &mut Rng, is_xinjiekou: bool, year: i32) -> Targets {
    // 新街口 2022: all funds 41156.65万元, so that 2023's "比上年减少1170.82万元" holds.
    let (general_total, fund_229, state_223) = if is_xinjiekou && year == 2022 {
        (4_115_665 - 310, Some((310, 350)), None)
    } else {
        let total = (rng.uniform(18_000.0, 42_000.0) * 100.0).round() as i64;
        let fund = (rng.uniform(0.0, 1.0) < 0.5).then(|| {
            let a = (rng.uniform(1.0, 30.0) * 100.0).round() as i64;
            (a, (a as f64 * rng.uniform(1.0, 1.4)).round() as i64)
        });
        let state = (rng.uniform(0.0, 1.0) < 0.3).then(|| {
            let a = (rng.uniform(5.0, 40.0) * 100.0).round() as i64;
            (a, a)
        });
        (total, fund, state)
    };
    let mut chosen: Vec<(&str, f64)> = Vec::new();
    for &(code, share) in TYPICAL_SHARES {
        // Small categories (国防, 文化, 节能环保) appear in some units only.
        if share > 0.01 || is_xinjiekou || code == "204" || rng.uniform(0.0, 1.0) < 0.6 {
            chosen.push((code, share * rng.uniform(0.6, 1.4)));
        }
    }
    let actuals = split_exact(
        general_total,
        &chosen.iter().map(|c| c.1).collect::<Vec<_>>(),
    );
    let targets = chosen
        .iter()
        .zip(actuals)
        .map(|(&(code, _), actual)| {
            let budget_initial = if actual < 50_000 && rng.uniform(0.0, 1.0) < 0.1 {
                0
            } else {
                (actual as f64 * rng.uniform(0.8, 1.25)).round() as i64
            };
            CategoryTarget {
                code,
                actual,
                budget_initial,
            }
        })
        .collect();
    let basic = (general_total as f64 * rng.uniform(0.22, 0.32)).round() as i64;
    let operation_budget = (rng.uniform(0.0, 10.0) * 100.0).round() as i64;
    let reception_budget = (rng.uniform(0.0, 6.0) * 100.0).round() as i64;
    let three = ThreePublic {
        overseas: (0, 0),
        vehicle_purchase: (0, 0),
        vehicle_operation: (
            operation_budget,
            (operation_budget as f64 * rng.uniform(0.3, 1.0)).round() as i64,
        ),
        reception: (
            reception_budget,
            (reception_budget as f64 * rng.uniform(0.0, 0.9)).round() as i64,
        ),
    };
    (targets, basic, fund_229, state_223, three)
}

/// The economic 款 of 301 that are, by custom, the 基本支出 of one function 项 (or of the
/// 项 of one 款): what juesuan's `tables.customary` check expects.
const CUSTOMARY: [(&str, &str); 4] = [
    ("30108", "2080505"),
    ("30109", "2080506"),
    ("30110", "21011"),
    ("30113", "2210201"),
];

/// 基本支出 by 经济分类: 人员经费 (301 + 303) and 公用经费 (302 + 310), each 类 split over a
/// few of its 款 from the catalogue. The 301 款 in `customary` take their amounts from the
/// function 项 that pay them (when 301 can hold them); the others share the rest. The
/// random draws are the same whatever `customary` holds, so the other figures stay put.
fn economic_split(
    catalog: &Catalog,
    year: i32,
    basic: i64,
    public_costs: i64,
    customary: &[(&str, i64)],
    rng: &mut Rng,
) -> Vec<(String, String, i64)> {
    let personnel = basic - public_costs;
    let p301 = (personnel as f64 * rng.uniform(0.82, 0.9)).round() as i64;
    let p302 = (public_costs as f64 * rng.uniform(0.95, 0.99)).round() as i64;
    let totals = [
        ("301", p301),
        ("302", p302),
        ("303", personnel - p301),
        ("310", public_costs - p302),
    ];
    let mut rows = Vec::new();
    for (category, total) in totals {
        let Some(cat) = catalog.economic(category, year) else {
            continue;
        };
        rows.push((cat.code.clone(), cat.name.clone(), total));
        let sections: Vec<(String, String)> = (1..100)
            .map(|k| format!("{category}{k:02}"))
            .filter_map(|code| {
                catalog
                    .economic(&code, year)
                    .map(|r| (r.code.clone(), r.name.clone()))
            })
            .collect();
        let k = 2 + rng.below(sections.len().saturating_sub(2).min(4) + 1);
        let chosen = rng.pick(&sections, k.min(sections.len()));
        let weights: Vec<f64> = chosen.iter().map(|_| rng.uniform(0.1, 1.0)).collect();
        // 30111 公务员医疗补助缴费 is paid from 21011 with 30110: not drawn beside it.
        let is_customary =
            |code: &str| code == "30111" || CUSTOMARY.iter().any(|(c, _)| *c == code);
        if category == "301" && !customary.is_empty() {
            // The customary lines at their amounts when 301 can hold them (else none is
            // printed); the rest over the other chosen 款 (or 30101 基本工资 when every
            // chosen one was customary).
            let fixed: i64 = customary.iter().map(|(_, v)| v).sum();
            let customary = if fixed < total { customary } else { &[] };
            let fixed = if fixed < total { fixed } else { 0 };
            let mut free: Vec<(&(String, String), f64)> = chosen
                .iter()
                .copied()
                .zip(weights.iter().copied())
                .filter(|((code, _), _)| !is_customary(code))
                .collect();
            if free.is_empty() {
                let first = sections.iter().find(|(code, _)| code.ends_with("01"));
                free.extend(first.map(|f| (f, 1.0)));
            }
            let w: Vec<f64> = free.iter().map(|(_, w)| *w).collect();
            let mut lines: Vec<(String, String, i64)> = free
                .iter()
                .zip(split_exact(total - fixed, &w))
                .map(|(((code, name), _), amount)| (code.clone(), name.clone(), amount))
                .collect();
            for (code, amount) in customary {
                if let Some((c, n)) = sections.iter().find(|(c, _)| c == code) {
                    lines.push((c.clone(), n.clone(), *amount));
                }
            }
            lines.sort_by(|a, b| a.0.cmp(&b.0));
            rows.extend(lines);
            continue;
        }
        for ((code, name), amount) in chosen.into_iter().zip(split_exact(total, &weights)) {
            rows.push((code.clone(), name.clone(), amount));
        }
    }
    rows
}
