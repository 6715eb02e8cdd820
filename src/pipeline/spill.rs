//! The first pass's records of the inputs the run's budget does not keep in memory, written
//! out compactly so that the build reads them back instead of interpreting those inputs a
//! second time (which cost 6–11% of a run, and logged each input's warnings twice).
//!
//! One scratch file per run, in the local extraction cache's directory, removed as soon as
//! it is made (on Unix the open file lives on unnamed, so a killed run leaves nothing
//! behind; elsewhere it is removed when the run ends). Each input's extraction is appended
//! as postcard with its shared values written once ([`crate::model::shared`]). The spill
//! only saves time: an input whose extraction cannot be written or read back is
//! interpreted again, as before.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::model::shared;
use crate::transform::Extraction;
use crate::FastMap;

pub(crate) struct Spill {
    file: Option<Mutex<File>>,
    /// Where each input's extraction is: offset and length.
    at: Mutex<FastMap<usize, (u64, usize)>>,
    /// The file's name while it still has one (not on Unix).
    named: Option<PathBuf>,
}

impl Spill {
    /// A spill in `dir`. When it cannot be made, nothing is spilled and the build
    /// interprets again what the budget did not keep.
    pub(crate) fn new(dir: &Path) -> Spill {
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("spill-{}-{n}.tmp", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path);
        let (file, named) = match file {
            Ok(file) => {
                // Unnamed at once where the system allows it: nothing to clean up after a kill.
                let named = std::fs::remove_file(&path).is_err().then_some(path);
                (Some(Mutex::new(file)), named)
            }
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "no spill file");
                (None, None)
            }
        };
        Spill {
            file,
            at: Mutex::default(),
            named,
        }
    }

    /// Writes input `i`'s extraction; false when it could not be (the build interprets it
    /// again).
    pub(crate) fn put(&self, i: usize, extraction: &Extraction) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        let Ok(bytes) = shared::scope(|| postcard::to_stdvec(extraction)) else {
            return false;
        };
        let written = {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            file.seek(SeekFrom::End(0))
                .and_then(|offset| file.write_all(&bytes).map(|()| offset))
        };
        match written {
            Ok(offset) => {
                self.index().insert(i, (offset, bytes.len()));
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "cannot spill an input's records");
                false
            }
        }
    }

    /// Input `i`'s extraction as written, when it was.
    pub(crate) fn get(&self, i: usize) -> Option<Extraction> {
        let (offset, len) = *self.index().get(&i)?;
        let file = self.file.as_ref()?;
        let mut bytes = vec![0; len];
        {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            file.seek(SeekFrom::Start(offset))
                .and_then(|_| file.read_exact(&mut bytes))
                .ok()?;
        }
        // Every byte must be read: anything else is not what was written.
        match shared::scope(|| postcard::take_from_bytes::<Extraction>(&bytes)) {
            Ok((extraction, [])) => Some(extraction),
            Ok((_, rest)) => {
                tracing::warn!(
                    left = rest.len(),
                    "a spilled input does not read back whole; it is interpreted again"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "a spilled input does not read back; it is interpreted again");
                None
            }
        }
    }

    /// How many inputs are spilled.
    pub(crate) fn len(&self) -> usize {
        self.index().len()
    }

    fn index(&self) -> std::sync::MutexGuard<'_, FastMap<usize, (u64, usize)>> {
        self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        drop(self.file.take());
        if let Some(path) = &self.named {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::config::Limits;
    use crate::extract::{discover, source_file};
    use crate::reference::catalog::Catalog;
    use crate::reference::units::UnitRegistry;
    use crate::transform::{extract_file, tables::Context};

    /// Distinct `Arc`s among the rows' units and files: what sharing keeps.
    fn shared_values(x: &Extraction) -> (usize, usize) {
        let units: std::collections::BTreeSet<_> = x
            .expenditure
            .iter()
            .map(|r| Arc::as_ptr(&r.unit))
            .chain(x.economic.iter().map(|r| Arc::as_ptr(&r.unit)))
            .collect();
        let files: std::collections::BTreeSet<_> = x
            .expenditure
            .iter()
            .map(|r| Arc::as_ptr(&r.provenance.file))
            .chain(x.facts.iter().map(|f| Arc::as_ptr(&f.provenance.file)))
            .collect();
        (units.len(), files.len())
    }

    /// Every input of the sample corpus (workbooks, a .docx and a .txt report) and the
    /// three real PDFs comes back from the spill exactly as interpreted, field for field,
    /// its rows sharing their unit and file as before; a spill of no name is left behind;
    /// and an entry that does not read back whole is no entry.
    #[test]
    fn an_input_comes_back_from_the_spill_as_interpreted() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let catalog = Catalog::load(&repo.join("config/classification")).expect("catalogue");
        let units = UnitRegistry::load(&repo.join("config/units.toml")).expect("units");
        let limits = Limits::default();
        let ctx = Context {
            catalog: &catalog,
            units: &units,
            limits: &limits,
        };
        let inputs = discover(&[repo.join("data/raw"), repo.join("../shared/reference/pdf")])
            .expect("inputs")
            .inputs;
        let dir = tempfile::tempdir().expect("temp");
        let spill = Spill::new(dir.path());
        #[cfg(unix)]
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);

        let (mut records, mut pdf_rows, mut plain, mut compact) = (0, 0, 0, 0);
        for (i, input) in inputs.iter().enumerate() {
            let x = extract_file(&ctx, input, source_file(input)).extraction;
            assert!(spill.put(i, &x), "{}", input.relative);
            let back = spill.get(i).unwrap_or_else(|| panic!("{}", input.relative));
            assert_eq!(format!("{back:?}"), format!("{x:?}"), "{}", input.relative);
            assert_eq!(
                shared_values(&back),
                shared_values(&x),
                "{}",
                input.relative
            );
            records += x.records();
            if input.relative.ends_with(".pdf") {
                pdf_rows += x.records();
            }
            plain += postcard::to_stdvec(&x).expect("plain").len();
            compact += spill.index()[&i].1;
        }
        assert_eq!(spill.len(), inputs.len());
        assert!(
            inputs.len() >= 107 && records > 3_000,
            "{} inputs, {records} records",
            inputs.len()
        );
        assert!(pdf_rows >= 200, "{pdf_rows} records of the real PDFs");
        eprintln!("{records} records, {pdf_rows} of the PDFs; {compact} bytes spilled, {plain} without sharing");
        // The unit and the file are written once per input, not once per row.
        assert!(
            compact * 2 < plain,
            "{compact} bytes spilled, {plain} without sharing"
        );

        // An entry cut short, or with bytes after it, is no entry.
        let (offset, len) = spill.index()[&0];
        spill.index().insert(0, (offset, len - 1));
        assert!(spill.get(0).is_none());
        spill.index().insert(0, (offset, len + 1));
        assert!(spill.get(0).is_none());
    }
}
