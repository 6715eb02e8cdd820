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

pub use names::printed_unit_name;
use names::{canonical_name, looks_like_township, meaningful, township_unit_name, unit_rest};

use crate::model::UnitIdentity;
use crate::reference::divisions::{Candidate, District, Divisions, Level, Mention};
use crate::reference::text::{fold_width, name_key};
use crate::reference::units::{derived_unit_id, UnitRegistry};

/// What a document says about itself.
#[derive(Debug, Default, Clone)]
pub struct ContentHints {
    /// Texts that may name the year, district and unit: titles, 编制单位 lines, in the
    /// order of the document (the title first).
    pub texts: Vec<String>,
}

/// Words in a text that make it worth keeping as a hint.
const HINT_WORDS: [&str; 12] = [
    "年",
    "单位",
    "部门",
    "街道",
    "办事处",
    "人民政府",
    "区",
    "县",
    "市",
    "镇",
    "乡",
    "局",
];

impl ContentHints {
    /// Keeps a text if it can say something about identity.
    pub fn offer(&mut self, text: &str) {
        let text = text.trim();
        let useful = !text.is_empty() && HINT_WORDS.iter().any(|w| text.contains(w));
        if useful && self.texts.len() < 16 && !self.texts.iter().any(|t| t == text) {
            self.texts.push(text.to_string());
        }
    }

    /// Offers a document's opening lines as one title: lines up to and including the first
    /// that says 决算 (at most four), joined, so that a title wrapped over lines
    /// ("中共上海市普陀区委" / "社会工作部 2024 年度" / "部门决算") is one text.
    pub fn offer_title<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) {
        let mut title = String::new();
        for line in lines.into_iter().filter(|l| !l.trim().is_empty()).take(4) {
            title.push_str(line.trim());
            if line.contains("决算") {
                break;
            }
        }
        if title.contains("决算") {
            self.offer(&title);
        }
    }

    fn year(&self) -> Option<i32> {
        self.texts.iter().find_map(|t| year_in(t))
    }
}

/// "2023年度…" → 2023. Only years 2000–2099 followed by 年 count.
pub fn year_in(text: &str) -> Option<i32> {
    let folded = fold_width(text);
    let bytes = folded.as_bytes();
    folded.match_indices('年').find_map(|(pos, _)| {
        let head = folded[..pos].trim_end();
        let digits = head.len().checked_sub(4)?;
        // Four bytes back may land inside a Chinese character: then it is no year.
        let candidate = head.get(digits..)?;
        let before_is_digit = digits > 0 && bytes[digits - 1].is_ascii_digit();
        if before_is_digit || !candidate.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = candidate.parse().ok()?;
        (2000..2100).contains(&year).then_some(year)
    })
}

/// What a path `…/<year>/<district>/<unit>/<file>` says, and the file name itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathHints {
    pub year: Option<i32>,
    pub district: Option<String>,
    pub unit: Option<String>,
    /// The file name without its extension.
    pub file: Option<String>,
    /// Every folder between the input root and the file, nearest first.
    pub folders: Vec<String>,
}

impl crate::extract::Input {
    /// What the input's path says about whose document it is.
    pub fn path_hints(&self) -> PathHints {
        PathHints::from_relative(Path::new(&self.relative))
    }
}

impl PathHints {
    pub fn from_relative(relative: &Path) -> PathHints {
        let parts: Vec<String> = relative
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let file = relative
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty());
        let folders: Vec<String> = parts.iter().rev().cloned().collect();
        let year_at = parts.iter().position(|p| {
            p.len() == 4 && p.parse::<i32>().is_ok_and(|y| (2000..2100).contains(&y))
        });
        let Some(i) = year_at else {
            return PathHints {
                year: file.as_deref().and_then(year_in),
                file,
                folders,
                ..PathHints::default()
            };
        };
        PathHints {
            year: parts[i].parse().ok(),
            district: parts.get(i + 1).cloned(),
            unit: parts.get(i + 2).cloned(),
            file,
            folders,
        }
    }
}

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
mod tests {
    use super::*;

