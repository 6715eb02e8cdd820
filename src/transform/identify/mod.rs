//! Decides which unit and year a document belongs to, from what it says about itself first
//! (its title or heading: "2023年度北京市西城区新街口街道办事处部门决算", "编制单位：…"), then
//! its file name, then its folders. The district and the unit are found among the official
//! divisions (`crate::reference::divisions`), so any 街道, 镇 or 乡 of any province is identified with
//! its 9-digit code and nothing has to be registered; `units.toml` only overrides ids and
//! names. A department (上海市普陀区财政局) is identified by its district and printed name.
//!
//! Rules, in order:
//! 1. Every division named in the texts is found. A township name is the unit when one
//!    division of that name fits the districts, cities and provinces named around it
//!    (新街口街道 is in 北京市西城区 and 南京市玄武区: a 西城区 or a 北京市 anywhere decides).
//! 2. The township is the unit itself only when nothing but 办事处 / 人民政府 follows its
//!    name; "…街道社区卫生服务中心" is another unit in that township (no unit code).
//! 3. Without a township, the district is the county-level division named (decided the same
//!    way when its name is shared: 普陀区 is in 上海市 and 舟山市), else a city or province
//!    (its departments). The unit is then the printed name, never a generic word.
//! 4. A name that several divisions share and nothing decides is a reject naming them all.

use std::path::Path;

mod names;

use names::{canonical_name, looks_like_township, township_unit_name, unit_rest};
pub use names::{meaningful, printed_unit_name, strip_areas};

use crate::model::UnitIdentity;
use crate::reference::divisions::{Candidate, District, Divisions, Level, Mention};
use crate::reference::text::{fold_width, name_key};
use crate::reference::units::{derived_unit_id, UnitRegistry};

mod hints;
pub use hints::*;

/// A resolved identity plus anything worth a warning (a township-like name that is not an
/// official division, a former district, path and content disagreeing).
#[derive(Debug)]
pub struct Resolution {
    pub identity: UnitIdentity,
    pub warnings: Vec<String>,
}

/// Where a text came from, in the order they are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Document,
    FileName,
    Folder,
}

/// One text with the divisions named in it.
struct Seen<'a> {
    origin: Origin,
    text: &'a str,
    key: String,
    mentions: Vec<Mention>,
}

