//! Overrides and aliases for units (`config/units.toml`). Units need no registration: the
//! official divisions ([`crate::reference::divisions`]) identify any 街道, 镇 or 乡 and any district.
//! This file only gives a unit a chosen id and canonical name, other names documents use
//! for it, or adds a district that the divisions' edition does not have yet.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::reference::bundled::Files;
use crate::reference::catalog::hex;
pub use crate::reference::divisions::District;
use crate::reference::divisions::{Divisions, Level};
use crate::reference::text::name_key;

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
    /// The 9-digit 统计用区划代码; found from the name in the divisions when not given.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsFile {
    #[serde(default)]
    districts: Vec<District>,
    #[serde(default)]
    units: Vec<Unit>,
}

/// The official divisions plus the overrides of `units.toml`.
#[derive(Debug)]
pub struct UnitRegistry {
    /// Districts `units.toml` adds to the divisions.
    pub districts: Vec<District>,
    pub units: Vec<Unit>,
    pub divisions: Divisions,
    /// (district code, unit key) → index into `units`.
    by_key: HashMap<(String, String), usize>,
    /// 9-digit code → index into `units`.
    by_code: HashMap<String, usize>,
    /// District code → the district as the divisions give it, and the key of each name
    /// and alias of its listed units (index into `units`): what `unit_in_text` looks for.
    keys_by_district: HashMap<String, (Option<District>, Vec<(usize, String)>)>,
    /// sha256 of units.toml, part of the run fingerprint.
    pub version: String,
}

impl UnitRegistry {
    /// `units.toml` at `path` over the embedded divisions (tests, synth).
    pub fn load(path: &Path) -> Result<UnitRegistry> {
        UnitRegistry::from_sources(Some(path), &Files::Embedded("divisions"))
    }

