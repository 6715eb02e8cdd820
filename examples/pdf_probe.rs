fn main() {
    let args: Vec<String> = std::env::args().collect();
    let doc = juesuan::extract::pdf::read(
        std::path::Path::new(&args[1]),
        &juesuan::config::Limits::default(),
    )
    .unwrap();
    let sheet = doc.tables.unwrap();
    for r in sheet.first_row..sheet.end_row {
        let cells: Vec<String> = (sheet.first_col..sheet.end_col)
            .map(|c| {
                if sheet.is_merged_tail(r, c) {
                    "^".to_string()
                } else {
                    sheet.text(r, c).unwrap_or("").to_string()
                }
            })
            .collect();
        println!("{:?} {}", sheet.origin(r), cells.join(" | "));
    }
}