pub fn resolve(
    registry: &UnitRegistry,
    content: &ContentHints,
    path: &PathHints,
) -> Result<Resolution, String> {
    let divisions = &registry.divisions;
    let mut warnings = Vec::new();
    let year = match (content.year(), path.year) {
        (Some(c), Some(p)) if c != p => {
            warnings.push(format!(
                "the document says {c} but its path says {p}; using {c}"
            ));
            c
        }
        (Some(y), _) | (None, Some(y)) => y,
        (None, None) => {
            return Err(
                "no year in the document's title, its file name or a <year> folder of its path"
                    .into(),
            )
        }
    };

    let texts = content
        .texts
        .iter()
        .map(|t| (Origin::Document, t.as_str()))
        .chain(path.file.iter().map(|f| (Origin::FileName, f.as_str())))
        .chain(path.folders.iter().map(|f| (Origin::Folder, f.as_str())));
    let seen: Vec<Seen> = texts
        .map(|(origin, text)| {
            let key = name_key(text);
            Seen {
                origin,
                text,
                mentions: divisions.mentions(&key),
                key,
            }
        })
        .collect();
    let context = Context::new(divisions, &seen);

    let mut ambiguous: Vec<String> = Vec::new();
    let located = match find_township(divisions, &seen, &context, &mut ambiguous) {
        Some(found) => Some(found),
        None => find_district(divisions, &seen, &context, &mut ambiguous).map(Located::District),
    };
    let Some(located) = located else {
        return Err(if ambiguous.is_empty() {
            format!(
                "no district, city or 街道 named in the document's title, its file name or its folders ({})",
                path.folders.iter().rev().cloned().collect::<Vec<_>>().join("/")
            )
        } else {
            format!(
                "the unit's name is shared by several divisions and nothing in the document or its path decides: {}",
                ambiguous.join("; ")
            )
        });
    };

    let (district, township, within) = match &located {
        Located::Township {
            candidate,
            seen_at,
            mention,
        } => {
            let code = &candidate.division.code;
            let district = divisions
                .district(&code[..6])
                .or_else(|| divisions.upper_district(&code[..4]))
                .ok_or_else(|| format!("township {code} has no district in the divisions"))?;
            let rest = unit_rest(&seen[*seen_at].key[mention.end..]);
            if rest.is_empty() {
                (district, Some(candidate.division), None)
            } else {
                // "…街道社区卫生服务中心": another unit, located in the township.
                let printed = printed_unit_name(seen[*seen_at].text);
                (district, None, printed)
            }
        }
        Located::District(found) => (found.district.clone(), None, None),
    };
    if let Located::District(found) = &located {
        if let Some(former) = &found.former {
            warnings.push(former.clone());
        }
    }

    // units.toml overrides: a listed unit by code, or by name in the texts or the path.
    // (Not by name when the document is another unit inside a listed township.)
    let listed = township
        .and_then(|t| registry.unit_by_code(&t.code))
        .or_else(|| {
            content
                .texts
                .iter()
                .chain(path.file.iter())
                .filter(|_| within.is_none())
                .find_map(|t| registry.unit_in_text(&district, t))
        })
        .or_else(|| {
            path.unit
                .as_deref()
                .and_then(|u| registry.unit(&district, u))
        });
    let (unit_id, unit_code, unit_name) = match (listed, township) {
        (Some(unit), t) => (
            unit.id.clone(),
            unit.code.clone().or_else(|| t.map(|t| t.code.clone())),
            unit.name.clone(),
        ),
        (None, Some(t)) => (
            t.code.clone(),
            Some(t.code.clone()),
            township_unit_name(&t.name),
        ),
        (None, None) => {
            let unit_like = |name: &String| meaningful(divisions, name);
            // The unit folder names the unit as the collector filed it: its name as is
            // when the title rules cut it short.
            let folder = path.unit.as_deref().and_then(|u| {
                printed_unit_name(u)
                    .filter(unit_like)
                    .or_else(|| Some(name_key(u)).filter(unit_like))
            });
            let printed = within
                .filter(unit_like)
                .or_else(|| {
                    seen.iter()
                        .filter(|s| s.origin != Origin::Folder)
                        .find_map(|s| printed_unit_name(s.text).filter(unit_like))
                })
                .or(folder)
                .ok_or_else(|| {
                    format!(
                        "no unit name in the document's title (编制单位), its file name or its path; district {} {}",
                        district.code, district.name
                    )
                })?;
            let name = canonical_name(divisions, &district, &printed);
            let id = derived_unit_id(&district, &name);
            if looks_like_township(&name) {
                warnings.push(format!(
                    "unit {name:?} is not a township of {} in the {} 统计用区划代码; loaded with derived id {id} and no unit code",
                    divisions.full_name(&district.code),
                    EDITION
                ));
            }
            (id, None, name)
        }
    };
    Ok(Resolution {
        identity: UnitIdentity {
            year,
            city: district.city.clone(),
            district: district.name.clone(),
            district_code: district.code.clone(),
            unit_id,
            unit_code,
            unit_name,
        },
        warnings,
    })
}

/// The edition of the bundled divisions, for messages.
const EDITION: &str = "2023";

/// The district (GB/T 2260 code) that a path alone names, by the same rules as [`resolve`]
/// on its folders and file name: where an input belongs before it is read (sharding).
pub fn path_district(registry: &UnitRegistry, path: &PathHints) -> Option<String> {
    let divisions = &registry.divisions;
    let texts = path
        .file
        .iter()
        .map(|f| (Origin::FileName, f.as_str()))
        .chain(path.folders.iter().map(|f| (Origin::Folder, f.as_str())));
    let seen: Vec<Seen> = texts
        .map(|(origin, text)| {
            let key = name_key(text);
            Seen {
                origin,
                text,
                mentions: divisions.mentions(&key),
                key,
            }
        })
        .collect();
    let context = Context::new(divisions, &seen);
    let mut ambiguous = Vec::new();
    if let Some(Located::Township { candidate, .. }) =
        find_township(divisions, &seen, &context, &mut ambiguous)
    {
        let code = &candidate.division.code;
        return divisions
            .district(&code[..6])
            .or_else(|| divisions.upper_district(&code[..4]))
            .map(|d| d.code.clone());
    }
    find_district(divisions, &seen, &context, &mut ambiguous).map(|f| f.district.code.clone())
}

enum Located<'a> {
    Township {
        candidate: Candidate<'a>,
        seen_at: usize,
        mention: Mention,
    },
    District(FoundDistrict),
}

struct FoundDistrict {
    district: District,
    /// A note when the text named a former division.
    former: Option<String>,
}

/// The province-, city- and county-level divisions named anywhere: what decides between
/// divisions that share a name.
struct Context {
    /// Per mention (of any text), the codes it may stand for.
    areas: Vec<Vec<String>>,
    /// Whether any text names a county-level division.
    has_county: bool,
}

