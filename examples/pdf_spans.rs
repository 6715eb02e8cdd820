use pdf_oxide::document::PdfDocument;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let doc = PdfDocument::open(&args[1]).unwrap();
    let page: usize = args[2].parse().unwrap();
    let spans = doc.extract_spans(page).unwrap();
    println!("mediabox {:?}", doc.get_page_media_box(page).unwrap());
    for s in &spans {
        println!(
            "SPAN x={:.1} y={:.1} w={:.1} h={:.1} sz={:.1} {:?}",
            s.bbox.x, s.bbox.y, s.bbox.width, s.bbox.height, s.font_size, s.text
        );
    }
}
