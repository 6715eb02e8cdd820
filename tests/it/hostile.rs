//! A folder of broken and hostile inputs beside good units, run as one batch under a 1 GB
//! address-space cap: every hostile input is in the manifest and in `rejects` with its reason,
//! every good unit loads exactly as it does alone, no dataset holds a key twice, and the run
//! stays far below the cap. Each input is made here, by rust_xlsxwriter or raw zip/XML bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;

use crate::common::*;

const GOOD: [&str; 3] = ["月坛街道办事处", "天桥街道办事处", "新街口街道办事处"];

fn good_units(input: &Path) {
    for unit in GOOD {
        let from = repo().join("data/raw/2023/西城区").join(unit);
        let to = input.join("2023/西城区").join(unit);
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("sample unit").flatten() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

fn run(input: &Path, wh: &Path, cap_kib: Option<u64>) -> std::process::Output {
    let exe = env!("CARGO_BIN_EXE_juesuan");
    let script = format!(
        "{}exec \"$0\" run --input \"$1\" --output \"$2\"",
        cap_kib
            .map(|k| format!("ulimit -v {k}; "))
            .unwrap_or_default()
    );
    std::process::Command::new("bash")
        .args(["-c", &script, exe])
        .arg(input)
        .arg(wh)
        .current_dir(repo())
        .env("RUST_LOG", "error")
        .output()
        .expect("bash runs juesuan")
}

/// A 支出决算表 of `rows` (code, name, 万元) under `heading`, in a sheet named `sheet`.
fn table(wb: &mut Workbook, sheet: &str, heading: &str, rows: &[(&str, &str, f64)]) {
    let ws = wb.add_worksheet();
    ws.set_name(sheet).expect("sheet name");
    ws.write_string(0, 0, "支出决算表").expect("write");
    ws.write_string(1, 0, heading).expect("write");
    ws.write_string(1, 3, "单位：万元").expect("write");
    for (c, h) in ["科目编码", "科目名称", "本年支出合计"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).expect("write");
    }
    for (i, (code, name, v)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, *code).expect("write");
        ws.write_string(r, 1, *name).expect("write");
        ws.write_number(r, 2, *v).expect("write");
    }
}

fn save(wb: &mut Workbook, path: &Path) {
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    wb.save(path).expect("save");
}

/// A real workbook whose sheet XML is replaced by `inflated` bytes of rows (52 bytes a row):
/// beyond the limit, a zip bomb (the entry declares nothing unusual; only inflating tells).
fn zip_bomb(path: &Path, inflated: usize) {
    let plain = path.with_extension("plain.xlsx");
    let mut wb = Workbook::new();
    table(
        &mut wb,
        "Sheet1",
        "编制单位：北京市西城区展览路街道办事处",
        &[("201", "一般公共服务支出", 1.0)],
    );
    save(&mut wb, &plain);
    let mut src = zip::ZipArchive::new(std::fs::File::open(&plain).expect("open")).expect("zip");
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for i in 0..src.len() {
        let mut entry = src.by_index(i).expect("entry");
        let name = entry.name().expect("name").to_string();
        out.start_file(name.as_str(), options).expect("start");
        if name.starts_with("xl/worksheets/sheet") {
            out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>").expect("w");
            let row = b"<row><c t=\"n\"><v>1</v></c><c t=\"n\"><v>2</v></c></row>";
            let chunk = row.repeat(4096);
            let mut written = 0;
            while written < inflated {
                out.write_all(&chunk).expect("w");
                written += chunk.len();
            }
            out.write_all(b"</sheetData></worksheet>").expect("w");
        } else {
            std::io::copy(&mut entry, &mut out).expect("copy");
        }
    }
    out.finish().expect("finish");
    std::fs::remove_file(plain).expect("rm");
}

