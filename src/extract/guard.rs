//! Resource limits applied before a reader sizes anything by what a file declares: the zip
//! container of .xlsx/.docx is inflated once into nothing, counting, and stopped at the limit
//! (a zip bomb declares small sizes); a sheet's cells are streamed and counted, and their
//! rectangle is checked before calamine allocates it densely. Every refusal names the limit.

use std::io::{Read, Seek};

use calamine::{Cell, Data, DataRef, Range, Xlsx, XlsxFormulaMetadata};

use crate::config::Limits;

/// Checks a zip container: entry count, each entry's declared and real inflated size, and
/// the total. Inflates every entry into a counter (no allocation beyond a copy buffer).
pub fn check_zip<R: Read + Seek>(reader: R, limits: &Limits) -> Result<(), String> {
    let mut archive =
        zip::ZipArchive::new(reader).map_err(|e| format!("not a valid zip container: {e}"))?;
    let entries = archive.len() as u64;
    if entries > limits.max_zip_entries {
        return Err(format!(
            "the zip container has {entries} entries, over the limit of {} (limits.max_zip_entries)",
            limits.max_zip_entries
        ));
    }
    if within_by_size(&mut archive, limits) {
        return Ok(());
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            // Encrypted or an unknown method: the reader says what is wrong with it.
            Err(_) => continue,
        };
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("#{i}"));
        if entry.size() > limits.max_entry_bytes {
            return Err(format!(
                "zip entry {name} declares {} bytes inflated, over the limit of {} (limits.max_entry_bytes)",
                entry.size(),
                limits.max_entry_bytes
            ));
        }
        let mut counted = (&mut entry).take(limits.max_entry_bytes + 1);
        let inflated = std::io::copy(&mut counted, &mut std::io::sink()).unwrap_or(0);
        if inflated > limits.max_entry_bytes {
            return Err(format!(
                "zip entry {name} inflates to more than {} bytes (limits.max_entry_bytes; it declares {})",
                limits.max_entry_bytes,
                entry.size()
            ));
        }
        total += inflated;
        if total > limits.max_inflated_bytes {
            return Err(format!(
                "the zip container inflates to more than {} bytes (limits.max_inflated_bytes)",
                limits.max_inflated_bytes
            ));
        }
    }
    Ok(())
}

/// Deflate never inflates a byte to more than 1032 (a 258-byte match in two bits, plus the
/// block overhead): zlib's "technical details" give 1032:1 as the format's limit.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// True when no entry can inflate past the limits whatever it declares: a stored entry is
/// its own size, a deflated one at most [`DEFLATE_MAX_RATIO`] times its compressed bytes
/// (the zip reader never reads an entry past its compressed size). Then nothing need be
/// inflated to know; any other method, or a bound over a limit, is counted by inflating.
fn within_by_size<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, limits: &Limits) -> bool {
    let mut total = 0u64;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            return false;
        };
        // A reader may size a buffer by what an entry declares: that is checked, and named,
        // by the counting pass.
        if entry.size() > limits.max_entry_bytes {
            return false;
        }
        let bound = match entry.compression() {
            zip::CompressionMethod::Stored => entry.compressed_size(),
            zip::CompressionMethod::Deflated => {
                entry.compressed_size().saturating_mul(DEFLATE_MAX_RATIO)
            }
            _ => return false,
        };
        total = total.saturating_add(bound);
        if bound > limits.max_entry_bytes || total > limits.max_inflated_bytes {
            return false;
        }
    }
    true
}

/// Why a sheet was not read.
pub type SheetRefusal = String;

/// An .xlsx sheet's filled cells and the positions of its formula cells.
pub type XlsxSheet = (Range<Data>, crate::FastSet<(u32, u32)>);

/// Streams the cells of an .xlsx sheet within the limits, in one pass over its XML: the
/// filled cells' range, and where formulas are (to tell "no cached value" from a blank).
pub fn xlsx_range<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Result<XlsxSheet, SheetRefusal> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| format!("cannot read cells: {e}"))?;
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let mut formulas = crate::FastSet::default();
    let mut extent = Extent::default();
    let mut kept = 0u64;
    while let Some(record) = reader
        .next_cell_with_formula_metadata()
        .map_err(|e| format!("cannot read cells: {e}"))?
    {
        let has_formula = match &record.formula {
            Some(XlsxFormulaMetadata::Normal { formula }) => !formula.is_empty(),
            Some(_) => true,
            None => false,
        };
        let empty = matches!(record.value, DataRef::Empty);
        if empty && !has_formula {
            continue;
        }
        extent.add(record.pos);
        if kept >= limits.max_sheet_cells {
            return Err(format!(
                "more than {} filled cells (limits.max_sheet_cells)",
                limits.max_sheet_cells
            ));
        }
        kept += 1;
        if has_formula {
            formulas.insert(record.pos);
        }
        if !empty {
            cells.push(Cell::new(record.pos, Data::from(record.value)));
        }
    }
    extent.check(limits)?;
    Ok((Range::from_sparse(cells), formulas))
}

/// Checks a range already read (.xls): its rectangle within the area limit.
pub fn check_range(range: &Range<Data>, limits: &Limits) -> Result<(), SheetRefusal> {
    let mut extent = Extent::default();
    if let (Some(start), Some(end)) = (range.start(), range.end()) {
        extent.add(start);
        extent.add(end);
    }
    extent.check(limits)
}

