//! Strict validation of directory names: what the inventory may contain and what may reach a script; and the
//! forms names are compared in.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

/// The form names are compared in: Unicode compatibility normalization (NFKC) and case folding, so that `K`
/// (U+212A KELVIN SIGN) and `k`, or full-width and plain letters, are the same name.
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    let lower = s.nfkc().collect::<String>().to_lowercase();
    Cow::Owned(lower.nfkc().collect())
}

/// A key under which names that look alike coincide: the Unicode confusable skeleton (UTS #39) of the folded
/// name, folded again (`аdmin` with a Cyrillic `а` and `admin` share one).
pub fn look_alike_key(s: &str) -> String {
    let skeleton: String = unicode_security::skeleton(&fold(s)).collect();
    fold(&skeleton).into_owned()
}

/// Why a name is not acceptable, as a sentence fragment ("... because it {reason}").
pub type NameError = String;

fn check_common(s: &str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!("contains the control character U+{:04X}", c as u32));
    }
    if let Some(c) = s.chars().find(|c| is_invisible_or_bidi(*c)) {
        return Err(format!(
            "contains the invisible or right-to-left formatting character U+{:04X}",
            c as u32
        ));
    }
    Ok(())
}

/// Zero-width, bidirectional and other formatting characters that make a name look like another.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF
        | 0xFFA0 | 0xFFF0..=0xFFFB | 0xE0000..=0xE0FFF)
}

/// A DNS name (`corp.contoso.com`): labels of 1-63 ASCII letters, digits and hyphens, at most 253 characters.
pub fn dns_name(s: &str) -> Result<(), NameError> {
    check_common(s)?;
    if s.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Err("has an empty label (two dots, or a dot at an end)".into());
        }
        if label.len() > 63 {
            return Err(format!("has the label `{label}` longer than 63 characters"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "contains `{c}`: DNS names use only letters, digits, `-` and `.`"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "has the label `{label}` starting or ending with `-`"
            ));
        }
    }
    Ok(())
}

/// A NetBIOS domain name: 1-15 ASCII letters, digits, `-` or `_`.
pub fn netbios_name(s: &str) -> Result<(), NameError> {
    check_common(s)?;
    if s.chars().count() > 15 {
        return Err("is longer than 15 characters".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "contains `{c}`: NetBIOS names here use only letters, digits, `-` and `_`"
        ));
    }
    Ok(())
}

/// A computer name: a NetBIOS computer name (1-15 letters, digits, `-`) or a fully qualified DNS name.
pub fn host_name(s: &str) -> Result<(), NameError> {
    check_common(s)?;
    if s.contains('.') {
        return dns_name(s);
    }
    if s.chars().count() > 15 {
        return Err(
            "is longer than 15 characters: give the NetBIOS computer name, or the fully qualified DNS name"
                .into(),
        );
    }
    dns_name(s)
}

/// Characters Active Directory forbids in sAMAccountName.
const SAM_FORBIDDEN: &[char] = &[
    '"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@',
];

/// A sAMAccountName: at most 20 characters for users (256 for groups), none of `"/\[]:;|=,+*?<>@`, no
/// backtick, `$` only at the end, no control, invisible or right-to-left characters, not only dots and spaces.
pub fn sam_name(s: &str, max: usize) -> Result<(), NameError> {
    check_common(s)?;
    if s.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if let Some(c) = s.chars().find(|c| SAM_FORBIDDEN.contains(c) || *c == '`') {
        return Err(format!(
            "contains `{c}`, which account names may not contain"
        ));
    }
    // `$` ends computer account names; anywhere else it only serves to smuggle `$(...)` into a script.
    if s.trim_end_matches('$').contains('$') {
        return Err(
            "contains `$` before its end (only a computer account name ends in `$`)".into(),
        );
    }
    if s.chars().all(|c| c == '.' || c == ' ') {
        return Err("consists only of dots and spaces".into());
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return Err("starts or ends with a space".into());
    }
    // Every ASCII character is its own compatibility form and ASCII mixes no scripts: most names stop here.
    if s.is_ascii() {
        return Ok(());
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.to_string().nfkc().ne(std::iter::once(*c)))
    {
        return Err(format!(
            "contains the compatibility character U+{:04X}, which stands for `{}`: write that instead",
            c as u32,
            c.to_string().nfkc().collect::<String>().escape_debug()
        ));
    }
    if !s.is_single_script() {
        return Err(
            "mixes letters of different scripts (such as Latin and Cyrillic), as look-alike names do".into(),
        );
    }
    Ok(())
}

/// A plan-level identifier (path names, tags, stage names): 1-64 of ASCII letters, digits, `-`, `_`, `.`.
pub fn identifier(s: &str) -> Result<(), NameError> {
    check_common(s)?;
    if s.len() > 64 {
        return Err("is longer than 64 characters".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains `{c}`: use only letters, digits, `-`, `_` and `.`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_rejected() {
        for bad in [
            "a;b",
            "x`whoami`",
            "$(calc)",
            "a\nb",
            "o'brien\"",
            "adm\u{202E}nimda",
            "ad\u{200B}min",
        ] {
            assert!(sam_name(bad, 20).is_err(), "{bad:?} accepted as SAM name");
            assert!(host_name(bad).is_err(), "{bad:?} accepted as host name");
            assert!(identifier(bad).is_err(), "{bad:?} accepted as identifier");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        assert!(dns_name("corp.contoso.com").is_ok());
        assert!(netbios_name("CORP").is_ok());
        assert!(host_name("PAW-01").is_ok());
        assert!(host_name("srv01.corp.contoso.com").is_ok());
        assert!(sam_name("alice.admin", 20).is_ok());
        assert!(sam_name("WEB01$", 20).is_ok());
        assert!(sam_name("山田太郎", 20).is_ok());
        assert!(host_name("THIS-NAME-IS-TOO-LONG").is_err());
        assert!(dns_name("-bad.example").is_err());
        assert!(
            sam_name(
                "\u{0414}\u{043C}\u{0438}\u{0442}\u{0440}\u{0438}\u{0439}",
                20
            )
            .is_ok()
        );
        assert!(sam_name("\u{0142}\u{0151}\u{00D1}.admin", 20).is_ok());
    }

    #[test]
    fn ascii_names_need_no_compatibility_or_script_check() {
        // `sam_name` stops before those checks for ASCII names: it may only because of this.
        for c in (0x20u8..0x7f).map(char::from) {
            assert!(c.to_string().nfkc().eq(std::iter::once(c)), "{c:?}");
        }
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        assert!(all.is_single_script());
    }

    #[test]
    fn look_alikes_and_compatibility_forms_are_refused_or_folded() {
        // Cyrillic a in a Latin name; Kelvin sign; full-width letters.
        assert!(sam_name("\u{0430}dmin", 20).is_err());
        assert!(sam_name("\u{212A}admin", 20).is_err());
        assert!(sam_name("\u{FF41}dmin", 20).is_err());
        assert_eq!(fold("\u{212A}ADMIN"), "kadmin");
        assert_eq!(fold("\u{FF21}dmin"), "admin");
        assert_eq!(fold("Admin"), "admin");
        assert_eq!(
            look_alike_key("\u{0430}\u{0441}\u{0435}"),
            look_alike_key("ace")
        );
        assert_ne!(look_alike_key("alice"), look_alike_key("bob"));
    }
}
