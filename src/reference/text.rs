//! Text normalisation shared by every extractor: full-width forms, whitespace inside
//! names, Chinese ordinal prefixes. Functions return borrowed text when nothing changes.

use std::borrow::Cow;

/// Maps full-width ASCII forms (０-９, Ａ-Ｚ, （）, ．, ：, －) to ASCII and the ideographic
/// space to a space.
pub fn fold_width(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(needs_fold) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(fold_char).collect())
}

fn needs_fold(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}'
}

/// One character width-folded (full-width ASCII and the ideographic space).
pub fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The key two names are compared by: width folded, all whitespace (incl. line breaks
/// inside wrapped cells) removed. "一般公共服务支\n出" and "一般公共服务支出" share a key.
pub fn name_key(name: &str) -> String {
    // One pass, one allocation (no intermediate folded copy, no growth while collecting).
    let mut key = String::with_capacity(name.len());
    key.extend(name.chars().map(fold_char).filter(|c| !c.is_whitespace()));
    key
}

/// A printed name cleaned for display: line breaks from wrapped cells joined, leading
/// full-width indentation removed, surrounding spaces trimmed.
pub fn clean_name(name: &str) -> String {
    let joined: String = name
        .split(['\n', '\r'])
        .map(|part| part.trim_matches(|c: char| c.is_whitespace()))
        .collect();
    joined.trim().to_string()
}

/// Reads a function or economic code as printed: "201", "201.0" (a number cell),
/// "２０１", "204-06-01", "2010101 行政运行" (code and name in one cell).
/// Returns the canonical digits and the rest of the cell (a name, possibly empty).
pub fn split_code(text: &str) -> Option<(String, &str)> {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace());
    let mut digits = String::with_capacity(7);
    let mut end = 0;
    for (i, c) in trimmed.char_indices() {
        let c = fold_char(c);
        if c.is_ascii_digit() {
            digits.push(c);
            end = i + trimmed[i..].chars().next().map_or(1, char::len_utf8);
        } else if c == '-' && !digits.is_empty() {
            continue;
        } else if c == '.' && !digits.is_empty() {
            // "201.0": a code stored as a number; only zeros may follow the point. The
            // point may be full-width (．, three bytes).
            let rest = &trimmed[i + trimmed[i..].chars().next().map_or(1, char::len_utf8)..];
            let zeros = rest.chars().take_while(|c| *c == '0').count();
            if rest[zeros..].starts_with(|c: char| c.is_ascii_digit()) {
                return None; // 20101.5 is a number, not a code
            }
            end = trimmed.len() - rest.len() + zeros;
            break;
        } else {
            break;
        }
    }
    if !matches!(digits.len(), 3 | 5 | 7) {
        return None;
    }
    // A code is followed by nothing, a space or its name: "2０1x" and "201a" are no codes.
    if trimmed[end..]
        .chars()
        .next()
        .is_some_and(|c| fold_char(c).is_ascii_alphanumeric())
    {
        return None;
    }
    let rest = trimmed[end..].trim_matches(|c: char| c.is_whitespace());
    Some((digits, rest))
}

/// Strips a Chinese ordinal prefix: "七、文化旅游体育与传媒支出" → "文化旅游体育与传媒支出",
/// "（一）", "1、", "2." as well.
pub fn strip_ordinal(name: &str) -> &str {
    let s = name.trim_start();
    let opened = s.trim_start_matches(['(', '（']);
    let after = opened.trim_start_matches(|c: char| {
        c.is_ascii_digit() || ('０'..='９').contains(&c) || "一二三四五六七八九十百".contains(c)
    });
    // An ordinal only when a separator follows it: 一般公共服务 starts with 一 and is no ordinal.
    let separated = after.len() < opened.len() && after.starts_with([')', '）', '、', '.', '．']);
    if !separated {
        return s;
    }
    after.trim_start_matches([')', '）', '、', '.', '．', ' ', '\u{3000}'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_every_printed_form() {
        assert_eq!(split_code("201"), Some(("201".into(), "")));
        assert_eq!(split_code("201.0"), Some(("201".into(), "")));
        assert_eq!(split_code("2010101.0"), Some(("2010101".into(), "")));
        assert_eq!(split_code("２０１０１"), Some(("20101".into(), "")));
        assert_eq!(split_code("204-06-01"), Some(("2040601".into(), "")));
        assert_eq!(
            split_code(" 2010101 行政运行"),
            Some(("2010101".into(), "行政运行"))
        );
        assert_eq!(
            split_code("2010101行政运行"),
            Some(("2010101".into(), "行政运行"))
        );
        assert_eq!(split_code("20101.5"), None);
        // Junk glued to the digits is no code (hostile input seen: a cell "2０1x").
        assert_eq!(split_code("2０1x"), None);
        assert_eq!(split_code("201a"), None);
        assert_eq!(split_code("2010"), None);
        assert_eq!(split_code("合计"), None);
        // regression: a full-width point after the digits must not split a character
        assert_eq!(split_code("201．0"), Some(("201".into(), "")));
        assert_eq!(
            split_code("201．一般公共服务"),
            Some(("201".into(), "一般公共服务"))
        );
    }

    #[test]
    fn names() {
        assert_eq!(name_key("一般公共服务支\n出"), "一般公共服务支出");
        assert_eq!(
            name_key("政府办公厅(室)及相关机构事务"),
            name_key("政府办公厅（室）及相关机构事务")
        );
        assert_eq!(clean_name("\u{3000}\u{3000}行政运行"), "行政运行");
        assert_eq!(
            strip_ordinal("七、文化旅游体育与传媒支出"),
            "文化旅游体育与传媒支出"
        );
        assert_eq!(strip_ordinal("（一）收入"), "收入");
        assert_eq!(strip_ordinal("十一、住房保障支出"), "住房保障支出");
        assert_eq!(strip_ordinal("行政运行"), "行政运行");
        assert_eq!(strip_ordinal("一般公共服务"), "一般公共服务");
        assert_eq!(strip_ordinal("1、一般公共服务"), "一般公共服务");
    }
}

#[cfg(test)]
mod never_panic {
    use super::*;

    /// Arbitrary mixtures of ASCII, full-width and Chinese text: no function here panics.
    #[test]
    fn arbitrary_strings() {
        let pieces = [
            "2",
            "0",
            "1",
            "．",
            ".",
            "-",
            "０",
            "一",
            "、",
            "（",
            "）",
            "行政运行",
            " ",
            "\u{3000}",
            "年",
            "合计",
            "\n",
            "9",
        ];
        let mut rng = crate::synth::plan::Rng::new(11);
        for _ in 0..20_000 {
            let text: String = (0..rng.below(12))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            let _ = split_code(&text);
            let _ = strip_ordinal(&text);
            let _ = name_key(&text);
            let _ = clean_name(&text);
            let _ = crate::transform::identify::year_in(&text);
        }
    }
}