/// Checks the merged regions of a sheet: the cells they cover, in all.
pub fn check_merges(merges: &[calamine::Dimensions], limits: &Limits) -> Result<(), SheetRefusal> {
    let mut covered = 0u64;
    for m in merges {
        let rows = u64::from(m.end.0.saturating_sub(m.start.0)) + 1;
        let cols = u64::from(m.end.1.saturating_sub(m.start.1)) + 1;
        covered = covered.saturating_add(rows.saturating_mul(cols));
        if covered > limits.max_merged_cells {
            return Err(format!(
                "merged regions cover more than {} cells (limits.max_merged_cells), e.g. {}",
                limits.max_merged_cells,
                a1_range(m)
            ));
        }
    }
    Ok(())
}

/// The rectangle spanned by a sheet's filled cells.
#[derive(Default)]
struct Extent {
    min: Option<(u32, u32)>,
    max: (u32, u32),
}

impl Extent {
    fn add(&mut self, (r, c): (u32, u32)) {
        let (r0, c0) = self.min.unwrap_or((r, c));
        self.min = Some((r0.min(r), c0.min(c)));
        self.max = (self.max.0.max(r), self.max.1.max(c));
    }

    fn check(&self, limits: &Limits) -> Result<(), SheetRefusal> {
        let Some((r0, c0)) = self.min else {
            return Ok(());
        };
        let rows = u64::from(self.max.0 - r0) + 1;
        let cols = u64::from(self.max.1 - c0) + 1;
        let area = rows * cols;
        if area > limits.max_sheet_area {
            return Err(format!(
                "the filled cells span {}:{} ({rows} rows × {cols} columns = {area} cells), over the limit of {} (limits.max_sheet_area)",
                a1((r0, c0)),
                a1(self.max),
                limits.max_sheet_area
            ));
        }
        Ok(())
    }
}

/// "XFD1048576" for (1048575, 16383).
pub fn a1((row, col): (u32, u32)) -> String {
    crate::extract::sheet::cell_ref(row, col)
}

fn a1_range(m: &calamine::Dimensions) -> String {
    format!("{}:{}", a1(m.start), a1(m.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(a1((0, 0)), "A1");
        assert_eq!(a1((10, 7)), "H11");
        assert_eq!(a1((1_048_575, 16_383)), "XFD1048576");
        assert_eq!(a1((0, 26)), "AA1");
    }

    fn zipped(entries: &[(&str, zip::CompressionMethod, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for &(name, method, bytes) in entries {
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            out.start_file(name, options).expect("start");
            out.write_all(bytes).expect("write");
        }
        out.finish().expect("finish").into_inner()
    }

    #[test]
    fn a_zip_that_cannot_reach_the_limits_is_not_inflated_and_one_that_can_is_counted() {
        use zip::CompressionMethod::{Deflated, Stored};
        let zeros = vec![0u8; 4 << 20];
        let bomb = zipped(&[("xl/worksheets/sheet1.xml", Deflated, &zeros)]);
        let small = zipped(&[
            ("xl/workbook.xml", Deflated, b"<workbook/>".as_slice()),
            ("xl/media/a.png", Stored, &[7u8; 1000]),
        ]);
        let limits = Limits {
            max_entry_bytes: 1 << 20,
            ..Limits::default()
        };
        let archive =
            |b: &Vec<u8>| zip::ZipArchive::new(std::io::Cursor::new(b.clone())).expect("zip");
        // 4 MB of zeros deflate to a few KB, whose bound (×1032) is over 1 MB: counted, refused.
        assert!(!within_by_size(&mut archive(&bomb), &limits));
        let err = check_zip(std::io::Cursor::new(bomb.clone()), &limits).expect_err("bomb");
        assert!(err.contains("limits.max_entry_bytes"), "{err}");
        // Under the default 64 MB the same entry cannot reach the limit: nothing to inflate.
        assert!(within_by_size(&mut archive(&bomb), &Limits::default()));
        assert!(check_zip(std::io::Cursor::new(bomb), &Limits::default()).is_ok());
        assert!(within_by_size(&mut archive(&small), &limits));
        // The total: the stored entry's 1000 bytes alone are over a 500-byte budget.
        let tight = Limits {
            max_inflated_bytes: 500,
            ..Limits::default()
        };
        assert!(!within_by_size(&mut archive(&small), &tight));
        let err = check_zip(std::io::Cursor::new(small), &tight).expect_err("total");
        assert!(err.contains("limits.max_inflated_bytes"), "{err}");
    }

    #[test]
    fn a_far_cell_is_refused_before_anything_is_allocated() {
        let limits = Limits::default();
        let mut e = Extent::default();
        e.add((0, 0));
        e.add((1_048_575, 16_383));
        let err = e.check(&limits).expect_err("too wide");
        assert!(
            err.contains("A1:XFD1048576") && err.contains("limits.max_sheet_area"),
            "{err}"
        );
        let mut e = Extent::default();
        e.add((5, 2));
        e.add((400, 20));
        assert!(e.check(&limits).is_ok());
    }
}
