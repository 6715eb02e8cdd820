//! Workbooks (.xlsx, .xls) as they are written: every sheet's cells, merged regions and
//! formula cells, read within the limits (zip inflation counted, cells streamed), legacy
//! GBK text under a wrong CODEPAGE repaired. Nothing is interpreted here: the tables on the
//! sheets are found and read by `transform::tables`.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Reader, Sheets, Xls, XlsOptions, Xlsx};

use crate::config::Limits;
use crate::extract::guard;
use crate::extract::merges::SheetEntries;
use crate::extract::sheet::Sheet;

/// What a workbook says: its sheets' cells, and the sheets refused by the limits.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    /// (sheet, why it was not read).
    pub refused: Vec<(String, String)>,
}

/// Reads a workbook's cells within the limits; nothing is interpreted yet.
pub fn parse(path: &Path, limits: &Limits) -> Result<Workbook, String> {
    read_sheets(path, limits).map(|(sheets, refused)| Workbook { sheets, refused })
}

/// A workbook's sheets, and the sheets refused by the limits with the reason.
type ReadSheets = (Vec<Sheet>, Vec<(String, String)>);

fn read_sheets(path: &Path, limits: &Limits) -> Result<ReadSheets, String> {
    // The file is read once (its size was held to limits.max_file_bytes when it was hashed;
    // `take` holds a file that grew since to it too): the zip check, calamine and the
    // merged-cell reader all read these bytes.
    let cannot_open = |e: &dyn std::fmt::Display| format!("cannot open workbook: {e}");
    let file = std::fs::File::open(path).map_err(|e| cannot_open(&e))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, limits.max_file_bytes + 1),
        &mut bytes,
    )
    .map_err(|e| cannot_open(&e))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(format!(
            "file grew over the limit of {} bytes while it was read (limits.max_file_bytes)",
            limits.max_file_bytes
        ));
    }
    // A zip container (.xlsx, or anything that starts like one) is inflated into a counter
    // first: calamine would inflate a bomb into memory.
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if is_zip {
        guard::check_zip(Cursor::new(&bytes[..]), limits)?;
    }
    let workbook = open(path, &bytes).map_err(|e| cannot_open(&e))?;
    let is_xls = matches!(workbook, Sheets::Xls(_));
    let entries = match &workbook {
        Sheets::Xlsx(_) => SheetEntries::open(Cursor::new(&bytes[..])),
        _ => None,
    };
    let read = sheets_of(workbook, entries, false, limits)?;
    if !is_xls || !mis_decoded(&read.0) {
        return Ok(read);
    }
    // A legacy .xls whose texts are GBK bytes under a CODEPAGE record that is missing or
    // wrong: read every 8-bit string byte for byte (code page 1200 maps byte b to U+00bb)
    // and decode those bytes as GBK.
    let mut options = XlsOptions::default();
    options.force_codepage = Some(1200);
    let xls =
        Xls::new_with_options(Cursor::new(&bytes[..]), options).map_err(|e| cannot_open(&e))?;
    let repaired = sheets_of(Sheets::Xls(xls), None, true, limits)?;
    if mis_decoded(&repaired.0) {
        // Not GBK either: keep what the workbook declared; the tables will say what is wrong.
        return Ok(read);
    }
    tracing::info!(
        file = %path.display(),
        "texts decoded as GBK (code page 936): the CODEPAGE record is missing or wrong"
    );
    Ok(repaired)
}

type Bytes<'a> = Cursor<&'a [u8]>;

/// calamine's reader for the file, chosen as `open_workbook_auto` chooses it (by the
/// extension, else by trying each format), over bytes already read.
fn open<'a>(path: &Path, bytes: &'a [u8]) -> Result<Sheets<Bytes<'a>>, calamine::Error> {
    let data = Cursor::new(bytes);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("xls" | "xla") => Sheets::Xls(Xls::new(data).map_err(calamine::Error::Xls)?),
        Some("xlsx" | "xlsm" | "xlam") => {
            Sheets::Xlsx(Xlsx::new(data).map_err(calamine::Error::Xlsx)?)
        }
        _ => open_workbook_auto_from_rs(data)?,
    })
}