/// Every hostile input, by path relative to the input root, with a word its reject must say.
fn hostile_inputs(input: &Path) -> Vec<(String, &'static str)> {
    let mut expect = Vec::new();
    let unit = |name: &str| input.join("2023/西城区").join(name);
    let rel = |p: &Path| {
        p.strip_prefix(input)
            .expect("inside")
            .to_string_lossy()
            .into_owned()
    };

    // A zip bomb: one sheet inflating to 100 MB (2.7 MB of rows per MB compressed).
    let p = unit("展览路街道办事处").join("bomb.xlsx");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    zip_bomb(&p, 100 * 1024 * 1024);
    expect.push((rel(&p), "limits.max_entry_bytes"));

    // A sheet of 200,000 rows (12 MB of XML, no title): read streamed, it costs its cells only.
    let p = unit("展览路街道办事处").join("rows.xlsx");
    zip_bomb(&p, 12 * 1024 * 1024);
    expect.push((rel(&p), "no standard table title"));

    // One cell at XFD1048576 beside a table: the rectangle would be 17 billion cells.
    let p = unit("德胜街道办事处").join("far.xlsx");
    let mut wb = Workbook::new();
    table(
        &mut wb,
        "Sheet1",
        "编制单位：北京市西城区德胜街道办事处",
        &[("201", "一般公共服务支出", 1.0)],
    );
    wb.worksheet_from_index(0)
        .expect("ws")
        .write_string(1_048_575, 16_383, "x")
        .expect("far");
    save(&mut wb, &p);
    expect.push((rel(&p), "XFD1048576"));

    // An amount that does not fit decimal(18,2).
    let p = unit("金融街街道办事处").join("huge.xlsx");
    let mut wb = Workbook::new();
    table(
        &mut wb,
        "Sheet1",
        "编制单位：北京市西城区金融街街道办事处",
        &[
            ("201", "一般公共服务支出", 1234567890123.45),
            ("208", "社会保障和就业支出", 2.5),
        ],
    );
    save(&mut wb, &p);
    expect.push((rel(&p), "does not fit"));

    // A report of 40 MB, and a 0-byte one, and a Big5 one.
    let p = unit("什刹海街道办事处").join("2023年度什刹海街道办事处部门决算.txt");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    let statement = "一般公共服务支出（类）决算为100.00万元，比年初预算减少1.00万元。\n";
    let mut big = String::from("2023年度北京市西城区什刹海街道办事处\n部门决算\n");
    while big.len() < 40 * 1024 * 1024 {
        big.push_str(statement);
    }
    std::fs::write(&p, big).expect("write");
    expect.push((rel(&p), "limits.max_report_chars"));
    let p = unit("大栅栏街道办事处").join("2023年度大栅栏街道办事处部门决算.txt");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    std::fs::write(&p, b"").expect("write");
    expect.push((rel(&p), "empty file"));
    let seed = std::fs::read_to_string(
        repo().join("data/raw/2023/西城区/新街口街道办事处/2023年度新街口街道办事处部门决算.txt"),
    )
    .expect("seed");
    let p = unit("椿树街道办事处").join("2023年度椿树街道办事处部门决算.txt");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    std::fs::write(&p, big5(&seed.replace("新街口", "椿树"))).expect("write");
    expect.push((rel(&p), "Big5"));

    // Links: a pair pointing at each other, one leaving the input tree.
    let dir = unit("牛街街道办事处");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("b.txt"), dir.join("a.txt")).expect("link");
    std::os::unix::fs::symlink(dir.join("a.txt"), dir.join("b.txt")).expect("link");
    expect.push((rel(&dir.join("a.txt")), "loop"));
    expect.push((rel(&dir.join("b.txt")), "loop"));
    std::os::unix::fs::symlink("/etc/passwd", dir.join("2023年度部门决算.txt")).expect("link");
    expect.push((
        rel(&dir.join("2023年度部门决算.txt")),
        "outside the input roots",
    ));
    // A FIFO: opening it would block the run forever.
    let fifo = dir.join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    expect.push((rel(&fifo), "FIFO"));

    // Random bytes and a truncated workbook.
    let p = unit("陶然亭街道办事处").join("random.xlsx");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    let noise: Vec<u8> = (0u32..50_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&p, noise).expect("write");
    expect.push((rel(&p), "cannot open workbook"));
    let good =
        std::fs::read(repo().join(
            "data/raw/2023/西城区/月坛街道办事处/2023年度月坛街道办事处部门决算公开报表.xlsx",
        ))
        .expect("good");
    let p = unit("陶然亭街道办事处").join("truncated.xlsx");
    std::fs::write(&p, &good[..good.len() / 2]).expect("write");
    expect.push((rel(&p), "zip"));

    // A derived total beyond decimal(18,2) in its own district: that partition is refused,
    // the others commit.
    let p = input.join("2023/朝阳区/建外街道办事处/total.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let cells: &[(u32, u16, &str)] = &[
        (0, 0, "一般公共预算财政拨款支出决算表"),
        (1, 0, "编制单位：北京市朝阳区建外街道办事处"),
        (1, 3, "单位：万元"),
        (2, 0, "科目编码"),
        (2, 1, "科目名称"),
        (2, 2, "年初预算数"),
        (2, 3, "合计"),
        (3, 0, "201"),
        (3, 1, "一般公共服务支出"),
        (4, 0, "208"),
        (4, 1, "社会保障和就业支出"),
    ];
    for (r, c, t) in cells {
        ws.write_string(*r, *c, *t).expect("write");
    }
    for r in [3, 4] {
        // 9 × 10^15 元 each: each fits decimal(18,2), their total does not.
        ws.write_number(r, 2, 900_000_000_000.0).expect("write");
        ws.write_number(r, 3, 900_000_000_000.0).expect("write");
    }
    save(&mut wb, &p);
    expect.push((rel(&p), "could not be written"));
    expect
}

