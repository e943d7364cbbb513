//! Text read from files (plans, inventories, imports) made safe to print to a terminal or into Markdown: control,
//! invisible and bidirectional formatting characters are written as `\u{XXXX}`, so that no waiver reason, note,
//! description or name can retitle or clear the terminal, move the cursor, fake a verdict or reorder what is
//! shown. Long free text (a note a host reported) is cut to a bounded length, saying how much was cut.

use std::borrow::Cow;

/// A character that must not reach a terminal or a rendered document as it is.
pub fn is_unsafe(c: char) -> bool {
    // U+2028 and U+2029 break lines in editors and end statements in JavaScript, though they are no controls.
    c.is_control() || crate::names::is_invisible_or_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The most characters of one free text (a note, an error a host reported) that reach a terminal or a report.
pub const MAX_NOTE: usize = 2000;

/// `s` cut to `max` characters, ending with how many were cut; borrowed when it is short enough.
pub fn truncated(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => {
            let cut = s[end..].chars().count();
            Cow::Owned(format!("{}... ({cut} more characters cut)", &s[..end]))
        }
    }
}

/// Text for a terminal: lines are kept, anything else unsafe is escaped (see [`escape`]).
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<_> = s.split('\n').map(escape).collect();
    Cow::Owned(lines.join("\n"))
}

/// Pretty JSON of `value` written through [`VisibleJson`], ending with a line break.
pub fn json_pretty(value: &impl serde::Serialize) -> String {
    let mut out = Vec::new();
    // Serialising to memory fails only for maps with keys that are not strings, which no report has.
    if serde_json::to_writer_pretty(VisibleJson(&mut out), value).is_err() {
        return "{}\n".into();
    }
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_else(|_| "{}\n".into())
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

/// A writer for JSON text that spells out its unsafe characters beyond ASCII (bidirectional and invisible
/// formatting characters, C1 controls) as `\uXXXX` escapes, which JSON reads back as the same characters:
/// the value is unchanged, and a reviewer reading the file or its diff sees them instead of text they
/// reorder. JSON writers escape the controls below U+0020 themselves.
pub struct VisibleJson<W>(pub W);

impl<W: std::io::Write> std::io::Write for VisibleJson<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        // JSON writers hand over whole characters; anything else passes as it is.
        let text = match std::str::from_utf8(buf) {
            Ok(text) if !buf.is_ascii() => text,
            _ => return self.0.write_all(buf),
        };
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c.is_ascii() || !is_unsafe(c) {
                continue;
            }
            self.0.write_all(&buf[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(self.0, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        self.0.write_all(&buf[start..])
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
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
        assert_eq!(escape("a\u{2028}b\u{2029}"), "a\\u{2028}b\\u{2029}");
    }

    #[test]
    fn terminal_text_keeps_lines_only() {
        assert_eq!(for_terminal("a\nb"), Cow::Borrowed("a\nb"));
        assert_eq!(
            for_terminal("x\u{1b}]0;t\u{7}:1:1\nhelp\r"),
            "x\\u{001B}]0;t\\u{0007}:1:1\nhelp\\u{000D}"
        );
    }

    #[test]
    fn long_text_is_cut_with_the_count() {
        assert_eq!(truncated("short", 10), Cow::Borrowed("short"));
        assert_eq!(truncated("ééééé", 5), "ééééé");
        assert_eq!(truncated("abcdefgh", 3), "abc... (5 more characters cut)");
    }

    #[test]
    fn json_spells_out_bidi_and_invisible_characters_and_reads_back_the_same() {
        let value = serde_json::json!({
            "reason": "accepted \u{202E}gnp.exe\u{202C} until \u{2066}Q3\u{2069}",
            "note": "zero\u{200B}width, C1 \u{0085}, tag \u{E0041}, é and 日本, line\u{2028}sep",
            "line": "a\nb",
        });
        let mut out = Vec::new();
        serde_json::to_writer_pretty(VisibleJson(&mut out), &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        for c in [
            '\u{202E}',
            '\u{202C}',
            '\u{2066}',
            '\u{2069}',
            '\u{200B}',
            '\u{0085}',
            '\u{E0041}',
            '\u{2028}',
        ] {
            assert!(!text.contains(c), "{c:?} written as it is: {text}");
        }
        assert!(
            text.contains("\\u202e") && text.contains("\\udb40\\udc41"),
            "{text}"
        );
        assert!(
            text.contains("é and 日本") && text.contains("a\\nb"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
