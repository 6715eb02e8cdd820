//! The extraction cache: what each input says ([`Document`]), kept beside the warehouse in a
//! compact binary form (postcard), keyed by the input's sha256, its extension and the parser's
//! version. Everything after the parse (identification, classification, derivation, checks)
//! is re-run from it, so a change of catalogue, units or check policy opens no input.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::Limits;
use crate::extract::Document;
use crate::reference::catalog::hex;

/// Bump when a reader decodes the same bytes differently (cells, merges, paragraphs, PDF
/// pages): every cached parse is then read again.
pub const PARSER_VERSION: u32 = 2;

/// Leading bytes of every entry: a file that does not start so is not ours (or is of an
/// older layout) and is ignored. Then the CRC-32 of the body (little-endian), then the body.
const MAGIC: &[u8; 8] = b"JSPARSE2";

/// What decides how bytes are parsed: the parser's version, the build, the limits.
#[derive(Debug, Clone)]
pub struct ParserId(String);

impl ParserId {
    pub fn new(limits: &Limits) -> ParserId {
        let mut h = Sha256::new();
        h.update(PARSER_VERSION.to_le_bytes());
        h.update(crate::VERSION.as_bytes());
        h.update([0]);
        h.update(format!("{limits:?}").as_bytes());
        // The build itself: a new binary may parse differently under the same version
        // number, so it does not trust an older build's parse.
        h.update(crate::pipeline::setup::build_identity());
        ParserId(hex(&h.finalize())[..16].to_string())
    }

    /// The cache key of one input's parse: its bytes, and the extension that decides how
    /// they are read (the input's kind follows from it).
    pub fn key(&self, sha256: &str, path: &Path) -> String {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut h = Sha256::new();
        for part in [sha256, &ext, &self.0] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex(&h.finalize())[..32].to_string()
    }
}

/// The cache directory.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(dir: PathBuf) -> Cache {
        // A cache that cannot be made only costs time: every parse is a miss.
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(cache = %dir.display(), error = %e, "no extraction cache");
        }
        Cache { dir }
    }

    /// The cache's directory (local to this machine).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.bin"))
    }

    /// The parse stored under `key`, when it is there and whole.
    pub fn get(&self, key: &str) -> Option<Document> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (crc, body) = rest.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*crc) != crc32fast::hash(body) {
            return None;
        }
        postcard::from_bytes(body).ok()
    }

    /// Stores a parse. Written to a file of its own and renamed into place, but not synced:
    /// an entry torn by a crash fails its checksum and is a miss, which only costs a parse.
    /// An entry that already holds these bytes (`--full` over a warm cache) is left as it
    /// is: reading 30 KB back costs far less than a new file and a rename over the old one.
    pub fn put(&self, key: &str, document: &Document) -> std::io::Result<()> {
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let body = postcard::to_stdvec(document).map_err(std::io::Error::other)?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let path = self.path(key);
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            return Ok(());
        }
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!("{key}.{}-{n}.tmp", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// Removes every entry but those of `live` keys (parses no input refers to any more).
    pub fn retain(&self, live: &std::collections::BTreeSet<&str>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = name.strip_suffix(".bin").unwrap_or(&name);
            if !live.contains(key) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::report::read::Block;
    use crate::extract::report::{Format, Narrative};

    #[test]
    fn a_parse_comes_back_as_stored_and_a_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::new(dir.path().to_path_buf());
        let doc = Document::Narrative(Narrative {
            format: Format::Txt,
            encoding: "utf-8".into(),
            blocks: vec![
                Block::Para {
                    number: 1,
                    text: "本年支出合计39985.83万元。".into(),
                },
                Block::Table {
                    number: 2,
                    rows: vec![vec!["项目".into(), "1.00".into()]],
                },
            ],
            pdf: None,
        });
        cache.put("k", &doc).expect("put");
        // The same parse again (`--full` over a warm cache) leaves the entry as it is.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let inode = || {
                std::fs::metadata(dir.path().join("k.bin"))
                    .expect("entry")
                    .ino()
            };
            let before = inode();
            cache.put("k", &doc).expect("put");
            assert_eq!(
                inode(),
                before,
                "an entry with the same bytes is not rewritten"
            );
        }
        let Some(Document::Narrative(back)) = cache.get("k") else {
            panic!("not the narrative stored");
        };
        let Document::Narrative(orig) = &doc else {
            unreachable!()
        };
        assert_eq!(back.blocks, orig.blocks);
        assert_eq!(back.encoding, "utf-8");
        // A truncated entry is a miss, never a panic or a partial document.
        let path = dir.path().join("k.bin");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 3]).expect("write");
        assert!(cache.get("k").is_none());
        // A body whose bytes changed (a torn write that still decodes) fails its checksum.
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        std::fs::write(&path, &flipped).expect("write");
        assert!(cache.get("k").is_none());
        std::fs::write(&path, &bytes).expect("write");
        assert!(cache.get("k").is_some(), "the entry as written is whole");
        std::fs::write(&path, b"garbage").expect("write");
        assert!(cache.get("k").is_none());
        // A damaged entry is replaced by the next parse stored.
        cache.put("k", &doc).expect("put");
        assert!(cache.get("k").is_some());
        cache.retain(&Default::default());
        assert!(!path.exists());
    }
}
