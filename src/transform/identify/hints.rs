//! What a document and its path say about whose it is: title lines and 编制单位 lines
//! (ContentHints), the folders `<year>/<district>/<unit>/` and the file name (PathHints).

use super::*;

/// What a document says about itself.
#[derive(Debug, Default, Clone)]
pub struct ContentHints {
    /// Texts that may name the year, district and unit: titles, 编制单位 lines, in the
    /// order of the document (the title first).
    pub texts: Vec<String>,
    /// Every place the document names itself, for the checks of [`crate::transform::document`].
    pub said: Vec<crate::transform::document::Said>,
}

/// Words in a text that make it worth keeping as a hint.
pub(super) const HINT_WORDS: [&str; 12] = [
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

    pub(super) fn year(&self) -> Option<i32> {
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
