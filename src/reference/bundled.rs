//! The default configuration, catalogue, unit overrides and official divisions, embedded in
//! the binary: `juesuan run --input DIR --output DIR` works from any directory with no
//! file beside it, and `juesuan config init DIR` writes an editable copy.
//!
//! A [`Files`] is where a set of reference files is read from: a directory on disk (a
//! `--config` that names one) or the embedded copy. Readers take a `Files` and a name, so
//! they never care which.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Every embedded file, by its path under `config/`.
pub const EMBEDDED: &[(&str, &[u8])] = &[
    ("juesuan.toml", include_bytes!("../../config/juesuan.toml")),
    ("units.toml", include_bytes!("../../config/units.toml")),
    (
        "classification/README.md",
        include_bytes!("../../config/classification/README.md"),
    ),
    (
        "classification/functions.csv",
        include_bytes!("../../config/classification/functions.csv"),
    ),
    (
        "classification/aliases.csv",
        include_bytes!("../../config/classification/aliases.csv"),
    ),
    (
        "classification/crosswalk.csv",
        include_bytes!("../../config/classification/crosswalk.csv"),
    ),
    (
        "classification/cofog.csv",
        include_bytes!("../../config/classification/cofog.csv"),
    ),
    (
        "classification/economic.csv",
        include_bytes!("../../config/classification/economic.csv"),
    ),
    (
        "divisions/README.md",
        include_bytes!("../../config/divisions/README.md"),
    ),
    (
        "divisions/import.py",
        include_bytes!("../../config/divisions/import.py"),
    ),
    (
        "divisions/provinces.csv",
        include_bytes!("../../config/divisions/provinces.csv"),
    ),
    (
        "divisions/cities.csv",
        include_bytes!("../../config/divisions/cities.csv"),
    ),
    (
        "divisions/counties.csv",
        include_bytes!("../../config/divisions/counties.csv"),
    ),
    (
        "divisions/townships.csv",
        include_bytes!("../../config/divisions/townships.csv"),
    ),
    (
        "divisions/history.csv",
        include_bytes!("../../config/divisions/history.csv"),
    ),
];

/// Where a group of reference files (the catalogue, the divisions) is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// A directory on disk, as configured.
    Dir(PathBuf),
    /// The copy embedded in the binary, under this prefix of [`EMBEDDED`] (`classification`).
    Embedded(&'static str),
}

impl Files {
    /// The bytes of `name` in this group; `None` when it does not exist (optional files).
    pub fn read(&self, name: &str) -> Result<Option<Cow<'static, [u8]>>> {
        match self {
            Files::Dir(dir) => {
                let path = dir.join(name);
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(path, e)),
                }
            }
            Files::Embedded(prefix) => Ok(embedded(&format!("{prefix}/{name}")).map(Cow::Borrowed)),
        }
    }

    /// The bytes of a file that must exist.
    pub fn require(&self, name: &str) -> Result<Cow<'static, [u8]>> {
        self.read(name)?.ok_or_else(|| Error::Config {
            problems: vec![format!("{}: no such file", self.path_of(name).display())],
        })
    }

    /// How a file of this group is named in messages and in `Error::Catalog`.
    pub fn path_of(&self, name: &str) -> PathBuf {
        match self {
            Files::Dir(dir) => dir.join(name),
            Files::Embedded(prefix) => PathBuf::from(format!("(embedded)/{prefix}/{name}")),
        }
    }

    /// For messages: the directory, or "embedded".
    pub fn describe(&self) -> String {
        match self {
            Files::Dir(dir) => dir.display().to_string(),
            Files::Embedded(prefix) => format!("embedded {prefix}/"),
        }
    }
}

/// One embedded file by its path under `config/`.
pub fn embedded(name: &str) -> Option<&'static [u8]> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// `juesuan config init DIR`: writes the embedded defaults as editable files. The
/// configuration written reads its inputs from `DIR/raw` and writes `DIR/warehouse`;
/// existing files are never overwritten (the list of those kept is returned).
pub fn write_defaults(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for (name, bytes) in EMBEDDED {
        let path = dir.join(name);
        if path.exists() {
            kept.push(path);
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let content: Cow<[u8]> = if *name == "juesuan.toml" {
            Cow::Owned(standalone_config().into_bytes())
        } else {
            Cow::Borrowed(bytes)
        };
        std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    let raw = dir.join("raw");
    std::fs::create_dir_all(&raw).map_err(|e| Error::io(&raw, e))?;
    Ok((written, kept))
}

/// The repository's configuration with its two repository paths replaced by paths inside
/// the directory it is written to.
fn standalone_config() -> String {
    let text = String::from_utf8_lossy(embedded("juesuan.toml").unwrap_or_default()).into_owned();
    text.lines()
        .map(|line| {
            if line.starts_with("inputs = ") {
                "inputs = [\"raw\"]".to_string()
            } else if line.starts_with("warehouse = ") {
                "warehouse = \"warehouse\"".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_is_the_repository_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        for (name, bytes) in EMBEDDED {
            let on_disk = std::fs::read(root.join(name)).expect(name);
            assert_eq!(&on_disk[..], *bytes, "{name}");
        }
        let files = Files::Embedded("classification");
        assert!(files.read("functions.csv").unwrap().is_some());
        assert!(files.read("nope.csv").unwrap().is_none());
        assert!(files.require("nope.csv").is_err());
    }

    #[test]
    fn the_standalone_config_points_inside_its_directory() {
        let text = standalone_config();
        assert!(text.contains("inputs = [\"raw\"]"), "{text}");
        assert!(text.contains("warehouse = \"warehouse\""), "{text}");
        assert!(!text.contains("../data"), "{text}");
    }
}
