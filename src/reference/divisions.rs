//! The official divisions: the National Bureau of Statistics' 统计用区划代码 (2023 edition,
//! `config/divisions/`): 31 provinces, 342 cities, 2,978 county-level divisions and 41,352
//! township-level units (街道, 镇, 乡) with their codes, plus former county-level divisions
//! that were merged or renamed (`history.csv`). A parent's code is always the prefix of its
//! children's: township 110102003 is in county 110102, city 1101, province 11.
//!
//! [`Divisions::mentions`] finds every division named in a text in one pass (Aho-Corasick,
//! leftmost-longest, over the width-folded text without whitespace, so a name wrapped
//! across lines is still found). Deciding which of them is the document's unit is
//! `transform::identify`'s job.

use std::collections::HashMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::reference::bundled::Files;
use crate::reference::catalog::hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province,
    City,
    County,
    Township,
}

impl Level {
    pub fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Division {
    pub code: String,
    pub name: String,
    pub level: Level,
}

/// A county-level division that no longer exists under this code and name.
#[derive(Debug, Clone, Deserialize)]
pub struct Former {
    pub code: String,
    pub name: String,
    /// Year of the change: documents of later years should not name it.
    pub changed: i32,
    pub successor_code: String,
    /// `merged` or `renamed`.
    pub kind: String,
    pub source: String,
}

/// What one name in the text may stand for.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    Current(usize),
    Former(usize),
}

/// One division name found in a text (byte offsets into the searched key).
#[derive(Debug, Clone, Copy)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pattern: usize,
}

/// A district as the warehouse's identity columns need it (also a `[[districts]]` entry of
/// `units.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// GB/T 2260 code, 6 digits.
    pub code: String,
    pub name: String,
    /// The city (地级) name, or the province's for municipalities and counties directly
    /// under a province (北京市, 仙桃市's 湖北省).
    pub city: String,
}

/// City rows that are groupings, not places: never matched in text, never a city name.
const GROUPINGS: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

pub struct Divisions {
    all: Vec<Division>,
    by_code: crate::FastMap<String, usize>,
    formers: Vec<Former>,
    /// Pattern id → what the name may stand for.
    entries: Vec<Vec<Entry>>,
    /// The names, searched all at once.
    matcher: Matcher,
    /// City names that `units.toml` gives its own districts.
    city_override: HashMap<String, String>,
    /// sha256 of the files read, first 16 hex digits.
    pub version: String,
}

impl std::fmt::Debug for Divisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Divisions")
            .field("divisions", &self.all.len())
            .field("formers", &self.formers.len())
            .field("version", &self.version)
            .finish()
    }
}

/// Every name, found leftmost-longest by direct lookup: at each position of the text, the
/// byte lengths of the names that start with its character, longest first, each looked up
/// in a hash map. Building it is one pass over the names (an automaton over 45,000 names
/// took ≈ 0.15 s of CPU to build, serially, before the first input was read); a title of
/// 30 characters costs a few dozen lookups.
struct Matcher {
    patterns: Vec<String>,
    /// Name → pattern id.
    ids: crate::FastMap<Box<str>, usize>,
    /// First character of a name → the byte lengths of the names that start with it,
    /// longest first.
    lengths: crate::FastMap<char, Vec<usize>>,
}

impl Matcher {
    fn new(patterns: Vec<String>) -> Matcher {
        let mut ids = crate::FastMap::default();
        ids.reserve(patterns.len());
        let mut lengths: crate::FastMap<char, Vec<usize>> = crate::FastMap::default();
        for (i, p) in patterns.iter().enumerate() {
            let Some(first) = p.chars().next() else {
                continue;
            };
            ids.entry(Box::from(p.as_str())).or_insert(i);
            lengths.entry(first).or_default().push(p.len());
        }
        for l in lengths.values_mut() {
            l.sort_unstable_by(|a, b| b.cmp(a));
            l.dedup();
        }
        Matcher {
            patterns,
            ids,
            lengths,
        }
    }

