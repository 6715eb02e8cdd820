//! Decides which unit and year a document belongs to: from its own content where it says
//! (title "2023年度北京市西城区新街口街道办事处部门决算", "编制单位：…"), else from its
//! path `raw/<year>/<district>/<unit>/…`, matched against `units.toml`.

use std::path::Path;

use crate::model::UnitIdentity;
use crate::transform::text::{clean_name, fold_width};
use crate::units::{derived_unit_id, unit_key, UnitRegistry};

/// What a document says about itself.
#[derive(Debug, Default, Clone)]
pub struct ContentHints {
    /// Texts that may name the year, district and unit: titles, 编制单位 lines.
    pub texts: Vec<String>,
}

impl ContentHints {
    /// Keeps a text if it can say something about identity.
    pub fn offer(&mut self, text: &str) {
        let useful = text.contains("年")
            || text.contains("单位")
            || text.contains("部门")
            || text.contains("街道");
        if useful && self.texts.len() < 16 && !self.texts.iter().any(|t| t == text) {
            self.texts.push(text.to_string());
        }
    }

    fn year(&self) -> Option<i32> {
        self.texts.iter().find_map(|t| year_in(t))
    }

    /// The unit name after "编制单位：" / "部门：" / "单位名称：", if printed.
    fn unit_line(&self) -> Option<String> {
        self.texts.iter().find_map(|t| {
            let t = fold_width(t);
            ["编制单位", "单位名称", "部门名称", "部门"]
                .iter()
                .find_map(|label| {
                    let pos = t.find(label)?;
                    let rest = t[pos + label.len()..].trim_start_matches([':', ' ']);
                    let name: String = rest.split(|c: char| c.is_whitespace()).next()?.to_string();
                    (!name.is_empty() && !name.starts_with("单位")).then(|| clean_name(&name))
                })
        })
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

/// What a path `…/<year>/<district>/<unit>/<file>` says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathHints {
    pub year: Option<i32>,
    pub district: Option<String>,
    pub unit: Option<String>,
}

impl PathHints {
    pub fn from_relative(relative: &Path) -> PathHints {
        let parts: Vec<String> = relative
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some(i) = parts.iter().position(|p| {
            p.len() == 4 && p.parse::<i32>().is_ok_and(|y| (2000..2100).contains(&y))
        }) else {
            return PathHints::default();
        };
        PathHints {
            year: parts[i].parse().ok(),
            district: parts.get(i + 1).cloned(),
            unit: parts.get(i + 2).cloned(),
        }
    }
}

/// A resolved identity plus anything worth a warning (unlisted unit, path and content
/// disagreeing).
#[derive(Debug)]
pub struct Resolution {
    pub identity: UnitIdentity,
    pub warnings: Vec<String>,
}

pub fn resolve(
    registry: &UnitRegistry,
    content: &ContentHints,
    path: &PathHints,
) -> Result<Resolution, String> {
    let mut warnings = Vec::new();
    let year = match (content.year(), path.year) {
        (Some(c), Some(p)) if c != p => {
            warnings.push(format!(
                "the document says {c} but its folder says {p}; using {c}"
            ));
            c
        }
        (Some(y), _) | (None, Some(y)) => y,
        (None, None) => {
            return Err("no year in the document's title and no <year> folder in its path".into())
        }
    };
    let district = content
        .texts
        .iter()
        .find_map(|t| registry.district_in_text(t))
        .or_else(|| path.district.as_deref().and_then(|d| registry.district_by_name(d).or_else(|| registry.district_by_code(d))))
        .ok_or_else(|| {
            format!(
                "no known district in the document's title or in its path ({}); add it to config/units.toml",
                path.district.as_deref().unwrap_or("none")
            )
        })?;
    let listed = content
        .texts
        .iter()
        .find_map(|t| registry.unit_in_text(district, t))
        .or_else(|| {
            path.unit
                .as_deref()
                .and_then(|u| registry.unit(district, u))
        });
    let (unit_id, unit_name) = match listed {
        Some(unit) => (unit.id.clone(), unit.name.clone()),
        None => {
            let printed = content
                .unit_line()
                .or_else(|| path.unit.clone())
                .ok_or("no unit name in the document (编制单位) or in its path")?;
            let key = unit_key(&printed, Some(district));
            let name = if key.is_empty() {
                printed.clone()
            } else {
                key.clone()
            };
            let id = derived_unit_id(district, &printed);
            warnings.push(format!(
                "unit {name:?} is not listed in config/units.toml; loaded with derived id {id}"
            ));
            (id, name)
        }
    };
    Ok(Resolution {
        identity: UnitIdentity {
            year,
            city: district.city.clone(),
            district: district.name.clone(),
            district_code: district.code.clone(),
            unit_id,
            unit_name,
        },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            PathHints::from_relative(Path::new("a.xlsx")),
            PathHints::default()
        );
    }
}
