//! Known 街道 and districts (`config/units.toml`): ids, canonical names, aliases and
//! GB/T 2260 district codes. A unit that is not listed still loads, with a deterministic id.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalog::hex;
use crate::error::{Error, Result};
use crate::transform::text::name_key;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// GB/T 2260 code, e.g. "110102".
    pub code: String,
    pub name: String,
    pub city: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Stable id, the same across years and file names.
    pub id: String,
    /// Canonical name, e.g. 新街口街道办事处.
    pub name: String,
    pub district_code: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsFile {
    #[serde(default)]
    districts: Vec<District>,
    #[serde(default)]
    units: Vec<Unit>,
}

/// Lookup tables over `units.toml`.
#[derive(Debug)]
pub struct UnitRegistry {
    pub districts: Vec<District>,
    pub units: Vec<Unit>,
    /// (district code, unit key) → index into `units`.
    by_key: HashMap<(String, String), usize>,
}

impl UnitRegistry {
    pub fn load(path: &Path) -> Result<UnitRegistry> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: UnitsFile = toml::from_str(&text).map_err(|e| Error::Config {
            problems: vec![format!("{}: {e}", path.display())],
        })?;
        let registry = UnitRegistry::new(file.districts, file.units);
        let problems = registry.check();
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(Error::Config {
                problems: problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", path.display()))
                    .collect(),
            })
        }
    }

    pub fn new(districts: Vec<District>, units: Vec<Unit>) -> UnitRegistry {
        let mut by_key = HashMap::new();
        for (i, unit) in units.iter().enumerate() {
            let district = districts.iter().find(|d| d.code == unit.district_code);
            for name in std::iter::once(&unit.name).chain(&unit.aliases) {
                by_key.insert((unit.district_code.clone(), unit_key(name, district)), i);
            }
        }
        UnitRegistry {
            districts,
            units,
            by_key,
        }
    }

    /// Every problem: duplicate ids or codes, units in unknown districts, aliases claimed
    /// by two units.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = HashMap::new();
        for d in &self.districts {
            if d.code.len() != 6 || !d.code.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(format!(
                    "district {}: code {:?} is not a 6-digit GB/T 2260 code",
                    d.name, d.code
                ));
            }
            if seen.insert(d.code.clone(), d.name.clone()).is_some() {
                problems.push(format!("district code {} is listed twice", d.code));
            }
        }
        let mut ids = HashMap::new();
        let mut keys: HashMap<(String, String), &str> = HashMap::new();
        for u in &self.units {
            let district = self.districts.iter().find(|d| d.code == u.district_code);
            if district.is_none() {
                problems.push(format!(
                    "unit {}: district {} is not listed",
                    u.id, u.district_code
                ));
            }
            if ids.insert(u.id.clone(), ()).is_some() {
                problems.push(format!("unit id {} is listed twice", u.id));
            }
            for name in std::iter::once(&u.name).chain(&u.aliases) {
                let key = (u.district_code.clone(), unit_key(name, district));
                if let Some(other) = keys.insert(key, &u.id) {
                    if other != u.id {
                        problems.push(format!(
                            "name {name:?} belongs to both {other} and {}",
                            u.id
                        ));
                    }
                }
            }
        }
        problems
    }

    pub fn district_by_name(&self, name: &str) -> Option<&District> {
        let key = name_key(name);
        self.districts.iter().find(|d| name_key(&d.name) == key)
    }

    pub fn district_by_code(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    /// Finds a district named inside free text ("2023年度北京市西城区新街口街道办事处部门决算").
    pub fn district_in_text(&self, text: &str) -> Option<&District> {
        let key = name_key(text);
        self.districts
            .iter()
            .find(|d| key.contains(&name_key(&d.name)))
    }

    pub fn unit(&self, district: &District, name: &str) -> Option<&Unit> {
        let key = unit_key(name, Some(district));
        self.by_key
            .get(&(district.code.clone(), key))
            .map(|&i| &self.units[i])
    }

    /// Finds a listed unit of `district` whose name or alias appears inside `text`.
    /// The longest match wins, so 广安门外街道 is not taken for 广安门内街道.
    pub fn unit_in_text(&self, district: &District, text: &str) -> Option<&Unit> {
        let key = name_key(text);
        self.units
            .iter()
            .filter(|u| u.district_code == district.code)
            .flat_map(|u| {
                std::iter::once(&u.name)
                    .chain(&u.aliases)
                    .map(move |n| (u, unit_key(n, Some(district))))
            })
            .filter(|(_, k)| !k.is_empty() && key.contains(k.as_str()))
            .max_by_key(|(_, k)| k.len())
            .map(|(u, _)| u)
    }
}

/// The key a unit name is matched by: width and whitespace folded, the city and district
/// prefix and a trailing 办事处 removed (新街口街道办事处 = 北京市西城区新街口街道).
pub fn unit_key(name: &str, district: Option<&District>) -> String {
    let mut key = name_key(name);
    if let Some(d) = district {
        for prefix in [name_key(&d.city), name_key(&d.name)] {
            if let Some(rest) = key.strip_prefix(prefix.as_str()) {
                key = rest.to_string();
            }
        }
    }
    key.strip_suffix("办事处")
        .map(str::to_string)
        .unwrap_or(key)
}

/// A deterministic id for a unit that `units.toml` does not list: the district code and a
/// hash of its normalised name, so the same office gets the same id every night.
pub fn derived_unit_id(district: &District, name: &str) -> String {
    let key = unit_key(name, Some(district));
    let digest = Sha256::digest(key.as_bytes());
    format!("{}-x{}", district.code, &hex(&digest)[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> UnitRegistry {
        UnitRegistry::new(
            vec![District {
                code: "110102".into(),
                name: "西城区".into(),
                city: "北京市".into(),
            }],
            vec![
                Unit {
                    id: "110102-guanganmennei".into(),
                    name: "广安门内街道办事处".into(),
                    district_code: "110102".into(),
                    aliases: vec![],
                },
                Unit {
                    id: "110102-guanganmenwai".into(),
                    name: "广安门外街道办事处".into(),
                    district_code: "110102".into(),
                    aliases: vec![],
                },
                Unit {
                    id: "110102-xinjiekou".into(),
                    name: "新街口街道办事处".into(),
                    district_code: "110102".into(),
                    aliases: vec!["新街口街道".into()],
                },
            ],
        )
    }

    #[test]
    fn units_match_by_name_alias_and_text() {
        let r = registry();
        let d = r.district_by_name("西城区").unwrap();
        assert_eq!(
            r.unit(d, "北京市西城区新街口街道办事处").unwrap().id,
            "110102-xinjiekou"
        );
        assert_eq!(r.unit(d, "新街口街道").unwrap().id, "110102-xinjiekou");
        assert_eq!(
            r.unit_in_text(d, "2023年度北京市西城区广安门外街道办事处部门决算")
                .unwrap()
                .id,
            "110102-guanganmenwai"
        );
        assert!(r.unit(d, "月坛街道").is_none());
        assert!(r.check().is_empty());
    }

    #[test]
    fn derived_ids_are_stable_and_name_based() {
        let r = registry();
        let d = r.district_by_name("西城区").unwrap();
        let a = derived_unit_id(d, "北京市西城区某某街道办事处");
        assert_eq!(a, derived_unit_id(d, "某某街道"));
        assert!(a.starts_with("110102-x") && a.len() == "110102-x".len() + 10);
    }
}
