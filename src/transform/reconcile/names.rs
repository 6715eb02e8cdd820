//! `classify.name`: a code printed with a name other than the catalogue's for the year —
//! its name of another year (207 文化体育与传媒支出, 2018 and earlier), a former name old
//! templates still print (20805 行政事业单位离退休), or a variant — is `info`: the code
//! decides, and the name as printed is kept in `name_printed`. One finding per name and
//! code of a file, naming every row that prints it.

use super::*;
use crate::model::ClassificationStatus;

pub(super) fn names(ctx: &mut Ctx, rows: &[&ExpenditureRow]) {
    // (file, code, printed name) → rows, in the order the rows came.
    let mut by: BTreeMap<(&str, &str, &str), Vec<&ExpenditureRow>> = BTreeMap::new();
    for r in rows {
        ctx.checks += 1;
        let renamed = match r.code.status {
            ClassificationStatus::Crosswalked => r.code.code_printed.is_none(),
            ClassificationStatus::NameVariant => true,
            _ => false,
        };
        if renamed && !r.name_printed.is_empty() {
            let key = (
                &*r.provenance.file.display_path,
                r.code.code.as_str(),
                r.name_printed.as_str(),
            );
            by.entry(key).or_default().push(r);
        }
    }
    for ((_, code, printed), group) in by {
        let first = group[0];
        let how = if first.code.status == ClassificationStatus::Crosswalked {
            "a former name of"
        } else {
            "a variant of the name of"
        };
        ctx.fail(
            RuleId::ClassifyName,
            &first.unit,
            &first.provenance.file,
            None,
            Severity::Info,
            format!(
                "{printed:?} is {how} {code}, in {} {:?}",
                first.unit.year, first.code.name
            ),
            first.code.name.clone(),
            printed.to_string(),
            "the catalogue's names and aliases".into(),
            group.iter().map(|r| r.provenance.reference()).collect(),
        );
    }
}
