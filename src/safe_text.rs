//! Text read from files (plans, inventories, imports) made safe to print to a terminal or into Markdown: control,
//! invisible and bidirectional formatting characters are written as `\u{XXXX}`, so that no waiver reason, note,
//! description or name can retitle or clear the terminal, move the cursor, fake a verdict or reorder what is
//! shown.

use std::borrow::Cow;

/// A character that must not reach a terminal or a rendered document as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || crate::names::is_invisible_or_bidi(c)
}

/// The escaped form of an unsafe character: `\u{XXXX}`.
pub fn escaped(c: char) -> String {
    format!("\\u{{{:04X}}}", c as u32)
}

/// `s` with every unsafe character, line breaks included, written as `\u{XXXX}`; borrowed when nothing changes.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&escaped(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_and_bidi_are_escaped() {
        assert_eq!(escape("ok"), Cow::Borrowed("ok"));
        assert_eq!(
            escape("\u{1b}]0;x\u{7}\u{1b}[2J\r\nPASS\u{202E}a\u{200B}"),
            "\\u{001B}]0;x\\u{0007}\\u{001B}[2J\\u{000D}\\u{000A}PASS\\u{202E}a\\u{200B}"
        );
        assert_eq!(escape("\u{9b}31m"), "\\u{009B}31m");
    }
}