    fn registry() -> &'static UnitRegistry {
        static REGISTRY: std::sync::OnceLock<UnitRegistry> = std::sync::OnceLock::new();
        REGISTRY.get_or_init(|| {
            UnitRegistry::from_sources(
                None,
                &crate::reference::bundled::Files::Embedded("divisions"),
            )
            .expect("embedded units and divisions")
        })
    }

    /// Identifies a document whose opening lines are `lines`, at `path`.
    fn identify(lines: &[&str], path: &str) -> Result<Resolution, String> {
        let mut hints = ContentHints::default();
        hints.offer_title(lines.iter().copied());
        for line in lines {
            hints.offer(line);
        }
        resolve(
            registry(),
            &hints,
            &PathHints::from_relative(Path::new(path)),
        )
    }

    /// (district_code, unit_code, unit_id, unit_name, year) of an identified document.
    fn who(lines: &[&str], path: &str) -> (String, Option<String>, String, String, i32) {
        let r = identify(lines, path).unwrap_or_else(|e| panic!("{lines:?} {path}: {e}"));
        let u = r.identity;
        (u.district_code, u.unit_code, u.unit_id, u.unit_name, u.year)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn years() {
        assert_eq!(year_in("2023年度北京市西城区新街口街道办事处"), Some(2023));
        assert_eq!(year_in("２０２２ 年度部门决算"), Some(2022));
        assert_eq!(year_in("截止12023年"), None);
        assert_eq!(year_in("单位：万元"), None);
        // regression: "中文年" must not slice inside 中
        assert_eq!(year_in("中文年"), None);
        assert_eq!(year_in("x中文年度"), None);
    }

    #[test]
    fn path_hints() {
        let h = PathHints::from_relative(Path::new("2023/西城区/新街口街道办事处/a.xlsx"));
        assert_eq!(h.year, Some(2023));
        assert_eq!(h.district.as_deref(), Some("西城区"));
        assert_eq!(h.unit.as_deref(), Some("新街口街道办事处"));
        assert_eq!(h.file.as_deref(), Some("a"));
        assert_eq!(h.folders, ["新街口街道办事处", "西城区", "2023"]);
        let h = PathHints::from_relative(Path::new("a.xlsx"));
        assert_eq!((h.year, h.file.as_deref()), (None, Some("a")));
        let h = PathHints::from_relative(Path::new("inbox/月坛街道2023年度部门决算.pdf"));
        assert_eq!(h.year, Some(2023));
    }

    #[test]
    fn every_title_form_identifies_its_unit() {
        // Beijing, two lines; the override of units.toml keeps its id.
        assert_eq!(
            who(
                &["2023年度北京市西城区新街口街道办事处", "部门决算"],
                "a.txt"
            ),
            (
                "110102".into(),
                some("110102003"),
                "110102-xinjiekou".into(),
                "新街口街道办事处".into(),
                2023
            )
        );
        // Shanghai: 人民政府 between district and 街道, the year wrapped onto the next line.
        assert_eq!(
            who(
                &[
                    "上海市普陀区人民政府长风新村街道办事处 2025",
                    "年度部门决算"
                ],
                "x.pdf"
            ),
            (
                "310107".into(),
                some("310107014"),
                "310107014".into(),
                "长风新村街道办事处".into(),
                2025
            )
        );
        assert_eq!(
            who(&["丰台区卢沟桥街道办事处 2023年部门决算报表"], "b.xlsx").1,
            some("110106017")
        );
        assert_eq!(
            who(
                &["附件：北京市丰台区卢沟桥街道办事处2023年部门决算公开表"],
                "b.xlsx"
            )
            .1,
            some("110106017")
        );
        assert_eq!(
            who(
                &["月坛街道2023年度收入支出决算总表（金额单位：元）"],
                "c.xlsx"
            ),
            (
                "110102".into(),
                some("110102007"),
                "110102-yuetan".into(),
                "月坛街道办事处".into(),
                2023
            )
        );
        // A name wrapped inside itself, as PDF lines break it.
        assert_eq!(
            who(&["2023年度广州市天河区五山", "街道办事处部门决算"], "d.pdf").1,
            some("440106001")
        );
        // A 镇 of Guangdong: its 人民政府.
        assert_eq!(
            who(
                &["广东省佛山市南海区狮山镇人民政府2023年度部门决算"],
                "e.pdf"
            ),
            (
                "440605".into(),
                some("440605124"),
                "440605124".into(),
                "狮山镇人民政府".into(),
                2023
            )
        );
    }

    #[test]
    fn departments_are_units_of_their_district_without_a_code() {
        let (district, code, id, name, year) = who(
            &["中共上海市普陀区委", "社会工作部 2024 年度", "部门决算"],
            "f.pdf",
        );
        assert_eq!(
            (district.as_str(), code, name.as_str(), year),
            ("310107", None, "中共上海市普陀区委社会工作部", 2024)
        );
        assert!(id.starts_with("310107-x"), "{id}");
        let (district, code, id, name, _) =
            who(&["上海市普陀区财政局", "2024年度部门决算"], "g.pdf");
        assert_eq!(
            (district.as_str(), code, name.as_str()),
            ("310107", None, "上海市普陀区财政局")
        );
        // Printed without its city, the same unit gets the same id and name.
        let (_, _, id2, name2, _) = who(
            &["普陀区财政局2024年度部门决算"],
            "2024/上海市/普陀区/h.xlsx",
        );
        assert_eq!((id2, name2), (id, name));
        // A unit located in a township is not the township.
        let (district, code, _, name, _) = who(
            &["北京市西城区新街口街道社区卫生服务中心2023年度部门决算"],
            "i.pdf",
        );
        assert_eq!(
            (district.as_str(), code, name.as_str()),
            ("110102", None, "北京市西城区新街口街道社区卫生服务中心")
        );
        // Units whose names end otherwise than in 局: 政协, 科协, 本级.
        for title in [
            "上海市普陀区政协2024年度部门决算",
            "普陀区科协2024年度部门决算",
            "上海市普陀区财政局本级2024年度部门决算",
        ] {
            let (district, code, _, _, _) = who(&[title], "2024/上海市/x.pdf");
            assert_eq!((district.as_str(), code), ("310107", None), "{title}");
        }
        // A city's own department: the city's code as district.
        let (district, code, _, name, _) = who(&["南京市财政局2023年度部门决算"], "j.pdf");
        assert_eq!(
            (district.as_str(), code, name.as_str()),
            ("320100", None, "南京市财政局")
        );
    }

    #[test]
    fn a_shared_name_is_decided_by_the_city_or_rejected_with_its_candidates() {
        let e = identify(&["新街口街道2023年度部门决算"], "a.pdf").expect_err("ambiguous");
        assert!(
            e.contains("北京市西城区新街口街道 (110102003)")
                && e.contains("江苏省南京市玄武区新街口街道 (320102003)"),
            "{e}"
        );
        assert_eq!(
            who(&["新街口街道2023年度部门决算"], "2023/南京市/a.pdf").1,
            some("320102003")
        );
        assert_eq!(
            who(&["2023年度南京市玄武区新街口街道办事处部门决算"], "a.pdf").1,
            some("320102003")
        );
        assert_eq!(
            who(&["新街口街道2023年度部门决算"], "2023/西城区/a.pdf").1,
            some("110102003")
        );
        let e = identify(&["普陀区财政局2024年度部门决算"], "a.pdf").expect_err("ambiguous");
        assert!(
            e.contains("上海市普陀区 (310107)") && e.contains("浙江省舟山市普陀区 (330903)"),
            "{e}"
        );
        assert_eq!(
            who(
                &["普陀区财政局2024年度部门决算"],
                "2024/舟山市/普陀区/a.pdf"
            )
            .0,
            "330903"
        );
        assert_eq!(
            who(&["上海市普陀区财政局2024年度部门决算"], "a.pdf").0,
            "310107"
        );
    }

    #[test]
    fn a_street_named_below_a_departments_title_is_not_the_unit() {
        let (district, code, _, name, _) = who(
            &[
                "上海市普陀区财政局",
                "2024年度部门决算",
                "负责长风新村街道等地区的财政工作",
            ],
            "a.pdf",
        );
        assert_eq!(
            (district.as_str(), code, name.as_str()),
            ("310107", None, "上海市普陀区财政局")
        );
        // A title naming only the district leaves the unit to the folder.
        assert_eq!(
            who(
                &["普陀区2025年度部门决算"],
                "2025/普陀区/长风新村街道办事处/a.pdf"
            )
            .1,
            some("310107014")
        );
    }

    #[test]
    fn a_generic_word_is_never_a_unit() {
        let e = identify(&["2023年度部门决算"], "2023/西城区/决算/a.txt").expect_err("no unit");
        assert!(e.contains("no unit name"), "{e}");
        let e = identify(&["部门决算公开报表"], "2023/西城区/附件1.xlsx").expect_err("no unit");
        assert!(e.contains("no unit name"), "{e}");
        // The file name names the unit when the document does not.
        assert_eq!(
            who(
                &["2023年度部门决算"],
                "2023/西城区/德胜街道办事处2023年度部门决算.txt"
            )
            .1,
            some("110102010")
        );
        // A former district is filed under its successor.
        let r =
            identify(&["2009年度北京市宣武区园林局部门决算"], "a.txt").expect("former district");
        assert_eq!(r.identity.district_code, "110102");
        assert!(
            r.warnings.iter().any(|w| w.contains("宣武区 (110104)")),
            "{:?}",
            r.warnings
        );
    }
}
