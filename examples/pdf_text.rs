fn main() {
    let args: Vec<String> = std::env::args().collect();
    let doc = juesuan::extract::pdf::read(
        std::path::Path::new(&args[1]),
        &juesuan::config::Limits::default(),
    )
    .unwrap();
    print!("{}", doc.narrative.text);
}
