//! The merged regions of an .xlsx sheet, read from the tail of its XML.
//!
//! `<mergeCells>` comes after `<sheetData>` in a worksheet, and calamine reads it by parsing
//! every XML event of the sheet again, copying each into a buffer (a second full pass over
//! the cells). Here the sheet is inflated once more, the end of its `<sheetData>` found by a
//! byte search, and only what follows is parsed. Anything this
//! reader does not understand (a sheet it cannot place, a malformed reference) is left to
//! calamine's own reader, so a workbook reads the same either way.

use std::io::{Read, Seek};

use calamine::Dimensions;
use quick_xml::events::Event;

use crate::FastMap;

/// The worksheets of one .xlsx by name, with the zip entry each lives in.
pub struct SheetEntries<R> {
    zip: zip::ZipArchive<R>,
    /// Sheet name (as calamine reports it) → zip entry name.
    paths: FastMap<String, String>,
    buffer: Vec<u8>,
}

impl<R: Read + Seek> SheetEntries<R> {
    /// Maps every sheet of the workbook to its zip entry (the officeDocument relationship,
    /// the workbook's `<sheet>` list and its relationships). `None` when the package is
    /// not laid out as this reader understands: calamine then reads the merges.
    pub fn open(reader: R) -> Option<SheetEntries<R>> {
        let mut zip = zip::ZipArchive::new(reader).ok()?;
        let mut buffer = Vec::new();
        let workbook = office_document(&mut zip, &mut buffer)?;
        let (dir, name) = match workbook.rfind('/') {
            Some(i) => workbook.split_at(i + 1),
            None => ("", workbook.as_str()),
        };
        let rels = relationships(&mut zip, &format!("{dir}_rels/{name}.rels"), &mut buffer)?;
        let sheets = sheet_ids(&mut zip, &workbook, &mut buffer)?;
        let mut paths = FastMap::default();
        for (sheet, id) in sheets {
            let target = rels.get(&id)?;
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("{dir}{target}"),
            };
            paths.insert(sheet, path);
        }
        Some(SheetEntries { zip, paths, buffer })
    }

    /// The merged regions of the sheet `name`, within `max_bytes` of inflated XML. `None`
    /// when this reader cannot tell (calamine then reads them).
    pub fn merges(&mut self, name: &str, max_bytes: u64) -> Option<Vec<Dimensions>> {
        let path = self.paths.get(name)?;
        inflate(&mut self.zip, path, max_bytes, &mut self.buffer)?;
        merge_cells(&self.buffer)
    }
}

/// Inflates the zip entry `path` into `buffer`, at most `max_bytes`.
fn inflate<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    max_bytes: u64,
    buffer: &mut Vec<u8>,
) -> Option<()> {
    buffer.clear();
    let entry = zip.by_name(path).ok()?;
    let read = entry.take(max_bytes + 1).read_to_end(buffer).ok()?;
    (read as u64 <= max_bytes).then_some(())
}

fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    reader
}

/// The value of attribute `key` (local name) of an element, unescaped.
fn attribute(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| {
            quick_xml::escape::unescape(&a.value)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Calls `visit` with every element named `local` (start or empty) of the zip entry
/// `path`, inflated to at most `max_bytes`; `None` when the entry cannot be read or parsed,
/// or `visit` gives up.
fn each_element<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    max_bytes: u64,
    buffer: &mut Vec<u8>,
    local: &str,
    mut visit: impl FnMut(&quick_xml::events::BytesStart<'_>) -> Option<()>,
) -> Option<()> {
    inflate(zip, path, max_bytes, buffer)?;
    let mut xml = reader(buffer);
    loop {
        match xml.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == local => visit(&e)?,
            Event::Eof => return Some(()),
            _ => {}
        }
    }
}

/// The workbook part named by `_rels/.rels` (normally `xl/workbook.xml`).
fn office_document<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    buffer: &mut Vec<u8>,
) -> Option<String> {
    let mut found = None;
    each_element(zip, "_rels/.rels", 1 << 20, buffer, "Relationship", |e| {
        let kind = attribute(e, "Type").unwrap_or_default();
        if found.is_none() && kind.ends_with("/relationships/officeDocument") {
            let target = attribute(e, "Target")?;
            found = Some(target.strip_prefix('/').unwrap_or(&target).to_string());
        }
        Some(())
    })?;
    found
}

