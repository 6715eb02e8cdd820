//! `report.sections`: the national template's sections in a report.

use super::*;

/// `report.sections`: each section of the national template's 情况说明 is in the report,
/// with text under it (a heading in the contents alone does not count). One finding per
/// section missing, a warning.
pub(super) fn sections(ctx: &mut Ctx, x: &Extraction) {
    use crate::transform::narrative::sections::Section;
    let (Some(unit), Some(report), Some(file)) = (&x.identity, &x.report, file_of(x)) else {
        return;
    };
    // A report read as no more than a few paragraphs is not a report's text (a table's
    // notes in a PDF of tables only): no completeness to ask of it.
    if report.paragraphs < 20 {
        return;
    }
    for section in Section::REQUIRED {
        ctx.checks += 1;
        if report.sections.contains(&section) {
            continue;
        }
        ctx.fail(
            RuleId::ReportSections,
            unit,
            &file,
            None,
            Severity::Warning,
            format!(
                "the report has no section {:?} ({}) with text under it",
                section.title(),
                section.id()
            ),
            section.title().to_string(),
            "missing".into(),
            "none".into(),
            vec![file.display_path.to_string()],
        );
    }
}
