//! LDIF as written by `ldifde`, `ldapsearch` and `ldbsearch` (RFC 2849 content records).
//!
//! Handles folded lines, comments, `attr:: base64` values, `dn::`, `-` separators and `changetype: add`
//! records, CRLF line ends, and the UTF-16 files `ldifde -u` writes. Attribute options (`member;range=0-1499`)
//! are dropped so the values join their attribute.

use base64::Engine;

use super::Entry;
use crate::diag::{Diagnostic, Diagnostics};
use crate::inventory::SourceFile;

/// Decodes the bytes of an LDIF file to text (UTF-8, or UTF-16 with a byte order mark).
pub fn decode(name: &str, bytes: &[u8]) -> Result<String, Diagnostics> {
    let one = |d: Diagnostic| Diagnostics(vec![d]);
    let utf16 = |le: bool| -> Result<String, Diagnostics> {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            one(Diagnostic::file(
                name,
                "the file starts with a UTF-16 byte order mark but is not valid UTF-16",
                Some("export the LDIF again (ldifde -u writes UTF-16)".into()),
            ))
        })
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        _ => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8(bytes.to_vec()).map_err(|e| {
                one(Diagnostic::file(
                    name,
                    format!(
                        "the file is not UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    Some("export the LDIF as UTF-8 or UTF-16".into()),
                ))
            })
        }
    }
}

/// Parses LDIF text into entries. `name` is used in messages.
pub fn parse(name: &str, text: &str) -> Result<Vec<Entry>, Diagnostics> {
    let src = SourceFile::new(name, text);
    // Errors point at the start of the (unfolded) line, given as a byte offset.
    let err = |offset: usize, message: String, help: &str| {
        let end = text[offset..]
            .find(['\r', '\n'])
            .map_or(text.len(), |e| offset + e);
        Diagnostics(vec![Diagnostic::at(
            &src,
            offset..end.max(offset),
            message,
            Some(help.to_string()),
        )])
    };
    // Unfold: a line starting with one space continues the previous line.
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut offset = 0usize;
    for raw in text.split('\n') {
        let start = offset;
        offset += raw.len() + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix(' ')
            && let Some((_, last)) = lines.last_mut()
            && !last.is_empty()
        {
            last.push_str(rest);
            continue;
        }
        lines.push((start, raw.to_string()));
    }

    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    // Search references (`ref: ldap:///...`, written by ldapsearch and ldbsearch) are records without a DN.
    let mut in_reference = false;
    for (at, line) in lines {
        if line.is_empty() {
            entries.extend(current.take());
            in_reference = false;
            continue;
        }
        if in_reference {
            continue;
        }
        if line.starts_with('#') || line == "-" {
            continue;
        }
        let Some((attr, value)) = line.split_once(':') else {
            return Err(err(
                at,
                format!("line is not `attribute: value`: `{}`", clip(&line)),
                "check that the file is LDIF (ldifde -f, ldapsearch -LLL or ldbsearch output)",
            ));
        };
        let value: Vec<u8> = if let Some(b64) = value.strip_prefix(':') {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| {
                    err(
                        at,
                        format!("attribute `{attr}` has an invalid base64 value: {e}"),
                        "export the LDIF again; the line may have been cut",
                    )
                })?
        } else if value.starts_with('<') {
            // A value given by URL (`attr:< file:///...`) is not read: nothing we map is stored that way.
            continue;
        } else {
            value.strip_prefix(' ').unwrap_or(value).as_bytes().to_vec()
        };
        let attr = attr.split(';').next().unwrap_or(attr).to_ascii_lowercase();
        match attr.as_str() {
            "version" if current.is_none() => {}
            "dn" => {
                entries.extend(current.take());
                let dn = String::from_utf8(value).map_err(|_| {
                    err(
                        at,
                        "the DN is not valid UTF-8".into(),
                        "export the LDIF again",
                    )
                })?;
                current = Some(Entry::new(dn));
            }
            "ref" if current.is_none() => in_reference = true,
            "changetype" | "control" => {}
            _ => match current.as_mut() {
                Some(e) => e.attrs.entry(attr).or_default().push(value),
                None => {
                    return Err(err(
                        at,
                        format!("attribute `{attr}` appears before any `dn:` line"),
                        "every LDIF record starts with a `dn:` line",
                    ));
                }
            },
        }
    }
    entries.extend(current);
    Ok(entries)
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_base64_and_comments() {
        let text = "version: 1\r\n# a comment\r\n#  folded comment\r\ndn: CN=Al\r\n ice,DC=corp\r\nobjectClass: user\r\n\
                    sAMAccountName:: w6lyaWM=\r\nmember;range=0-1: CN=x\r\n-\r\n\r\ndn:: Q049Ym9i\r\nfSMORoleOwner: CN=NTDS\r\n  Settings\r\n";
        let e = parse("t", text).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "CN=Alice,DC=corp");
        assert_eq!(e[0].first("samaccountname").as_deref(), Some("éric"));
        assert_eq!(e[0].all("member"), vec!["CN=x".to_string()]);
        assert_eq!(e[1].dn, "CN=bob");
        assert_eq!(
            e[1].first("fsmoroleowner").as_deref(),
            Some("CN=NTDS Settings")
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("f.ldif", "dn: CN=a\nnonsense line\n").unwrap_err();
        assert_eq!(e.0[0].line, 2);
        let refs = parse(
            "f.ldif",
            "# search reference\nref: ldap:///CN=Configuration,DC=x\n\ndn: CN=a\n",
        )
        .unwrap();
        assert_eq!(refs.len(), 1);
        let e = parse("f.ldif", "objectClass: user\n").unwrap_err();
        assert!(e.0[0].message.contains("before any `dn:`"));
        let e = parse("f.ldif", "dn: CN=a\nobjectSid:: !!!\n").unwrap_err();
        assert!(e.0[0].message.contains("base64"));
    }

    #[test]
    fn utf16_files_decode() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "dn: CN=a\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert_eq!(decode("x", &bytes).unwrap(), "dn: CN=a\n");
        assert!(decode("x", b"\xff\xfe\x00").is_ok());
        assert!(decode("x", b"\xc3").is_err());
    }
}