fn sheets_of(
    mut workbook: Sheets<Bytes<'_>>,
    mut entries: Option<SheetEntries<Bytes<'_>>>,
    gbk: bool,
    limits: &Limits,
) -> Result<ReadSheets, String> {
    let names = workbook.sheet_names().to_vec();
    if names.len() as u64 > limits.max_sheets {
        return Err(format!(
            "the workbook has {} sheets, over the limit of {} (limits.max_sheets)",
            names.len(),
            limits.max_sheets
        ));
    }
    let mut sheets = Vec::with_capacity(names.len());
    let mut refused = Vec::new();
    for name in names {
        let read = read_one(&mut workbook, entries.as_mut(), &name, limits);
        let display = if gbk {
            gbk_from_bytes(&name).unwrap_or_else(|| name.clone())
        } else {
            name.clone()
        };
        match read {
            Ok((mut range, merges, formulas)) => {
                if gbk {
                    repair_gbk(&mut range);
                }
                sheets.push(Sheet::new(display, range, &merges, formulas));
            }
            Err(reason) => refused.push((display, reason)),
        }
    }
    Ok((sheets, refused))
}

type SheetParts = (
    calamine::Range<calamine::Data>,
    Vec<calamine::Dimensions>,
    crate::FastSet<(u32, u32)>,
);

/// One sheet's cells, merged regions and formula cells, each within the limits.
fn read_one(
    workbook: &mut Sheets<Bytes<'_>>,
    entries: Option<&mut SheetEntries<Bytes<'_>>>,
    name: &str,
    limits: &Limits,
) -> Result<SheetParts, String> {
    let (range, merges, formulas) = match workbook {
        Sheets::Xlsx(x) => {
            let (range, formulas) = guard::xlsx_range(x, name, limits)?;
            let merges = match entries.and_then(|e| e.merges(name, limits.max_entry_bytes)) {
                Some(merges) => merges,
                None => x
                    .merge_cells_by_sheet_name(name)
                    .map_err(|e| format!("cannot read merged cells: {e}"))?,
            };
            (range, merges, formulas)
        }
        Sheets::Xls(x) => {
            let range = x
                .worksheet_range(name)
                .map_err(|e| format!("cannot read cells: {e}"))?;
            guard::check_range(&range, limits)?;
            let merges = x
                .merge_cells_by_sheet_name(name)
                .map_err(|e| format!("cannot read merged cells: {e}"))?;
            // Formulas only to tell "no cached value" from a blank; a workbook whose
            // formulas cannot be read is still read for its values.
            let formulas = x
                .worksheet_formula(name)
                .map(|f| crate::extract::sheet::formula_cells(&f))
                .unwrap_or_default();
            (range, merges, formulas)
        }
        other => {
            let range = other
                .worksheet_range(name)
                .map_err(|e| format!("cannot read cells: {e}"))?;
            guard::check_range(&range, limits)?;
            (range, Vec::new(), Default::default())
        }
    };
    guard::check_merges(&merges, limits)?;
    Ok((range, merges, formulas))
}

/// True when no text of the workbook holds a CJK character but some hold what GBK bytes
/// look like when read as Latin-1 (À–ÿ) or as a broken multi-byte sequence (U+FFFD).
fn mis_decoded(sheets: &[Sheet]) -> bool {
    let mut suspicious = false;
    for sheet in sheets {
        for text in std::iter::once(sheet.name.as_str()).chain(sheet.texts()) {
            for c in text.chars() {
                if is_cjk(c) {
                    return false;
                }
                suspicious |= ('\u{80}'..='\u{ff}').contains(&c) || c == '\u{fffd}';
            }
        }
    }
    suspicious
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// The GBK text whose bytes `text` holds one per character (U+0000–U+00FF), if they are
/// valid GBK.
fn gbk_from_bytes(text: &str) -> Option<String> {
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<_>>()?;
    if bytes.is_ascii() {
        return None;
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|t| t.into_owned())
}

fn repair_gbk(range: &mut calamine::Range<calamine::Data>) {
    let Some((r0, c0)) = range.start() else {
        return;
    };
    let fixes: Vec<((u32, u32), String)> = range
        .cells()
        .filter_map(|(r, c, d)| match d {
            calamine::Data::String(s) => {
                gbk_from_bytes(s).map(|t| ((r0 + r as u32, c0 + c as u32), t))
            }
            _ => None,
        })
        .collect();
    for (at, text) in fixes {
        range.set_value(at, calamine::Data::String(text));
    }
}