    /// The non-overlapping leftmost-longest matches in `text`, left to right.
    fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Mention> + 't {
        let mut at = 0;
        std::iter::from_fn(move || {
            while let Some(first) = text.get(at..).and_then(|t| t.chars().next()) {
                let start = at;
                let found = self.lengths.get(&first).and_then(|lengths| {
                    lengths.iter().find_map(|&len| {
                        let end = start.checked_add(len)?;
                        let pattern = *self.ids.get(text.get(start..end)?)?;
                        Some(Mention {
                            start,
                            end,
                            pattern,
                        })
                    })
                });
                match found {
                    Some(m) => {
                        at = m.end;
                        return Some(m);
                    }
                    None => at += first.len_utf8(),
                }
            }
            None
        })
    }
}

#[derive(Deserialize)]
struct Row {
    code: String,
    name: String,
}

impl Divisions {
    /// Reads the four division CSVs and `history.csv`; `extra` are districts that
    /// `units.toml` adds (a county created after the edition, or another name for one).
    pub fn load(files: &Files, extra: &[District]) -> Result<Divisions> {
        let mut hasher = Sha256::new();
        let mut all = Vec::new();
        for (name, level) in [
            ("provinces.csv", Level::Province),
            ("cities.csv", Level::City),
            ("counties.csv", Level::County),
            ("townships.csv", Level::Township),
        ] {
            let bytes = files.require(name)?;
            hasher.update(&bytes);
            // One division per line: reserved at once (45,000 rows grown one by one were a
            // measurable part of the serial start).
            all.reserve(memchr::memchr_iter(b'\n', &bytes).count());
            for (line, row) in read_rows::<Row>(files, name, &bytes)? {
                if row.code.len() != level.code_len()
                    || !row.code.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(Error::Catalog {
                        path: files.path_of(name),
                        line,
                        reason: format!("code {:?} is not {} digits", row.code, level.code_len()),
                    });
                }
                all.push(Division {
                    code: row.code,
                    name: row.name,
                    level,
                });
            }
        }
        let formers = match files.read("history.csv")? {
            Some(bytes) => {
                hasher.update(&bytes);
                read_rows::<Former>(files, "history.csv", &bytes)?
                    .into_iter()
                    .map(|(_, f)| f)
                    .collect()
            }
            None => Vec::new(),
        };
        let mut city_override = HashMap::new();
        for d in extra {
            hasher.update(d.code.as_bytes());
            hasher.update(d.name.as_bytes());
            let known = all.iter().any(|a| a.code == d.code);
            if known && all.iter().any(|a| a.code == d.code && a.name == d.name) {
                continue; // listed for documentation only: the division already says it
            }
            if !known {
                city_override.insert(d.code.clone(), d.city.clone());
            }
            // A new district, or another name for an existing code.
            all.push(Division {
                code: d.code.clone(),
                name: d.name.clone(),
                level: Level::County,
            });
        }
        let version = format!("sha256:{}", &hex(&hasher.finalize())[..16]);
        Divisions::build(all, formers, city_override, version)
    }

    fn build(
        all: Vec<Division>,
        formers: Vec<Former>,
        city_override: HashMap<String, String>,
        version: String,
    ) -> Result<Divisions> {
        let mut by_code = crate::FastMap::default();
        by_code.reserve(all.len());
        // Every matchable name with what it stands for, grouped by one stable sort: currents
        // before formers, each in file order (no map of 45,000 names built and emptied again).
        let mut named: Vec<(&str, Entry)> = Vec::with_capacity(all.len() + formers.len());
        for (i, d) in all.iter().enumerate() {
            // The first row of a code wins: units.toml may add a name for an existing code.
            by_code.entry(d.code.clone()).or_insert(i);
            if matchable(d) {
                named.push((d.name.as_str(), Entry::Current(i)));
            }
        }
        named.extend(
            formers
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.as_str(), Entry::Former(i))),
        );
        named.sort_by(|a, b| a.0.cmp(b.0));
        let mut patterns: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<Entry>> = Vec::new();
        for (name, entry) in &named {
            match patterns.last() {
                Some(last) if last == name => {
                    if let Some(e) = entries.last_mut() {
                        e.push(*entry);
                    }
                }
                _ => {
                    patterns.push((*name).to_string());
                    entries.push(vec![*entry]);
                }
            }
        }
        drop(named);
        let matcher = Matcher::new(patterns);
        Ok(Divisions {
            all,
            by_code,
            formers,
            entries,
            matcher,
            city_override,
            version,
        })
    }

    /// Every division named in `key` (a text already passed through `name_key`), left to right.
    pub fn mentions(&self, key: &str) -> Vec<Mention> {
        self.matcher.find_iter(key).collect()
    }

    /// The name a mention matched.
    pub fn name_of(&self, m: &Mention) -> &str {
        &self.matcher.patterns[m.pattern]
    }

    /// What a mention may stand for: current divisions, and former ones (by their successor).
    pub fn candidates(&self, m: &Mention) -> impl Iterator<Item = Candidate<'_>> + '_ {
        self.entries[m.pattern]
            .iter()
            .filter_map(move |e| match *e {
                Entry::Current(i) => Some(Candidate {
                    division: &self.all[i],
                    former: None,
                }),
                Entry::Former(i) => {
                    let f = &self.formers[i];
                    let idx = *self.by_code.get(&f.successor_code)?;
                    Some(Candidate {
                        division: &self.all[idx],
                        former: Some(f),
                    })
                }
            })
    }

    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code).map(|&i| &self.all[i])
    }

    /// The district (county-level division) of a 6-digit code, with its city's name.
    pub fn district(&self, code: &str) -> Option<District> {
        let d = self.get(code)?;
        let city = match self.city_override.get(code) {
            Some(city) => city.clone(),
            None => self.city_name(code),
        };
        Some(District {
            code: d.code.clone(),
            name: d.name.clone(),
            city,
        })
    }

    /// A district for a department of a city or province (上海市财政局): the code padded
    /// to six digits (310000, 320100), named after the division itself.
    pub fn upper_district(&self, code: &str) -> Option<District> {
        let d = self.get(code)?;
        let padded = format!("{:0<6}", d.code);
        Some(District {
            code: padded,
            name: d.name.clone(),
            city: self.city_name(code),
        })
    }

    /// The 地级 name of any code: the city, or the province where the city row is a
    /// grouping (市辖区) or the code is a province.
    pub fn city_name(&self, code: &str) -> String {
        let province = code
            .get(..2)
            .and_then(|p| self.get(p))
            .map(|d| d.name.clone());
        let city = code
            .get(..4)
            .and_then(|c| self.get(c))
            .filter(|c| !GROUPINGS.contains(&c.name.as_str()))
            .map(|c| c.name.clone());
        city.or(province).unwrap_or_default()
    }

    /// "上海市普陀区" / "浙江省舟山市普陀区": a division with its parents, for messages.
    pub fn full_name(&self, code: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for len in [2, 4, 6, 9] {
            if len > code.len() {
                break;
            }
            if let Some(d) = self.get(&code[..len]) {
                if !GROUPINGS.contains(&d.name.as_str())
                    && parts.last().is_none_or(|last| *last != d.name)
                {
                    parts.push(&d.name);
                }
            }
        }
        parts.concat()
    }

    /// Number of divisions per level, for `validate`.
    pub fn counts(&self) -> [usize; 4] {
        let mut n = [0; 4];
        for d in &self.all {
            n[d.level as usize] += 1;
        }
        n
    }

    /// Every problem with the files: former divisions whose successor is unknown.
    pub fn check(&self) -> Vec<String> {
        self.formers
            .iter()
            .filter(|f| self.get(&f.successor_code).is_none())
            .map(|f| {
                format!(
                    "divisions/history.csv: {} {}: successor {} is not a division",
                    f.code, f.name, f.successor_code
                )
            })
            .collect()
    }
}