/// Relationship id → target of a part's relationships.
fn relationships<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    buffer: &mut Vec<u8>,
) -> Option<FastMap<String, String>> {
    let mut out = FastMap::default();
    each_element(zip, path, 16 << 20, buffer, "Relationship", |e| {
        if let (Some(id), Some(target)) = (attribute(e, "Id"), attribute(e, "Target")) {
            out.insert(id, target);
        }
        Some(())
    })?;
    Some(out)
}

/// (sheet name, relationship id) of every `<sheet>` of the workbook part.
fn sheet_ids<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    workbook: &str,
    buffer: &mut Vec<u8>,
) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    each_element(zip, workbook, 64 << 20, buffer, "sheet", |e| {
        out.push((attribute(e, "name")?, attribute(e, "id")?));
        Some(())
    })?;
    Some(out)
}

/// The `<mergeCells>` of a worksheet's XML, parsed from where its cells end.
fn merge_cells(xml: &[u8]) -> Option<Vec<Dimensions>> {
    let tail = match cells_end(xml) {
        Some(end) => &xml[end..],
        None => xml,
    };
    let mut xml = reader(tail);
    // The tail closes elements opened before it (`</worksheet>`).
    xml.config_mut().allow_unmatched_ends = true;
    let mut out = Vec::new();
    let mut inside = false;
    loop {
        match xml.read_event().ok()? {
            // Only when the end of the cells could not be found by bytes.
            Event::Start(e) if !inside && e.local_name().as_ref() == "sheetData" => {
                xml.read_to_end(e.name()).ok()?;
            }
            Event::Start(e) if e.local_name().as_ref() == "mergeCells" => inside = true,
            Event::Start(e) | Event::Empty(e)
                if inside && e.local_name().as_ref() == "mergeCell" =>
            {
                if let Some(reference) = attribute(&e, "ref") {
                    out.push(dimensions(&reference)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "mergeCells" => return Some(out),
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// Where the worksheet's `<sheetData>` ends (just past `</sheetData>` or `<sheetData/>`),
/// found by a byte search. Outside CDATA, comments and processing instructions a raw `<`
/// only opens markup (text and attribute values escape it), so the first such tag is the
/// real one; when the cells hold any of those constructs, `None`: the caller skips the
/// cells as XML instead.
fn cells_end(xml: &[u8]) -> Option<usize> {
    use memchr::memmem;
    for at in memmem::find_iter(xml, b"sheetData") {
        let Some(open) = memchr::memrchr(b'<', &xml[..at]) else {
            continue;
        };
        let name = &xml[open + 1..at];
        let (closing, prefix) = match name.strip_prefix(b"/") {
            Some(prefix) => (true, prefix),
            None => (false, name),
        };
        let is_prefix = prefix.is_empty()
            || (prefix.ends_with(b":")
                && prefix[..prefix.len() - 1]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_'));
        if !is_prefix {
            continue;
        }
        let close = at + memchr::memchr(b'>', &xml[at..])?;
        if !closing && xml[close - 1] != b'/' {
            continue;
        }
        let cells = &xml[..open];
        let prolog = memmem::find(cells, b"?>").map_or(0, |p| p + 2);
        let opaque = [&b"<![CDATA["[..], b"<!--", b"<?"]
            .iter()
            .any(|construct| memmem::find(&cells[prolog..], construct).is_some());
        return (!opaque).then_some(close + 1);
    }
    None
}

/// "B2:D3" or "B2" as 0-based (row, column) corners. A reversed range ("D3:B2") is left
/// to calamine, as is anything it would refuse.
fn dimensions(reference: &str) -> Option<Dimensions> {
    let (a, b) = reference.split_once(':').unwrap_or((reference, reference));
    let (start, end) = (cell(a)?, cell(b)?);
    (start.0 <= end.0 && start.1 <= end.1).then_some(Dimensions { start, end })
}

/// "B2" → (1, 1), within the sheet limits of the format (1,048,576 rows × 16,384 columns).
fn cell(a1: &str) -> Option<(u32, u32)> {
    let a1 = a1.as_bytes();
    let letters = a1.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (col, row) = a1.split_at(letters);
    if letters == 0 || letters > 3 || row.is_empty() || !row.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let col = col.iter().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row: u32 = std::str::from_utf8(row).ok()?.parse().ok()?;
    ((1..=16_384).contains(&col) && (1..=1_048_576).contains(&row)).then(|| (row - 1, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_calamine_reads_them() {
        assert_eq!(
            dimensions("B2:D3").map(|d| (d.start, d.end)),
            Some(((1, 1), (2, 3)))
        );
        assert_eq!(
            dimensions("A1").map(|d| (d.start, d.end)),
            Some(((0, 0), (0, 0)))
        );
        assert_eq!(cell("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell("XFE1"), None);
        assert_eq!(cell("A0"), None);
        assert_eq!(cell("1A"), None);
        assert_eq!(cell(" A1"), None, "calamine refuses a space");
        assert!(dimensions("D3:B2").is_none(), "reversed: calamine decides");
    }

    #[test]
    fn the_merges_are_found_after_the_cells_whatever_the_cells_say() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells &lt;mergeCells&gt;</t></is></c></row></sheetData><x:mergeCells count="2"><x:mergeCell ref="A1:C1"/><x:mergeCell ref="A2:A4"/></x:mergeCells><pageMargins/></worksheet>"#;
        let found: Vec<_> = merge_cells(xml)
            .expect("read")
            .iter()
            .map(|d| (d.start, d.end))
            .collect();
        assert_eq!(found, vec![((0, 0), (0, 2)), ((1, 0), (3, 0))]);
        assert_eq!(
            merge_cells(b"<worksheet><sheetData/></worksheet>").map(|m| m.len()),
            Some(0)
        );
        let cdata = br#"<worksheet><sheetData><row><c><is><t><![CDATA[</sheetData><mergeCells><mergeCell ref="A1:Z9"/></mergeCells>]]></t></is></c></row></sheetData></worksheet>"#;
        assert_eq!(
            merge_cells(cdata).map(|m| m.len()),
            Some(0),
            "text is not markup"
        );
        assert_eq!(
            merge_cells(
                br#"<worksheet><mergeCells><mergeCell ref="A1:ZZZZ9"/></mergeCells></worksheet>"#
            )
            .map(|m| m.len()),
            None,
            "a reference this reader cannot read is left to calamine"
        );
    }

    /// Every .xlsx in the repository (the sample corpus, the hostile fixtures): the regions
    /// found here are calamine's, sheet by sheet, in its order.
    #[test]
    fn every_workbook_of_the_repository_has_calamine_s_merges() {
        use calamine::Reader;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("data/raw"), root.join("tests/fixtures")];
        let (mut workbooks, mut regions) = (0, 0);
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().and_then(|e| e.to_str()) != Some("xlsx") {
                    continue;
                }
                let bytes = std::fs::read(&path).expect("read");
                let Ok(mut calamine) = calamine::Xlsx::new(std::io::Cursor::new(&bytes[..])) else {
                    continue;
                };
                let mut ours = SheetEntries::open(std::io::Cursor::new(&bytes[..]))
                    .unwrap_or_else(|| panic!("{}: sheets not placed", path.display()));
                for name in calamine.sheet_names() {
                    let theirs = calamine.merge_cells_by_sheet_name(&name).expect("calamine");
                    let found = ours
                        .merges(&name, 1 << 30)
                        .unwrap_or_else(|| panic!("{} {name}: not read", path.display()));
                    let pairs = |m: &[Dimensions]| -> Vec<_> {
                        m.iter().map(|d| (d.start, d.end)).collect()
                    };
                    assert_eq!(pairs(&found), pairs(&theirs), "{} {name}", path.display());
                    // By the byte search, not by skipping the cells as XML.
                    let entry = ours.paths[&name].clone();
                    let mut xml = Vec::new();
                    inflate(&mut ours.zip, &entry, 1 << 30, &mut xml).expect("inflate");
                    assert!(cells_end(&xml).is_some(), "{} {name}", path.display());
                    regions += found.len();
                }
                workbooks += 1;
            }
        }
        assert!(
            workbooks >= 100 && regions >= 1000,
            "{workbooks} workbooks, {regions} regions"
        );
    }

    /// A real workbook whose first sheet's XML is mutated byte by byte (half the edits in
    /// its tail, where the merges are) and stays well-formed: wherever this reader answers
    /// for a sheet whose cells calamine reads, calamine's merged-cell reader, reading
    /// without error, answers the same.
    mod differential {
        use super::*;
        use calamine::Reader;
        use proptest::prelude::*;
        use std::io::Write;

        /// Whether `xml` is well-formed: every tag closed, every attribute whole.
        fn well_formed(xml: &[u8]) -> bool {
            let mut reader = quick_xml::Reader::from_reader(xml);
            loop {
                match reader.read_event() {
                    Ok(Event::Eof) => return true,
                    Ok(Event::Start(e) | Event::Empty(e)) => {
                        if !e.attributes().all(|a| a.is_ok()) {
                            return false;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return false,
                }
            }
        }

        /// The workbook with its first sheet's XML edited, and whether that XML is still
        /// well-formed.
        fn workbook(edit: &[(prop::sample::Index, u8, u8, bool)]) -> (Vec<u8>, bool) {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/raw/2023/西城区/德胜街道办事处/附件1.xlsx"
            );
            let bytes = std::fs::read(path).expect("sample workbook");
            let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
            let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            let mut whole = true;
            for i in 0..src.len() {
                let mut entry = src.by_index(i).expect("entry");
                let name = entry.name().expect("name").to_string();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).expect("read");
                if name == "xl/worksheets/sheet1.xml" {
                    assert!(well_formed(&data), "the sample sheet is well-formed");
                    for (at, byte, op, tail) in edit {
                        if data.is_empty() {
                            break;
                        }
                        // Half the edits land in the last quarter (the merges).
                        let from = if *tail { data.len() * 3 / 4 } else { 0 };
                        let i = from + at.index(data.len() - from);
                        match op {
                            0 => data[i] = *byte,
                            1 => data.insert(i, *byte),
                            _ => {
                                data.remove(i);
                            }
                        }
                    }
                    whole = well_formed(&data);
                }
                out.start_file(name.as_str(), options).expect("start");
                out.write_all(&data).expect("write");
            }
            (out.finish().expect("finish").into_inner(), whole)
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(200),
                max_global_rejects: 1_000_000,
                ..ProptestConfig::default()
            })]
            #[test]
            fn this_reader_agrees_with_calamine(
                edit in proptest::collection::vec(
                    // Bytes of references, names and numbers: edits that often keep the XML whole.
                    (any::<prop::sample::Index>(), prop::sample::select(b"AZaz09:$ -_".to_vec()), 0u8..3, any::<bool>()),
                    0..5,
                ),
            ) {
                let (bytes, well_formed) = workbook(&edit);
                // Malformed XML (an unclosed quote hides the rest of the sheet from
                // calamine's tokeniser) is garbage either way: not compared.
                prop_assume!(well_formed);
                let Some(mut ours) = SheetEntries::open(std::io::Cursor::new(&bytes[..])) else {
                    return Ok(());
                };
                let Ok(mut calamine) = calamine::Xlsx::new(std::io::Cursor::new(&bytes[..])) else {
                    return Ok(());
                };
                for name in calamine.sheet_names() {
                    // A sheet whose cells calamine cannot read is refused before its merges
                    // are asked for.
                    let cells = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        calamine.worksheet_range(&name).is_ok()
                    }));
                    if !matches!(cells, Ok(true)) {
                        continue;
                    }
                    let theirs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        calamine.merge_cells_by_sheet_name(&name)
                    }));
                    if let (Some(found), Ok(Ok(theirs))) = (ours.merges(&name, 1 << 30), theirs) {
                        let pairs = |m: &[Dimensions]| -> Vec<_> {
                            m.iter().map(|d| (d.start, d.end)).collect()
                        };
                        prop_assert_eq!(pairs(&found), pairs(&theirs), "{}", name);
                    }
                }
            }
        }
    }
}
