//! Resource limits applied before a reader sizes anything by what a file declares: the zip
//! container of .xlsx/.docx is inflated once into nothing, counting, and stopped at the limit
//! (a zip bomb declares small sizes); a sheet's cells are streamed and counted, and their
//! rectangle is checked before calamine allocates it densely. Every refusal names the limit.

use std::io::{Read, Seek};

use calamine::{Cell, Data, DataRef, Range, Xlsx};

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

/// Why a sheet was not read.
pub type SheetRefusal = String;

/// Streams the filled cells of an .xlsx sheet within the limits and builds its range.
pub fn xlsx_range<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Result<Range<Data>, SheetRefusal> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| format!("cannot read cells: {e}"))?;
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let mut extent = Extent::default();
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| format!("cannot read cells: {e}"))?
    {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        extent.add(cell.get_position());
        if cells.len() as u64 >= limits.max_sheet_cells {
            return Err(format!(
                "more than {} filled cells (limits.max_sheet_cells)",
                limits.max_sheet_cells
            ));
        }
        let pos = cell.get_position();
        cells.push(Cell::new(pos, Data::from(cell.get_value().clone())));
    }
    extent.check(limits)?;
    Ok(Range::from_sparse(cells))
}

/// The formulas of an .xlsx sheet, within the same limits.
pub fn xlsx_formulas<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Option<Range<String>> {
    let mut reader = workbook.worksheet_cells_reader(name).ok()?;
    let mut cells = Vec::new();
    let mut extent = Extent::default();
    while let Some(cell) = reader.next_formula().ok()? {
        if cell.get_value().is_empty() {
            continue;
        }
        extent.add(cell.get_position());
        if cells.len() as u64 >= limits.max_sheet_cells {
            return None;
        }
        cells.push(cell);
    }
    extent.check(limits).ok()?;
    Some(Range::from_sparse(cells))
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