/// Inputs that load, but whose garbage must not: findings instead of second rows.
fn garbage_inputs(input: &Path) -> Vec<String> {
    let unit = |name: &str| input.join("2023/西城区").join(name);
    let rel = |p: &Path| {
        p.strip_prefix(input)
            .expect("inside")
            .to_string_lossy()
            .into_owned()
    };
    let mut paths = Vec::new();
    // The same table on two sheets whose names differ only in width.
    // A table continued on a second sheet (no code in common): both sheets load.
    let p = unit("什刹海街道办事处").join("continued.xlsx");
    let mut wb = Workbook::new();
    let heading = "编制单位：北京市西城区什刹海街道办事处";
    table(
        &mut wb,
        "支出决算表",
        heading,
        &[("201", "一般公共服务支出", 3.0)],
    );
    table(
        &mut wb,
        "支出决算表(续)",
        heading,
        &[("212", "城乡社区支出", 6.0)],
    );
    save(&mut wb, &p);
    paths.push(rel(&p));
    let p = unit("白纸坊街道办事处").join("twice.xlsx");
    let mut wb = Workbook::new();
    let rows = [
        ("201", "一般公共服务支出", 3.0),
        ("208", "社会保障和就业支出", 2.0),
    ];
    table(
        &mut wb,
        "支出表1",
        "编制单位：北京市西城区白纸坊街道办事处",
        &rows,
    );
    table(
        &mut wb,
        "支出表１",
        "编制单位：北京市西城区白纸坊街道办事处",
        &rows,
    );
    save(&mut wb, &p);
    paths.push(rel(&p));
    // A renumbered code (21005, before 2019) printed beside its successor 21011, and a code
    // cell with junk glued on.
    let p = unit("广安门内街道办事处").join("renumbered.xlsx");
    let mut wb = Workbook::new();
    table(
        &mut wb,
        "Sheet1",
        "编制单位：北京市西城区广安门内街道办事处",
        &[
            ("210", "卫生健康支出", 7.0),
            ("21005", "医疗保障", 3.0),
            ("21011", "行政事业单位医疗", 4.0),
            ("2０1x", "一般公共服务支出", 5.0),
        ],
    );
    save(&mut wb, &p);
    paths.push(rel(&p));
    // One statement repeated 10,000 times.
    let p = unit("广安门外街道办事处").join("2023年度广安门外街道办事处部门决算.txt");
    std::fs::create_dir_all(p.parent().expect("folder")).expect("mkdir");
    let mut text = String::from(
        "2023年度北京市西城区广安门外街道办事处\n部门决算\n（二）一般公共预算财政拨款支出决算具体情况\n",
    );
    for _ in 0..10_000 {
        text.push_str("1、一般公共服务（类）\n2023年度决算100.00万元，比2023年年初预算减少1.00万元，下降0.99%。\n");
    }
    std::fs::write(&p, text).expect("write");
    paths.push(rel(&p));
    paths
}

