//! Fuzzing by property: arbitrary bytes under every input extension, byte-mutated copies of
//! a real workbook's sheet XML and of a real PDF, and random but valid workbooks (random cells, types, merges
//! and far-flung positions, written by rust_xlsxwriter) go through the production extraction
//! (`transform::extract_file`, not the batch's panic guard): it must return, never panic, and say why
//! when it loads nothing. Crashing inputs found this way are kept in `tests/fixtures/fuzz/`
//! and replayed by `the_fuzz_corpus_replays`.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;

use juesuan::config::Limits;
use juesuan::extract::{source_file, Input, InputKind};
use juesuan::reference::catalog::Catalog;
use juesuan::reference::units::UnitRegistry;
use juesuan::transform::extract_file;
use juesuan::transform::tables::Context;

use crate::common::repo;

struct World {
    catalog: Catalog,
    units: UnitRegistry,
    limits: Limits,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| World {
        catalog: Catalog::load(&repo().join("config/classification")).expect("catalogue"),
        units: UnitRegistry::load(&repo().join("config/units.toml")).expect("units"),
        limits: Limits::default(),
    })
}

/// Extracts `bytes` as the file `name` of 2023/西城区/月坛街道办事处; returns (rows, rejects).
fn extract(name: &str, bytes: &[u8]) -> (usize, usize) {
    let dir = tempfile::tempdir().expect("temp");
    let relative = format!("2023/西城区/月坛街道办事处/{name}");
    let path = dir.path().join(&relative);
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    let w = world();
    let ctx = Context {
        catalog: &w.catalog,
        units: &w.units,
        limits: &w.limits,
    };
    let input = Input {
        kind: InputKind::of(&path),
        relative,
        refused: None,
        path,
    };
    let file = source_file(&input);
    let result = extract_file(&ctx, &input, Arc::clone(&file));
    let x = &result.extraction;
    let rows = x.expenditure.len() + x.economic.len() + x.facts.len();
    (rows, x.rejects.len())
}

/// Cases per property: `default`, or PROPTEST_CASES for a longer search
/// (`PROPTEST_CASES=2000 cargo test --test it fuzz::`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn sample_workbook() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        std::fs::read(repo().join(
            "data/raw/2023/西城区/月坛街道办事处/2023年度月坛街道办事处部门决算公开报表.xlsx",
        ))
        .expect("sample workbook")
    })
}

fn real_pdf() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        std::fs::read(repo().join("../shared/reference/pdf/putuo_shehuigongzuobu_2024.pdf"))
            .expect("../shared/reference/pdf beside the repository")
    })
}