/// One reading of a mention.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub division: &'a Division,
    /// Set when the text named a former division; `division` is its successor.
    pub former: Option<&'a Former>,
}

/// Whether a name is looked for in texts. Grouping rows (市辖区) are not places, and a
/// township name of two characters that is not `…镇`/`…乡` (城区, 城南, 永兴, 街道) is a
/// common word more often than a place.
fn matchable(d: &Division) -> bool {
    match d.level {
        Level::City => !GROUPINGS.contains(&d.name.as_str()),
        Level::Township => d.name.chars().count() > 2 || d.name.ends_with(['镇', '乡']),
        _ => true,
    }
}

fn read_rows<T: for<'de> Deserialize<'de>>(
    files: &Files,
    name: &str,
    bytes: &[u8],
) -> Result<Vec<(usize, T)>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let mut rows = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count());
    for (i, record) in reader.deserialize().enumerate() {
        let row = record.map_err(|e| Error::Catalog {
            path: files.path_of(name),
            line: i + 2,
            reason: e.to_string(),
        })?;
        rows.push((i + 2, row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::text::name_key;

    fn divisions() -> Divisions {
        Divisions::load(&Files::Embedded("divisions"), &[]).expect("embedded divisions")
    }

    #[test]
    fn the_2023_edition_is_complete() {
        let d = divisions();
        assert_eq!(d.counts(), [31, 342, 2978, 41352]);
        assert!(d.check().is_empty(), "{:?}", d.check());
        assert_eq!(
            d.get("110102003").map(|d| d.name.as_str()),
            Some("新街口街道")
        );
        assert_eq!(
            d.get("310107014").map(|d| d.name.as_str()),
            Some("长风新村街道")
        );
        assert_eq!(
            d.district("110102"),
            Some(District {
                code: "110102".into(),
                name: "西城区".into(),
                city: "北京市".into()
            })
        );
        assert_eq!(d.district("330903").map(|d| d.city), Some("舟山市".into()));
        assert_eq!(d.full_name("330903"), "浙江省舟山市普陀区");
        assert_eq!(d.full_name("310107014"), "上海市普陀区长风新村街道");
        assert_eq!(
            d.upper_district("3201").map(|d| d.code),
            Some("320100".into())
        );
    }

    #[test]
    fn mentions_are_found_in_wrapped_titles() {
        let d = divisions();
        let key = name_key("上海市普陀区人民政府长风新村\n街道办事处 2025\n年度部门决算");
        let names: Vec<&str> = d.mentions(&key).iter().map(|m| d.name_of(m)).collect();
        assert_eq!(names, ["上海市", "普陀区", "长风新村街道"]);
        let putuo = d.mentions(&key)[1];
        let mut codes: Vec<&str> = d
            .candidates(&putuo)
            .map(|c| c.division.code.as_str())
            .collect();
        codes.sort();
        assert_eq!(codes, ["310107", "330903"]);
        // A former district stands for its successor.
        let key = name_key("2009年度北京市宣武区牛街街道办事处");
        let m = d.mentions(&key);
        let xuanwu = m.iter().find(|m| d.name_of(m) == "宣武区").expect("宣武区");
        let c: Vec<_> = d.candidates(xuanwu).collect();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].division.code, "110102");
        assert_eq!(c[0].former.map(|f| f.changed), Some(2010));
        // Common two-character words are no township.
        let key = name_key("永兴城南桐湖");
        assert!(d
            .mentions(&key)
            .iter()
            .all(|m| d.candidates(m).all(|c| c.division.level != Level::Township)));
    }

    /// The lookup scan finds what a leftmost-longest automaton over the same names finds
    /// (the semantics the identification was written against), on texts made of every
    /// name run together, overlapping one another, cut mid-name and mixed with other text.
    #[test]
    fn the_name_scan_agrees_with_a_leftmost_longest_automaton() {
        let d = divisions();
        let patterns = &d.matcher.patterns;
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(patterns)
            .expect("automaton");
        let expected = |text: &str| -> Vec<(usize, usize, usize)> {
            automaton
                .find_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect()
        };
        let found = |text: &str| -> Vec<(usize, usize, usize)> {
            d.mentions(text)
                .iter()
                .map(|m| (m.start, m.end, m.pattern))
                .collect()
        };
        let mut texts: Vec<String> = Vec::new();
        for chunk in patterns.chunks(7) {
            texts.push(chunk.concat());
            // Each name cut after its first character, and run into the next one.
            texts.push(
                chunk
                    .iter()
                    .map(|p| p.chars().skip(1).collect::<String>() + "办事处")
                    .collect(),
            );
        }
        for w in patterns.windows(2).step_by(97) {
            texts.push(format!("2023年度{}{}人民政府{}部门决算", w[0], w[1], &w[0]));
        }
        texts.push(name_key(
            "上海市普陀区人民政府长风新村\n街道办事处 2025\n年度部门决算",
        ));
        texts.push(String::new());
        texts.push("abc 123 ".into());
        let mut matched = 0;
        for t in &texts {
            let e = expected(t);
            matched += e.len();
            assert_eq!(found(t), e, "{t}");
        }
        assert!(matched > patterns.len(), "{matched} matches");
    }
}