    /// `units`: the overrides file, or `None` for the embedded one; `divisions`: where the
    /// division CSVs are.
    pub fn from_sources(units: Option<&Path>, divisions: &Files) -> Result<UnitRegistry> {
        let (text, origin) = match units {
            Some(path) => (
                std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?,
                path.display().to_string(),
            ),
            None => (
                String::from_utf8_lossy(
                    crate::reference::bundled::embedded("units.toml").unwrap_or_default(),
                )
                .into_owned(),
                "(embedded)/units.toml".to_string(),
            ),
        };
        let file: UnitsFile = toml::from_str(&text).map_err(|e| Error::Config {
            problems: vec![format!("{origin}: {e}")],
        })?;
        let divisions = Divisions::load(divisions, &file.districts)?;
        let version = hex(&Sha256::digest(text.as_bytes()))[..16].to_string();
        let registry = UnitRegistry::new(file.districts, file.units, divisions, version);
        let problems = registry.check();
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(Error::Config {
                problems: problems
                    .into_iter()
                    .map(|p| format!("{origin}: {p}"))
                    .collect(),
            })
        }
    }

    pub fn new(
        districts: Vec<District>,
        mut units: Vec<Unit>,
        divisions: Divisions,
        version: String,
    ) -> UnitRegistry {
        let mut by_key = HashMap::new();
        let mut by_code = HashMap::new();
        let mut keys_by_district: HashMap<String, (Option<District>, Vec<(usize, String)>)> =
            HashMap::new();
        for (i, unit) in units.iter_mut().enumerate() {
            let district = divisions.district(&unit.district_code);
            let (_, keys) = keys_by_district
                .entry(unit.district_code.clone())
                .or_insert_with(|| (district.clone(), Vec::new()));
            for name in std::iter::once(&unit.name).chain(&unit.aliases) {
                keys.push((i, unit_key(name, district.as_ref())));
            }
            if unit.code.is_none() {
                unit.code = township_code(&divisions, unit, district.as_ref());
            }
            if let Some(code) = &unit.code {
                by_code.insert(code.clone(), i);
            }
            for name in std::iter::once(&unit.name).chain(&unit.aliases) {
                by_key.insert(
                    (
                        unit.district_code.clone(),
                        unit_key(name, district.as_ref()),
                    ),
                    i,
                );
            }
        }
        UnitRegistry {
            districts,
            units,
            divisions,
            by_key,
            by_code,
            keys_by_district,
            version,
        }
    }

    /// Every problem: bad or duplicate district codes, units in unknown districts, ids or
    /// aliases claimed twice, a code that is not a township of the unit's district.
    pub fn check(&self) -> Vec<String> {
        let mut problems = self.divisions.check();
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
            let district = self.divisions.district(&u.district_code);
            if district.is_none() {
                problems.push(format!(
                    "unit {}: district {} is neither a division nor listed",
                    u.id, u.district_code
                ));
            }
            if let Some(code) = &u.code {
                let ok = code.len() == 9
                    && code.starts_with(&u.district_code)
                    && self
                        .divisions
                        .get(code)
                        .is_some_and(|d| d.level == Level::Township);
                if !ok {
                    problems.push(format!(
                        "unit {}: code {code} is not a township of district {}",
                        u.id, u.district_code
                    ));
                }
            }
            if ids.insert(u.id.clone(), ()).is_some() {
                problems.push(format!("unit id {} is listed twice", u.id));
            }
            for name in std::iter::once(&u.name).chain(&u.aliases) {
                let key = (u.district_code.clone(), unit_key(name, district.as_ref()));
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

    /// A district by its code: a division, or one `units.toml` adds.
    pub fn district_by_code(&self, code: &str) -> Option<District> {
        self.divisions.district(code).filter(|_| code.len() == 6)
    }

    pub fn unit(&self, district: &District, name: &str) -> Option<&Unit> {
        let key = unit_key(name, Some(district));
        self.by_key
            .get(&(district.code.clone(), key))
            .map(|&i| &self.units[i])
    }

    /// The override for a township code, if `units.toml` lists one.
    pub fn unit_by_code(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code).map(|&i| &self.units[i])
    }

    /// Finds a listed unit of `district` whose name or alias appears inside `text`.
    /// The longest match wins, so 广安门外街道 is not taken for 广安门内街道.
    pub fn unit_in_text(&self, district: &District, text: &str) -> Option<&Unit> {
        let key = name_key(text);
        let longest = |keys: &mut dyn Iterator<Item = (usize, &str)>| {
            keys.filter(|(_, k)| !k.is_empty() && key.contains(k))
                .max_by_key(|(_, k)| k.len())
                .and_then(|(i, _)| self.units.get(i))
        };
        match self.keys_by_district.get(&district.code) {
            // The keys were made with this very district (the usual case): no key is built.
            Some((Some(known), keys)) if known == district => {
                longest(&mut keys.iter().map(|(i, k)| (*i, k.as_str())))
            }
            Some((_, keys)) => {
                let made: Vec<(usize, String)> = keys
                    .iter()
                    .map(|&(i, _)| i)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .flat_map(|i| {
                        let u = &self.units[i];
                        std::iter::once(&u.name)
                            .chain(&u.aliases)
                            .map(move |n| (i, unit_key(n, Some(district))))
                    })
                    .collect();
                longest(&mut made.iter().map(|(i, k)| (*i, k.as_str())))
            }
            None => None,
        }
    }
}

/// The township of `district` that a listed unit's name or an alias names.
fn township_code(
    divisions: &Divisions,
    unit: &Unit,
    district: Option<&District>,
) -> Option<String> {
    let district = district?;
    std::iter::once(&unit.name)
        .chain(&unit.aliases)
        .find_map(|name| {
            let key = unit_key(name, Some(district));
            divisions
                .mentions(&key)
                .iter()
                .filter(|m| m.start == 0 && m.end == key.len())
                .flat_map(|m| divisions.candidates(m))
                .find(|c| {
                    c.division.level == Level::Township
                        && c.division.code.starts_with(&district.code)
                })
                .map(|c| c.division.code.clone())
        })
}

/// The key a unit name is matched by: width and whitespace folded, the city and district
/// prefix, a 人民政府 after them and a trailing 办事处 or 人民政府 removed
/// (新街口街道办事处 = 北京市西城区新街口街道, 某某镇人民政府 = 某某镇).
pub fn unit_key(name: &str, district: Option<&District>) -> String {
    let mut key = name_key(name);
    if let Some(d) = district {
        for prefix in [name_key(&d.city), name_key(&d.name)] {
            if let Some(rest) = key.strip_prefix(prefix.as_str()) {
                key = rest.to_string();
            }
        }
    }
    // 上海市普陀区人民政府长风新村街道办事处: the 办事处 of the district's 人民政府.
    if let Some(rest) = key.strip_prefix("人民政府").filter(|r| !r.is_empty()) {
        key = rest.to_string();
    }
    for suffix in ["办事处", "人民政府"] {
        if let Some(rest) = key.strip_suffix(suffix).filter(|r| !r.is_empty()) {
            return rest.to_string();
        }
    }
    key
}