/// The sample workbook with `edit` applied to the XML of its first sheet, re-zipped.
fn with_sheet_xml(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(sample_workbook())).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut edit = Some(edit);
    for i in 0..src.len() {
        let mut entry = src.by_index(i).expect("entry");
        let name = entry.name().expect("name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        if name == "xl/worksheets/sheet1.xml" {
            if let Some(edit) = edit.take() {
                edit(&mut data);
            }
        }
        out.start_file(name.as_str(), options).expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// Words real tables are made of, for random but plausible cells.
const WORDS: &[&str] = &[
    "支出决算表",
    "收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "财政拨款“三公”经费支出决算表",
    "政府采购情况表",
    "单位：万元",
    "金额单位：元",
    "编制单位：北京市西城区月坛街道办事处",
    "科目编码",
    "科目名称",
    "合计",
    "本年支出合计",
    "基本支出",
    "项目支出",
    "年初预算数",
    "全年预算数",
    "201",
    "20101",
    "2010101",
    "208",
    "行政运行",
    "-",
    "—",
    "/",
    "本表无数据",
    "实际采购金额",
    "货物",
    "2023年度",
    "栏次",
    "类",
    "款",
    "项",
    "1,234.56",
    "２０１",
];

#[derive(Debug, Clone)]
enum CellValue {
    Word(usize),
    Number(f64),
    Formula(usize, f64),
    Blank,
}

fn cell() -> impl Strategy<Value = ((u32, u16), CellValue)> {
    let pos = prop_oneof![
        8 => (0u32..40, 0u16..12),
        1 => (0u32..1_048_576, 0u16..16_384),
    ];
    let value = prop_oneof![
        4 => (0..WORDS.len()).prop_map(CellValue::Word),
        3 => prop_oneof![any::<f64>(), -1e6f64..1e6].prop_map(CellValue::Number),
        1 => ((0..WORDS.len()), -1e4f64..1e4).prop_map(|(w, v)| CellValue::Formula(w, v)),
        1 => Just(CellValue::Blank),
    ];
    (pos, value)
}

fn random_workbook(cells: &[((u32, u16), CellValue)], merges: &[(u32, u16, u32, u16)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for ((r, c), v) in cells {
        let _ = match v {
            CellValue::Word(w) => ws.write_string(*r, *c, WORDS[*w]).map(|_| ()),
            CellValue::Number(n) => ws.write_number(*r, *c, *n).map(|_| ()),
            CellValue::Formula(w, n) => ws
                .write_formula(
                    *r,
                    *c,
                    rust_xlsxwriter::Formula::new(format!("=\"{}\"", WORDS[*w]))
                        .set_result(n.to_string()),
                )
                .map(|_| ()),
            CellValue::Blank => ws
                .write_blank(*r, *c, &rust_xlsxwriter::Format::new())
                .map(|_| ()),
        };
    }
    // Merges that do not overlap one another, each more than one cell: rust_xlsxwriter 0.102
    // panics on a merge after a refused one (its bug, not the reader's; seen in CI).
    let mut taken: Vec<(u32, u16, u32, u16)> = Vec::new();
    for &(r0, c0, h, w) in merges {
        let (r1, c1) = (r0 + h, c0 + w);
        let overlaps = taken
            .iter()
            .any(|&(a0, b0, a1, b1)| r0 <= a1 && a0 <= r1 && c0 <= b1 && b0 <= c1);
        if (h, w) == (0, 0) || overlaps {
            continue;
        }
        let merged = ws.merge_range(r0, c0, r1, c1, "合计", &rust_xlsxwriter::Format::new());
        if merged.is_ok() {
            taken.push((r0, c0, r1, c1));
        }
    }
    wb.save_to_buffer().unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_under_every_extension_are_rejected_or_read(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        ext in prop_oneof![Just("xlsx"), Just("xls"), Just("docx"), Just("txt"), Just("pdf")],
    ) {
        let (rows, rejects) = extract(&format!("f.{ext}"), &bytes);
        prop_assert!(rows > 0 || rejects > 0, "{ext}: nothing read and nothing said");
    }

    #[test]
    fn a_real_workbook_with_mutated_sheet_xml_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..24),
    ) {
        let bytes = with_sheet_xml(|xml| {
            for (at, byte, op) in &edits {
                if xml.is_empty() { break; }
                let i = at.index(xml.len());
                match op {
                    0 => xml[i] = *byte,
                    1 => xml.insert(i, *byte),
                    _ => { xml.remove(i); }
                }
            }
        });
        let (rows, rejects) = extract("m.xlsx", &bytes);
        prop_assert!(rows > 0 || rejects > 0);
    }

    #[test]
    fn random_valid_workbooks_never_panic(
        cells in proptest::collection::vec(cell(), 0..80),
        merges in proptest::collection::vec((0u32..30, 0u16..10, 0u32..4, 0u16..4), 0..6),
    ) {
        // A writer panic is the generator's, not juesuan's: that case is skipped.
        let written = std::panic::catch_unwind(|| random_workbook(&cells, &merges));
        prop_assume!(written.is_ok());
        let _ = extract("r.xlsx", &written.unwrap_or_default());
    }

    #[test]
    fn arbitrary_text_reports_never_panic(text in "\\PC{0,600}") {
        let mut report = String::from("2023年度北京市西城区月坛街道办事处\n部门决算\n");
        report.push_str(&text);
        let _ = extract("2023年度部门决算.txt", report.as_bytes());
    }
}

proptest! {
    // A PDF costs more than a workbook to parse: fewer cases.
    #![proptest_config(ProptestConfig { cases: cases(16), ..ProptestConfig::default() })]

    #[test]
    fn a_real_pdf_with_mutated_bytes_is_read_or_rejected(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let mut bytes = real_pdf().to_vec();
        for (at, byte) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        let (rows, rejects) = extract("m.pdf", &bytes);
        prop_assert!(rows > 0 || rejects > 0);
    }

}

/// Inputs that once crashed or hung a reader, replayed: each must now return.
#[test]
fn the_fuzz_corpus_replays() {
    let dir = repo().join("tests/fixtures/fuzz");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir)
        .expect("tests/fixtures/fuzz")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read");
        let (rows, rejects) = extract(&name, &bytes);
        assert!(rows > 0 || rejects > 0, "{name}");
        replayed += 1;
    }
    assert!(replayed > 0);
}