/// Big5 bytes of a text (the common characters of a report; others become '?').
fn big5(text: &str) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; sys.stdout.buffer.write(sys.stdin.read().encode('big5', errors='replace'))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().expect("stdin").write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3 encodes Big5");
    assert!(out.status.success());
    out.stdout
}

/// The rows of good units, per dataset, as text.
fn good_rows(wh: &Path) -> BTreeMap<&'static str, Vec<Row>> {
    let ids: BTreeSet<&str> = ["110102-yuetan", "110102-tianqiao", "110102-xinjiekou"].into();
    [
        "expenditure",
        "economic_expenditure",
        "units",
        "execution",
        "performance_projects",
    ]
    .into_iter()
    .map(|d| {
        let mut rows: Vec<Row> = read_dataset(&wh.join(d))
            .into_iter()
            .filter(|r| ids.contains(r["unit_id"].as_str()))
            .collect();
        rows.sort();
        (d, rows)
    })
    .collect()
}

#[test]
fn a_hostile_folder_costs_nothing_but_its_own_files() {
    let dir = tempfile::tempdir().expect("temp");
    // The good units alone, for reference.
    let alone_in = dir.path().join("alone");
    good_units(&alone_in);
    let alone_wh = dir.path().join("alone_wh");
    let o = run(&alone_in, &alone_wh, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let input = dir.path().join("in");
    good_units(&input);
    // Not inputs, but listed: a hidden file and an Office lock file.
    std::fs::write(input.join("2023/西城区/.DS_Store"), b"x").expect("write");
    std::fs::write(input.join("2023/西城区/~$lock.xlsx"), b"x").expect("write");
    let hostile = hostile_inputs(&input);
    let garbage = garbage_inputs(&input);
    let wh = dir.path().join("wh");
    let cap_kib = 1024 * 1024; // ulimit -v: 1 GB of address space
    let o = run(&input, &wh, Some(cap_kib));
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));

    // Good units: exactly as alone.
    assert_eq!(good_rows(&wh), good_rows(&alone_wh));

    // Every hostile input is in the manifest and in rejects, with its reason.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wh.join("_manifest.json")).expect("manifest"),
    )
    .expect("json");
    let listed: BTreeMap<String, &serde_json::Value> = manifest["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| (i["path"].as_str().expect("path").to_string(), i))
        .collect();
    let rejects = read_dataset(&wh.join("rejects"));
    for (path, word) in &hostile {
        let entry = listed
            .get(path)
            .unwrap_or_else(|| panic!("{path} not in the manifest"));
        let status = entry["status"].as_str().unwrap_or("");
        assert!(
            status == "rejected" || (status == "partial" && path.ends_with("huge.xlsx")),
            "{path}: {entry}"
        );
        let reasons: Vec<&str> = rejects
            .iter()
            .filter(|r| &r["source_file"] == path)
            .map(|r| r["reason"].as_str())
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains(word)),
            "{path}: {word:?} not in {reasons:?}"
        );
    }
    // Nothing of the password file was read.
    let passwd = &listed["2023/西城区/牛街街道办事处/2023年度部门决算.txt"];
    assert_eq!(passwd["sha256"], "", "{passwd}");
    for path in &garbage {
        assert!(listed.contains_key(path), "{path}");
    }
    let skipped: Vec<(&str, &str)> = manifest["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap_or(""),
                s["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        skipped.contains(&("2023/西城区/.DS_Store", "hidden")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("2023/西城区/~$lock.xlsx", "Office lock file")),
        "{skipped:?}"
    );

    // The grain holds in every dataset, and the garbage left findings instead of rows.
    let keys: [(&str, &[&str]); 4] = [
        (
            "expenditure",
            &["unit_id", "year", "source", "fund", "code"],
        ),
        (
            "economic_expenditure",
            &["unit_id", "year", "source", "fund", "code"],
        ),
        ("units", &["unit_id", "year"]),
        ("execution", &["unit_id", "year", "fund", "code"]),
    ];
    for (dataset, key) in keys {
        let rows = read_dataset(&wh.join(dataset));
        let mut seen = BTreeSet::new();
        for r in &rows {
            let k: Vec<&str> = key.iter().map(|c| r[*c].as_str()).collect();
            assert!(seen.insert(k.clone()), "{dataset}: {k:?} twice");
        }
    }
    let expenditure = read_dataset(&wh.join("expenditure"));
    let findings = read_dataset(&wh.join("findings"));
    let duplicates = |file: &str| {
        findings
            .iter()
            .filter(|f| f["rule_id"] == "grain.duplicate" && f["references"].contains(file))
            .count()
    };
    // The table on two sheets: one table loaded, one finding naming both sheets.
    let copies: Vec<&Row> = findings
        .iter()
        .filter(|f| {
            f["rule_id"] == "workbook.duplicate_table" && f["references"].contains("twice.xlsx")
        })
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(
        copies[0]["references"].contains("#支出表１")
            && copies[0]["references"].contains("#支出表1")
    );
    assert_eq!(
        duplicates("twice.xlsx"),
        0,
        "no row of the second sheet reached the grain"
    );
    assert_eq!(
        find(&expenditure, &[("unit_id", "110102-baizhifang")]).len(),
        2
    );
    // The continuation sheet is no copy: both sheets load, and no finding calls it one.
    let continued: BTreeSet<&str> = find(&expenditure, &[("unit_id", "110102-shichahai")])
        .iter()
        .map(|r| r["code"].as_str())
        .collect();
    assert_eq!(continued, ["201", "212"].into());
    assert!(!findings
        .iter()
        .any(|f| f["rule_id"] == "workbook.duplicate_table"
            && f["references"].contains("continued.xlsx")));
    assert_eq!(
        duplicates("renumbered.xlsx"),
        1,
        "21005 is 21011 since 2019"
    );
    let renumbered = find(&expenditure, &[("unit_id", "110102-guanganmennei")]);
    assert!(
        renumbered.iter().all(|r| r["code"] != "201"),
        "2０1x is no code"
    );
    let repeated = find(
        &expenditure,
        &[("unit_id", "110102-guanganmenwai"), ("source", "report")],
    );
    assert_eq!(repeated.len(), 1, "{repeated:?}");
    assert_eq!(repeated[0]["actual"], "1000000.00");
    // The amount that does not fit is a row reject; its neighbour loads.
    let huge = find(&expenditure, &[("unit_id", "110102-jinrongjie")]);
    assert_eq!(
        huge.iter().map(|r| r["code"].as_str()).collect::<Vec<_>>(),
        ["208"]
    );
    // The overflowing district wrote no rows, only its rejects.
    assert!(expenditure.iter().all(|r| r["district_code"] != "110105"));

    // Far below the cap.
    let peak = manifest["peak_rss_bytes"].as_u64().expect("peak_rss_bytes");
    eprintln!("hostile batch: peak RSS {} MB", peak / 1_000_000);
    assert!(peak < 512 * 1024 * 1024, "peak RSS {peak} bytes");
    assert!(!repo().join("s3:").exists());
}

#[test]
fn an_output_url_is_refused_not_taken_for_a_folder() {
    let dir = tempfile::tempdir().expect("temp");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args(["run", "--output", "ftp://bucket/x"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("ftp:// is not supported"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("ftp:").exists());
    // Nor is an input URL read as a folder.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args(["run", "--input", "s3://bucket/raw", "--output"])
        .arg(dir.path().join("wh"))
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("inputs: s3://bucket/raw"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("wh").exists(), "nothing written");
}