impl Context {
    fn new(divisions: &Divisions, seen: &[Seen]) -> Context {
        let mut areas = Vec::new();
        let mut has_county = false;
        for s in seen {
            for m in &s.mentions {
                let codes: Vec<String> = divisions
                    .candidates(m)
                    .filter(|c| c.division.level != Level::Township)
                    .map(|c| c.division.code.clone())
                    .collect();
                if codes.is_empty() {
                    continue;
                }
                has_county |= divisions
                    .candidates(m)
                    .any(|c| c.division.level == Level::County);
                areas.push(codes);
            }
        }
        Context { areas, has_county }
    }

    /// How many named areas contain `code` (a province contains its cities, counties …).
    /// A mention counts once, however many of its readings fit.
    fn support(&self, code: &str) -> usize {
        self.areas
            .iter()
            .filter(|codes| {
                codes
                    .iter()
                    .any(|a| a != code && code.starts_with(a.as_str()))
            })
            .count()
    }

    /// Whether some named county-level area contains `code`.
    fn county_fits(&self, code: &str) -> bool {
        self.areas.iter().any(|codes| {
            codes
                .iter()
                .any(|a| a.len() == 6 && code.starts_with(a.as_str()))
        })
    }
}

/// The readings of a mention at one level that the context supports best; `None` when a
/// county is named and no reading lies in it (the name is not this document's unit).
fn best<'a>(
    divisions: &'a Divisions,
    context: &Context,
    m: &Mention,
    level: Level,
) -> Option<Vec<Candidate<'a>>> {
    let mut candidates: Vec<Candidate> = divisions
        .candidates(m)
        .filter(|c| c.division.level == level)
        .collect();
    candidates.sort_by(|a, b| a.division.code.cmp(&b.division.code));
    candidates.dedup_by(|a, b| a.division.code == b.division.code);
    if candidates.is_empty() {
        return None;
    }
    if level == Level::Township
        && context.has_county
        && !candidates
            .iter()
            .any(|c| context.county_fits(&c.division.code))
    {
        return None;
    }
    let top = candidates
        .iter()
        .map(|c| context.support(&c.division.code))
        .max()
        .unwrap_or(0);
    Some(
        candidates
            .into_iter()
            .filter(|c| context.support(&c.division.code) == top)
            .collect(),
    )
}

/// Keeps each ambiguity once, for the reject.
fn note_ambiguous(ambiguous: &mut Vec<String>, note: String) {
    if !ambiguous.contains(&note) {
        ambiguous.push(note);
    }
}

fn describe(divisions: &Divisions, name: &str, candidates: &[Candidate]) -> String {
    let places: Vec<String> = candidates
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                divisions.full_name(&c.division.code),
                c.division.code
            )
        })
        .collect();
    format!("{name} is {}", places.join(" or "))
}

/// The township that is the document's unit, from the first text that names one. A text of
/// the document that names a department (上海市普陀区财政局) ends the search: a 街道 named
/// further down (in its 职能, say) is not the unit.
fn find_township<'a>(
    divisions: &'a Divisions,
    seen: &[Seen],
    context: &Context,
    ambiguous: &mut Vec<String>,
) -> Option<Located<'a>> {
    for (i, s) in seen.iter().enumerate() {
        let mut named = false;
        for m in &s.mentions {
            let Some(best) = best(divisions, context, m, Level::Township) else {
                continue;
            };
            named = true;
            if let [one] = best[..] {
                return Some(Located::Township {
                    candidate: one,
                    seen_at: i,
                    mention: *m,
                });
            }
            note_ambiguous(ambiguous, describe(divisions, divisions.name_of(m), &best));
        }
        if named {
            // The text that names the unit's township could not decide which: nothing
            // further down may.
            return None;
        }
        let department = s.origin == Origin::Document
            && !s.mentions.is_empty()
            && printed_unit_name(s.text).is_some_and(|n| meaningful(divisions, &n));
        if department {
            return None;
        }
    }
    None
}

fn find_district(
    divisions: &Divisions,
    seen: &[Seen],
    context: &Context,
    ambiguous: &mut Vec<String>,
) -> Option<FoundDistrict> {
    for level in [Level::County, Level::City, Level::Province] {
        for s in seen {
            for m in &s.mentions {
                let Some(best) = best(divisions, context, m, level) else {
                    continue;
                };
                let [one] = best[..] else {
                    note_ambiguous(ambiguous, describe(divisions, divisions.name_of(m), &best));
                    continue;
                };
                let code = &one.division.code;
                let district = if level == Level::County {
                    divisions.district(code)
                } else {
                    divisions.upper_district(code)
                }?;
                let former = one.former.map(|f| {
                    format!(
                        "the document names {} ({}), {} into {} {} in {}; filed under {}",
                        f.name,
                        f.code,
                        if f.kind == "renamed" {
                            "renamed"
                        } else {
                            "merged"
                        },
                        district.code,
                        district.name,
                        f.changed,
                        district.code
                    )
                });
                return Some(FoundDistrict { district, former });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