/// A deterministic id for a unit that `units.toml` does not list: the district code and a
/// hash of its normalised name, so the same office gets the same id every night.
pub fn derived_unit_id(district: &District, name: &str) -> String {
    let key = unit_key(name, Some(district));
    let digest = Sha256::digest(key.as_bytes());
    format!("{}-x{}", district.code, &hex(&digest)[..10])
}

/// The embedded divisions and no listed unit, once, for the unit tests of every stage.
#[cfg(test)]
pub(crate) fn test_registry() -> &'static UnitRegistry {
    static REGISTRY: std::sync::OnceLock<UnitRegistry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        UnitRegistry::from_sources(
            None,
            &crate::reference::bundled::Files::Embedded("divisions"),
        )
        .expect("embedded units and divisions")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> UnitRegistry {
        let divisions = Divisions::load(&Files::Embedded("divisions"), &[]).expect("divisions");
        let unit = |id: &str, name: &str, aliases: &[&str]| Unit {
            id: id.into(),
            name: name.into(),
            district_code: "110102".into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            code: None,
        };
        UnitRegistry::new(
            vec![],
            vec![
                unit("110102-guanganmennei", "广安门内街道办事处", &[]),
                unit("110102-guanganmenwai", "广安门外街道办事处", &[]),
                unit("110102-xinjiekou", "新街口街道办事处", &["新街口街道"]),
            ],
            divisions,
            String::new(),
        )
    }

    #[test]
    fn units_match_by_name_alias_text_and_code() {
        let r = registry();
        let d = r.district_by_code("110102").unwrap();
        assert_eq!(
            r.unit(&d, "北京市西城区新街口街道办事处").unwrap().id,
            "110102-xinjiekou"
        );
        assert_eq!(r.unit(&d, "新街口街道").unwrap().id, "110102-xinjiekou");
        assert_eq!(
            r.unit_in_text(&d, "2023年度北京市西城区广安门外街道办事处部门决算")
                .unwrap()
                .id,
            "110102-guanganmenwai"
        );
        assert!(r.unit(&d, "月坛街道").is_none());
        // The official code is found from the name.
        assert_eq!(r.unit_by_code("110102003").unwrap().id, "110102-xinjiekou");
        assert!(r.check().is_empty(), "{:?}", r.check());
    }

    #[test]
    fn a_district_newer_than_the_edition_is_added_by_units_toml() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("units.toml");
        std::fs::write(
            &path,
            "[[districts]]\ncode = \"110199\"\nname = \"新设区\"\ncity = \"北京市\"\n",
        )
        .expect("write");
        let r = UnitRegistry::load(&path).expect("units.toml with a new district");
        let d = r.district_by_code("110199").expect("the added district");
        assert_eq!((d.name.as_str(), d.city.as_str()), ("新设区", "北京市"));
        let mut hints = crate::transform::identify::ContentHints::default();
        hints.offer("2025年度北京市新设区某某街道办事处部门决算");
        let path_hints = crate::transform::identify::PathHints::default();
        let id = crate::transform::identify::resolve(&r, &hints, &path_hints).expect("identified");
        assert_eq!(id.identity.district_code, "110199");
        assert_eq!(id.identity.unit_name, "某某街道办事处");
    }

    #[test]
    fn derived_ids_are_stable_and_name_based() {
        let r = registry();
        let d = r.district_by_code("110102").unwrap();
        let a = derived_unit_id(&d, "北京市西城区某某街道办事处");
        assert_eq!(a, derived_unit_id(&d, "某某街道"));
        assert!(a.starts_with("110102-x") && a.len() == "110102-x".len() + 10);
    }

    #[test]
    fn the_bundled_overrides_all_have_their_official_codes() {
        let r = UnitRegistry::from_sources(None, &Files::Embedded("divisions")).expect("units");
        assert!(r.check().is_empty());
        assert_eq!(r.units.len(), 15);
        assert!(r
            .units
            .iter()
            .all(|u| u.code.as_deref().is_some_and(|c| c.starts_with("110102"))));
    }
}
