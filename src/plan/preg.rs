//! The `registry.pol` file of a Group Policy object (the "PReg" format of Microsoft's Registry Policy File
//! Format): the signature `PReg`, version 1, then records `[key;value;type;size;data]` whose brackets,
//! semicolons and strings are UTF-16LE, strings ending in a NUL, `type` and `size` little-endian 32-bit.
//!
//! No maintained crate reads or writes this format, so the writer and its reader are here; the reader serves
//! tests and anyone checking a generated file.

/// `REG_SZ`.
pub const REG_SZ: u32 = 1;
/// `REG_DWORD` (little-endian).
pub const REG_DWORD: u32 = 4;

/// The value of one policy record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolData {
    /// `REG_DWORD`.
    Dword(u32),
    /// `REG_SZ` (written with its terminating NUL).
    Sz(String),
    /// Any other type, as raw bytes.
    Other {
        /// Registry type number.
        kind: u32,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

/// One record: a value under a key below the hive the file belongs to (`Machine` or `User`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolEntry {
    /// Key path without the hive, e.g. `Software\Policies\Microsoft\Windows\CredentialsDelegation`.
    pub key: String,
    /// Value name.
    pub value: String,
    /// Value.
    pub data: PolData,
}

const SIGNATURE: &[u8; 4] = b"PReg";
const VERSION: u32 = 1;

fn utf16z(out: &mut Vec<u8>, s: &str) {
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out.extend_from_slice(&[0, 0]);
}

fn ch(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(&(c as u16).to_le_bytes());
}

/// The bytes of a `registry.pol` holding `entries`, in the order given.
pub fn write(entries: &[PolEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + entries.len() * 160);
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&VERSION.to_le_bytes());
    for e in entries {
        let (kind, bytes) = match &e.data {
            PolData::Dword(v) => (REG_DWORD, v.to_le_bytes().to_vec()),
            PolData::Sz(s) => {
                let mut b = Vec::new();
                utf16z(&mut b, s);
                (REG_SZ, b)
            }
            PolData::Other { kind, bytes } => (*kind, bytes.clone()),
        };
        ch(&mut out, '[');
        utf16z(&mut out, &e.key);
        ch(&mut out, ';');
        utf16z(&mut out, &e.value);
        ch(&mut out, ';');
        out.extend_from_slice(&kind.to_le_bytes());
        ch(&mut out, ';');
        // A record's data is a registry value: far below 4 GiB.
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        ch(&mut out, ';');
        out.extend_from_slice(&bytes);
        ch(&mut out, ']');
    }
    out
}

/// Why a `registry.pol` could not be read: what was expected, at which byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry.pol, byte {offset}: {what}")]
pub struct PolError {
    /// Byte offset in the file.
    pub offset: usize,
    /// What was wrong.
    pub what: String,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn fail<T>(&self, what: impl Into<String>) -> Result<T, PolError> {
        Err(PolError {
            offset: self.at,
            what: what.into(),
        })
    }

    fn u16(&mut self) -> Result<u16, PolError> {
        match self.bytes.get(self.at..self.at + 2) {
            Some(b) => {
                self.at += 2;
                Ok(u16::from_le_bytes([b[0], b[1]]))
            }
            None => self.fail("the file ends inside a record"),
        }
    }

    fn u32(&mut self) -> Result<u32, PolError> {
        match self.bytes.get(self.at..self.at + 4) {
            Some(b) => {
                self.at += 4;
                Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            None => self.fail("the file ends inside a record"),
        }
    }

    fn expect(&mut self, c: char) -> Result<(), PolError> {
        let start = self.at;
        if self.u16()? == c as u16 {
            Ok(())
        } else {
            self.at = start;
            self.fail(format!("expected `{c}`"))
        }
    }

    fn string(&mut self) -> Result<String, PolError> {
        let mut units = Vec::new();
        loop {
            match self.u16()? {
                0 => break,
                u => units.push(u),
            }
        }
        String::from_utf16(&units).or_else(|_| self.fail("a string is not valid UTF-16"))
    }
}

/// Reads a `registry.pol` back into its records.
pub fn read(bytes: &[u8]) -> Result<Vec<PolEntry>, PolError> {
    let mut r = Reader { bytes, at: 0 };
    if bytes.get(..4) != Some(SIGNATURE.as_slice()) {
        return r.fail("not a registry.pol file: it does not start with `PReg`");
    }
    r.at = 4;
    let version = r.u32()?;
    if version != VERSION {
        r.at = 4;
        return r.fail(format!("version {version}, expected 1"));
    }
    let mut out = Vec::new();
    while r.at < bytes.len() {
        r.expect('[')?;
        let key = r.string()?;
        r.expect(';')?;
        let value = r.string()?;
        r.expect(';')?;
        let kind = r.u32()?;
        r.expect(';')?;
        let size = r.u32()? as usize;
        r.expect(';')?;
        let Some(data) = bytes.get(r.at..r.at.saturating_add(size)) else {
            return r.fail(format!(
                "the data of `{value}` ({size} bytes) runs past the end"
            ));
        };
        r.at += size;
        let data = match kind {
            REG_DWORD if size == 4 => {
                PolData::Dword(u32::from_le_bytes([data[0], data[1], data[2], data[3]]))
            }
            REG_SZ if size % 2 == 0 => {
                let units: Vec<u16> = data
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let units = units.strip_suffix(&[0]).unwrap_or(&units);
                PolData::Sz(
                    String::from_utf16(units)
                        .or_else(|_| r.fail("a string is not valid UTF-16"))?,
                )
            }
            _ => PolData::Other {
                kind,
                bytes: data.to_vec(),
            },
        };
        r.expect(']')?;
        out.push(PolEntry { key, value, data });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_bytes() {
        let e = PolEntry {
            key: "K".into(),
            value: "V".into(),
            data: PolData::Dword(3),
        };
        let b = write(std::slice::from_ref(&e));
        let mut want = b"PReg\x01\0\0\0".to_vec();
        want.extend_from_slice(b"[\0K\0\0\0;\0V\0\0\0;\0\x04\0\0\0;\0\x04\0\0\0;\0\x03\0\0\0]\0");
        assert_eq!(b, want);
        assert_eq!(read(&b), Ok(vec![e]));
    }

    #[test]
    fn bad_files_are_errors_with_offsets() {
        assert_eq!(read(b"REGE\x01\0\0\0").unwrap_err().offset, 0);
        assert!(
            read(b"PReg\x02\0\0\0")
                .unwrap_err()
                .what
                .contains("version 2")
        );
        let mut b = write(&[PolEntry {
            key: "K".into(),
            value: "V".into(),
            data: PolData::Sz("x".into()),
        }]);
        b.pop();
        assert!(read(&b).unwrap_err().what.contains("ends inside"));
        b.truncate(20);
        assert!(read(&b).is_err());
    }
}
