//! Text that comes in: codes, names and notes, cleaned the same way for
//! every ledger before anything compares or stores them.
//!
//! - Invisible characters (zero-width spaces and joiners, the byte-order
//!   mark, soft hyphens) are removed and surrounding white space trimmed:
//!   `GP-1` pasted with a zero-width space is `GP-1`.
//! - Codes are also put in Unicode's compatibility form (NFKC), so a
//!   full-width `ＧＰ-ＲＥＳ` is the code `GP-RES`; names keep their form
//!   (a company's full-width brackets are part of its registered name).
//! - Control characters (NUL, escapes, line breaks in a code or a name) and
//!   the bidirectional overrides that make text display other than it is
//!   are refused; notes may hold line breaks and tabs.
//! - Lengths are capped, and an error message repeats at most the start
//!   of what it refuses.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// The longest code (a parcel's 地块编号, a certificate number…), in characters.
pub const MAX_CODE_CHARS: usize = 64;
/// The longest name (an enterprise, a programme, a project title…).
pub const MAX_NAME_CHARS: usize = 300;
/// The longest note (a reason, a location, a remark).
pub const MAX_NOTE_CHARS: usize = 4_000;

/// Characters that show nothing and would make two equal-looking texts differ.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
    )
}

/// Characters that reorder how text displays (Trojan-source style).
fn bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// What kind of text, and so which rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code,
    Name,
    Note,
}

/// Text made safe inside HTML or SVG, as an element's text or a quoted
/// attribute (the map's labels, the dashboard's error pages).
#[must_use]
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The start of `text` as an error message may show it: at most 40
/// characters, control characters escaped, and the full length said.
#[must_use]
pub fn shown(text: &str) -> String {
    let count = text.chars().count();
    let head: String = text.chars().take(40).collect();
    let head = format!("{head:?}");
    if count > 40 {
        format!("{head}… ({count} characters)")
    } else {
        head
    }
}

fn clean(field: &str, raw: &str, kind: Kind) -> Result<String> {
    let (limit, what) = match kind {
        Kind::Code => (MAX_CODE_CHARS, "a code"),
        Kind::Name => (MAX_NAME_CHARS, "a name"),
        Kind::Note => (MAX_NOTE_CHARS, "a note"),
    };
    // Printable ASCII without spaces (most codes) is its own clean form.
    if raw.len() <= limit && raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(raw.to_owned());
    }
    // Counted on the raw text first, so a huge input costs no more work.
    if raw.chars().nth(limit * 4).is_some() {
        return Err(Error::validation(
            field,
            format!(
                "{} is too long for {what} (at most {limit} characters)",
                shown(raw)
            ),
        ));
    }
    for c in raw.chars() {
        let line_break = matches!(c, '\n' | '\r' | '\t');
        if (c.is_control() && !(kind == Kind::Note && line_break)) || bidi_control(c) {
            return Err(Error::validation(
                field,
                format!(
                    "{} holds the control character {:?} (U+{:04X}), which {what} may not",
                    shown(raw),
                    c,
                    u32::from(c)
                ),
            ));
        }
    }
    let visible: String = raw.chars().filter(|c| !invisible(*c)).collect();
    let text = match kind {
        Kind::Code => visible.nfkc().filter(|c| !invisible(*c)).collect(),
        Kind::Name | Kind::Note => visible,
    };
    let text = text.trim();
    if text.chars().count() > limit {
        return Err(Error::validation(
            field,
            format!(
                "{} is too long for {what} (at most {limit} characters)",
                shown(raw)
            ),
        ));
    }
    Ok(text.to_owned())
}

/// A code, cleaned (see the module); refused if nothing is left.
///
/// # Errors
/// [`Error::Validation`] naming `field`.
pub fn code(field: &str, raw: &str) -> Result<String> {
    let text = clean(field, raw, Kind::Code)?;
    if text.is_empty() {
        return Err(Error::validation(field, format!("{} is empty", shown(raw))));
    }
    Ok(text)
}

