//! The function-classification catalogue: versioned CSV in `config/classification/`,
//! loaded once per run and shared read-only by every extractor.
//!
//! Files (one row per code per validity period, each with its evidence):
//! - `functions.csv`: 支出功能分类 类/款/项 (`code,level,parent,name,valid_from,valid_to,evidence,source`)
//! - `aliases.csv`: other names of a code (`code,alias,kind,valid_from,valid_to,evidence,source`)
//! - `crosswalk.csv`: codes renumbered between years (`from_code,to_code,year,kind,evidence,source`)
//! - `cofog.csv`: 类 → COFOG division (proposed mapping)
//! - `economic.csv`: 部门预算支出经济分类, matched by code only

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::Level;
use crate::reference::bundled::Files;
use crate::reference::text::name_key;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRow {
    pub code: String,
    pub level: String,
    pub parent: String,
    pub name: String,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
    pub evidence: String,
    pub source: String,
    /// `name_key` of the name, made once at load: what printed names are compared with.
    #[serde(skip)]
    pub key: String,
}

impl CodeRow {
    fn valid_in(&self, year: i32) -> bool {
        self.valid_from.is_none_or(|from| from <= year) && self.valid_to.is_none_or(|to| year <= to)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasRow {
    pub code: String,
    pub alias: String,
    pub kind: String,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
    pub evidence: String,
    pub source: String,
    /// `name_key` of the alias, made once at load.
    #[serde(skip)]
    pub key: String,
}

/// A code replaced by another from `year` on (renumbered, merged into another, moved to
/// another 款). Renames that keep the code are periods of `functions.csv` instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkRow {
    pub from_code: String,
    pub to_code: String,
    /// First fiscal year of `to_code`; `from_code` is valid up to the year before.
    pub year: i32,
    pub kind: String,
    pub evidence: String,
    pub source: String,
}

const CROSSWALK_KINDS: [&str; 3] = ["renumbered", "merged", "moved"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CofogRow {
    pub category_code: String,
    pub cofog_division: String,
    pub evidence: String,
    pub note: String,
}

/// The loaded catalogue. Lookups are hash-map hits; nothing scans the rows per cell.
#[derive(Debug)]
pub struct Catalog {
    functions: crate::FastMap<String, Vec<CodeRow>>,
    aliases: crate::FastMap<String, Vec<AliasRow>>,
    crosswalk: crate::FastMap<String, Vec<CrosswalkRow>>,
    cofog: crate::FastMap<String, String>,
    economic: crate::FastMap<String, Vec<CodeRow>>,
    /// The 类 codes (three digits), sorted: what a name without a code is looked up among.
    categories: Vec<String>,
    /// `sha256:` of the catalogue files' bytes, first 16 hex digits: changes when any row does.
    pub version: String,
    /// Where the CSVs were read from.
    pub files: Files,
}

const EVIDENCE: [&str; 3] = ["observed", "official", "proposed"];
const ALIAS_KINDS: [&str; 3] = ["former", "variant", "misprint"];

impl Catalog {
    /// The catalogue CSVs in a directory.
    pub fn load(dir: &Path) -> Result<Catalog> {
        Catalog::from_files(&Files::Dir(dir.to_path_buf()))
    }

    /// The catalogue CSVs from a directory or the embedded copy.
    pub fn from_files(files: &Files) -> Result<Catalog> {
        let mut hasher = Sha256::new();
        let mut functions: Vec<CodeRow> = read_csv(files, "functions.csv", &mut hasher)?;
        let mut aliases: Vec<AliasRow> = read_csv(files, "aliases.csv", &mut hasher)?;
        let cofog: Vec<CofogRow> = read_csv(files, "cofog.csv", &mut hasher)?;
        // Optional: a catalogue without renumbered codes needs no crosswalk file.
        let crosswalk: Vec<CrosswalkRow> = if files.read("crosswalk.csv")?.is_some() {
            read_csv(files, "crosswalk.csv", &mut hasher)?
        } else {
            Vec::new()
        };
        let mut economic: Vec<CodeRow> = read_csv(files, "economic.csv", &mut hasher)?;
        for row in functions.iter_mut().chain(&mut economic) {
            row.key = name_key(&row.name);
        }
        for row in &mut aliases {
            row.key = name_key(&row.alias);
        }
        let digest = hasher.finalize();
        let version = format!("sha256:{}", &hex(&digest)[..16]);

        let mut catalog = Catalog {
            functions: crate::FastMap::default(),
            aliases: crate::FastMap::default(),
            crosswalk: crate::FastMap::default(),
            cofog: cofog
                .into_iter()
                .filter(|r| !r.cofog_division.is_empty())
                .map(|r| (r.category_code, r.cofog_division))
                .collect(),
            economic: crate::FastMap::default(),
            categories: Vec::new(),
            version,
            files: files.clone(),
        };
        for row in functions {
            catalog
                .functions
                .entry(row.code.clone())
                .or_default()
                .push(row);
        }
        for row in aliases {
            catalog
                .aliases
                .entry(row.code.clone())
                .or_default()
                .push(row);
        }
        for row in crosswalk {
            catalog
                .crosswalk
                .entry(row.from_code.clone())
                .or_default()
                .push(row);
        }
        for row in economic {
            catalog
                .economic
                .entry(row.code.clone())
                .or_default()
                .push(row);
        }
        catalog.categories = catalog
            .functions
            .keys()
            .filter(|c| c.len() == 3)
            .cloned()
            .collect();
        catalog.categories.sort();
        Ok(catalog)
    }

    /// The catalogue row of a function code valid in `year`.
    pub fn function(&self, code: &str, year: i32) -> Option<&CodeRow> {
        self.functions.get(code)?.iter().find(|r| r.valid_in(year))
    }

    /// The code that replaced `code` by `year`, when `code` is not valid in `year` itself:
    /// chains (a → b → c) are followed to a code valid in `year`.
    pub fn crosswalk(&self, code: &str, year: i32) -> Option<&CrosswalkRow> {
        if self.function(code, year).is_some() {
            return None;
        }
        let mut current = code;
        for _ in 0..8 {
            let row = self
                .crosswalk
                .get(current)?
                .iter()
                .filter(|r| r.year <= year)
                .max_by_key(|r| r.year)?;
            if self.function(&row.to_code, year).is_some() {
                return Some(row);
            }
            current = &row.to_code;
        }
        None
    }

    /// Every name the code is known by in `year` besides its canonical one.
    pub fn aliases(&self, code: &str, year: i32) -> impl Iterator<Item = &AliasRow> {
        self.aliases
            .get(code)
            .into_iter()
            .flatten()
            .filter(move |a| {
                a.valid_from.is_none_or(|f| f <= year) && a.valid_to.is_none_or(|t| year <= t)
            })
    }

    /// Rows of this code valid in other years (renamed codes).
    pub fn other_periods(&self, code: &str, year: i32) -> impl Iterator<Item = &CodeRow> {
        self.functions
            .get(code)
            .into_iter()
            .flatten()
            .filter(move |r| !r.valid_in(year))
    }

    /// The 类 a printed name denotes in `year` ("一般公共服务", "国防支出", "文化体育与传媒"):
    /// its code, and `crosswalked` when the name is the code's name of another period.
    pub fn category_by_name(
        &self,
        name: &str,
        year: i32,
    ) -> Option<(String, crate::model::ClassificationStatus)> {
        use crate::model::ClassificationStatus;
        use crate::reference::text::strip_ordinal;
        let key = name_key(strip_ordinal(name));
        let keys = [key.clone(), format!("{key}支出")];
        let matches = |n: &str| keys.iter().any(|k| k == n);
        let codes = &self.categories;
        if let Some(code) = codes
            .iter()
            .find(|c| self.function(c, year).is_some_and(|r| matches(&r.key)))
        {
            return Some((code.to_string(), ClassificationStatus::ResolvedByName));
        }
        if let Some(code) = codes
            .iter()
            .find(|c| self.other_periods(c, year).any(|r| matches(&r.key)))
        {
            return Some((code.to_string(), ClassificationStatus::Crosswalked));
        }
        codes
            .iter()
            .find(|c| self.aliases(c, year).any(|a| matches(&a.key)))
            .map(|c| (c.to_string(), ClassificationStatus::ResolvedByName))
    }

    pub fn cofog(&self, category_code: &str) -> Option<&str> {
        self.cofog.get(category_code).map(String::as_str)
    }

    pub fn economic(&self, code: &str, year: i32) -> Option<&CodeRow> {
        self.economic.get(code)?.iter().find(|r| r.valid_in(year))
    }

    /// Function codes valid in `year`, sorted: the generator draws from these.
    pub fn functions_in(&self, year: i32) -> Vec<&CodeRow> {
        valid_in_year(&self.functions, year)
    }

    /// Economic codes valid in `year`, sorted.
    pub fn economic_in(&self, year: i32) -> Vec<&CodeRow> {
        valid_in_year(&self.economic, year)
    }

    /// Children of a code valid in `year`, sorted by code.
    pub fn children(&self, parent: &str, year: i32) -> Vec<&CodeRow> {
        self.functions_in(year)
            .into_iter()
            .filter(|r| r.parent == parent)
            .collect()
    }

    /// All problems in the catalogue: bad levels, missing parents, overlapping periods,
    /// aliases of unknown codes, unknown evidence kinds. Empty means valid.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        check_codes("functions.csv", &self.functions, &[3, 5, 7], &mut problems);
        check_codes("economic.csv", &self.economic, &[3, 5], &mut problems);
        let mut alias_codes: Vec<&String> = self.aliases.keys().collect();
        alias_codes.sort();
        for code in alias_codes {
            if !self.functions.contains_key(code) && !self.economic.contains_key(code) {
                problems.push(format!(
                    "aliases.csv: alias of {code}, which is not in functions.csv or economic.csv"
                ));
            }
            for a in &self.aliases[code] {
                if !ALIAS_KINDS.contains(&a.kind.as_str()) {
                    problems.push(format!(
                        "aliases.csv: {code} {:?}: kind {:?} is not one of {ALIAS_KINDS:?}",
                        a.alias, a.kind
                    ));
                }
                if !EVIDENCE.contains(&a.evidence.as_str()) {
                    problems.push(format!(
                        "aliases.csv: {code} {:?}: evidence {:?} is not one of {EVIDENCE:?}",
                        a.alias, a.evidence
                    ));
                }
            }
        }
        let mut moved: Vec<&CrosswalkRow> = self.crosswalk.values().flatten().collect();
        moved.sort_by(|a, b| (&a.from_code, a.year).cmp(&(&b.from_code, b.year)));
        for (i, row) in moved.iter().enumerate() {
            let (from, to, year) = (&row.from_code, &row.to_code, row.year);
            let at = format!("crosswalk.csv: {from} → {to} ({year})");
            if !CROSSWALK_KINDS.contains(&row.kind.as_str()) {
                problems.push(format!(
                    "{at}: kind {:?} is not one of {CROSSWALK_KINDS:?}",
                    row.kind
                ));
            }
            if !EVIDENCE.contains(&row.evidence.as_str()) {
                problems.push(format!(
                    "{at}: evidence {:?} is not one of {EVIDENCE:?}",
                    row.evidence
                ));
            }
            if from.len() != to.len() {
                problems.push(format!("{at}: the codes are of different levels"));
            }
            match self.functions.get(from.as_str()) {
                None => problems.push(format!("{at}: {from} is not in functions.csv")),
                Some(_) if self.function(from, year).is_some() => problems.push(format!(
                    "{at}: {from} is still valid in {year}, so the replacement is ambiguous"
                )),
                Some(periods) if !periods.iter().any(|r| r.valid_to.is_some_and(|t| t < year)) => {
                    problems.push(format!(
                        "{at}: no period of {from} in functions.csv ends before {year}"
                    ))
                }
                Some(_) => {}
            }
            if self.function(to, year).is_none() {
                problems.push(format!("{at}: {to} is not in functions.csv for {year}"));
            }
            if moved[..i]
                .iter()
                .any(|other| other.from_code == *from && other.year == year)
            {
                problems.push(format!("{at}: {from} is replaced twice in {year}"));
            }
        }
        let mut cofog: Vec<(&String, &String)> = self.cofog.iter().collect();
        cofog.sort();
        for (category, division) in cofog {
            if category.len() != 3 || !self.functions.contains_key(category) {
                problems.push(format!(
                    "cofog.csv: {category} is not a 类 of functions.csv"
                ));
            }
            if !matches!(division.parse::<u8>(), Ok(1..=10)) || division.len() != 2 {
                problems.push(format!(
                    "cofog.csv: {category}: division {division:?} is not 01..10"
                ));
            }
        }
        problems
    }
}

/// The row of each code valid in `year`, sorted by code.
fn valid_in_year(codes: &crate::FastMap<String, Vec<CodeRow>>, year: i32) -> Vec<&CodeRow> {
    let mut rows: Vec<&CodeRow> = codes
        .values()
        .filter_map(|periods| periods.iter().find(|r| r.valid_in(year)))
        .collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    rows
}

/// Problems of one code file: levels that do not fit the code, parents that are missing or
/// wrong, unknown evidence kinds, overlapping validity periods of one code.
fn check_codes(
    file: &str,
    codes_map: &crate::FastMap<String, Vec<CodeRow>>,
    lengths: &[usize],
    problems: &mut Vec<String>,
) {
    let mut codes: Vec<&String> = codes_map.keys().collect();
    codes.sort();
    for code in codes {
        let periods = &codes_map[code];
        for row in periods {
            let expected = Level::from_len(row.code.len()).map(Level::chinese);
            if !row.code.bytes().all(|b| b.is_ascii_digit())
                || !lengths.contains(&row.code.len())
                || expected != Some(row.level.as_str())
            {
                problems.push(format!(
                    "{file}: {code}: level {} does not fit a code of {} digits",
                    row.level,
                    row.code.len()
                ));
            }
            let parent = if row.code.len() > 3 {
                &row.code[..row.code.len() - 2]
            } else {
                ""
            };
            if row.parent != parent {
                problems.push(format!(
                    "{file}: {code}: parent {:?}, expected {parent:?}",
                    row.parent
                ));
            } else if !parent.is_empty() && !codes_map.contains_key(parent) {
                problems.push(format!(
                    "{file}: {code}: parent {parent} is not in the catalogue"
                ));
            }
            if !EVIDENCE.contains(&row.evidence.as_str()) {
                problems.push(format!(
                    "{file}: {code}: evidence {:?} is not one of {EVIDENCE:?}",
                    row.evidence
                ));
            }
        }
        for (i, a) in periods.iter().enumerate() {
            for b in &periods[i + 1..] {
                let a_from = a.valid_from.unwrap_or(i32::MIN);
                let a_to = a.valid_to.unwrap_or(i32::MAX);
                let b_from = b.valid_from.unwrap_or(i32::MIN);
                let b_to = b.valid_to.unwrap_or(i32::MAX);
                if a_from <= b_to && b_from <= a_to {
                    problems.push(format!(
                        "{file}: {code}: periods of {:?} and {:?} overlap",
                        a.name, b.name
                    ));
                }
            }
        }
    }
}

fn read_csv<T: for<'de> Deserialize<'de>>(
    files: &Files,
    name: &str,
    hasher: &mut Sha256,
) -> Result<Vec<T>> {
    let bytes = files.require(name)?;
    hasher.update(&bytes);
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let mut rows = Vec::new();
    for (i, record) in reader.deserialize().enumerate() {
        rows.push(record.map_err(|e| Error::Catalog {
            path: files.path_of(name),
            line: i + 2,
            reason: e.to_string(),
        })?);
    }
    Ok(rows)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