/// A name, cleaned (see the module); refused if nothing is left.
///
/// # Errors
/// [`Error::Validation`] naming `field`.
pub fn name(field: &str, raw: &str) -> Result<String> {
    let text = clean(field, raw, Kind::Name)?;
    if text.is_empty() {
        return Err(Error::validation(field, format!("{} is empty", shown(raw))));
    }
    Ok(text)
}

/// A note, cleaned (see the module); `None` if nothing is left.
///
/// # Errors
/// [`Error::Validation`] naming `field`.
pub fn note(field: &str, raw: &str) -> Result<Option<String>> {
    let text = clean(field, raw, Kind::Note)?;
    Ok((!text.is_empty()).then_some(text))
}

/// A note that may be absent: `None`, or text that cleans to nothing, is none.
///
/// # Errors
/// [`Error::Validation`] naming `field`.
pub fn optional_note(field: &str, raw: Option<&str>) -> Result<Option<String>> {
    Ok(raw.map(|r| note(field, r)).transpose()?.flatten())
}

/// A note that must say something (a reason).
///
/// # Errors
/// [`Error::Validation`] naming `field`, also when nothing is left.
pub fn required_note(field: &str, raw: &str, what: &str) -> Result<String> {
    note(field, raw)?
        .ok_or_else(|| Error::validation(field, format!("{what}: {} says nothing", shown(raw))))
}

/// A code as a lookup compares it: cleaned as [`code`] cleans, or as
/// given if it would be refused (and then matches nothing stored since).
#[must_use]
pub fn lookup(raw: &str) -> std::borrow::Cow<'_, str> {
    // Printable ASCII without spaces is its own clean form (most codes).
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_graphic()) {
        return std::borrow::Cow::Borrowed(raw);
    }
    match code("code", raw) {
        Ok(clean) if clean != raw => std::borrow::Cow::Owned(clean),
        _ => std::borrow::Cow::Borrowed(raw),
    }
}

/// [`code`] of an optional code: `None` stays `None`, and so does a code
/// of only spaces or invisible characters.
///
/// # Errors
/// As [`code`].
pub fn optional(
    field: &str,
    raw: Option<&str>,
    rule: fn(&str, &str) -> Result<String>,
) -> Result<Option<String>> {
    match raw {
        None => Ok(None),
        Some(raw) if clean(field, raw, Kind::Note)?.is_empty() => Ok(None),
        Some(raw) => rule(field, raw).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_that_look_alike_are_one_code() {
        for same in [
            "GP-RES",
            " GP-RES ",
            "GP\u{200B}-RES",
            "\u{FEFF}GP-RES",
            "ＧＰ-ＲＥＳ",
        ] {
            assert_eq!(code("code", same).unwrap(), "GP-RES", "{same:?}");
        }
    }

    #[test]
    fn control_characters_and_overrides_are_refused() {
        for bad in [
            "GP\u{0}1",
            "GP\n1",
            "\u{1b}[31mGP",
            "GP\u{202E}1",
            "GP\u{2066}1",
        ] {
            let e = code("code", bad).unwrap_err();
            assert!(matches!(e, Error::Validation { .. }), "{bad:?}");
        }
        assert!(note("reason", "line one\nline two").unwrap().is_some());
        assert!(note("reason", "a\u{0}b").is_err());
    }

    #[test]
    fn nothing_visible_is_empty_and_huge_input_is_not_repeated() {
        assert!(code("code", "\u{200B}").is_err());
        assert!(required_note("reason", "\u{200B} ", "a void").is_err());
        let huge = "x".repeat(50_000_000);
        let message = code("code", &huge).unwrap_err().to_string();
        assert!(message.len() < 200, "{}", message.len());
        assert!(message.contains("50000000 characters"));
    }

    #[test]
    fn a_lookup_cleans_as_a_code_does() {
        for raw in ["GP-RES", "ＧＰ-ＲＥＳ", " GP-RES", "GP\u{200B}-RES"] {
            assert_eq!(lookup(raw), "GP-RES", "{raw:?}");
        }
        assert_eq!(lookup("GP\u{0}1"), "GP\u{0}1");
    }

    #[test]
    fn names_keep_their_form() {
        assert_eq!(
            name("name", " 东岸（集团）有限公司\u{200B}").unwrap(),
            "东岸（集团）有限公司"
        );
    }
}
