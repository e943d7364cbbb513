//! Text decoding of the inputs Windows writes (event exports, host state): UTF-8 passes through (its byte order
//! mark removed), UTF-16 with a byte order mark is transcoded to UTF-8. UTF-16 that is not well formed (a lone
//! surrogate, an odd number of bytes) is refused at its position rather than replaced: a value that is not what
//! Windows wrote must not be judged.

use std::fmt;
use std::io::{self, BufRead, Read};

/// Text that cannot be decoded, with the offset of the problem in the decoded (UTF-8) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadText {
    /// Offset in the decoded text, for a line and column.
    pub offset: u64,
    /// What is wrong, with the byte offset in the file (each reader says what to do about it).
    pub message: String,
}

impl fmt::Display for BadText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BadText {}

/// The [`BadText`] an I/O error carries, if any.
pub fn bad_text(e: &io::Error) -> Option<&BadText> {
    e.get_ref().and_then(|x| x.downcast_ref::<BadText>())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Unknown,
    Utf8,
    Utf16 { big_endian: bool },
}

/// A reader of the input decoded to UTF-8 (see the module documentation).
pub struct Decoded<R> {
    inner: R,
    encoding: Encoding,
    /// Raw bytes read and not yet decoded.
    raw: Vec<u8>,
    raw_pos: usize,
    /// Decoded bytes not yet delivered.
    out: Vec<u8>,
    out_pos: usize,
    /// Decoded bytes produced so far (delivered or in `out`).
    produced: u64,
    /// Raw bytes consumed so far.
    consumed: u64,
    /// A high surrogate waiting for its low half, and where it started in the file.
    high: Option<(u16, u64)>,
    /// The error to return once what precedes it is delivered.
    failed: Option<BadText>,
    eof: bool,
}

/// The input decoded to UTF-8: UTF-16 with a byte order mark is transcoded (and refused where it is not well
/// formed), UTF-8 passes through with its byte order mark removed.
pub fn decoded<R: Read>(input: R) -> Decoded<R> {
    Decoded {
        inner: input,
        encoding: Encoding::Unknown,
        raw: Vec::with_capacity(1 << 15),
        raw_pos: 0,
        out: Vec::with_capacity(1 << 16),
        out_pos: 0,
        produced: 0,
        consumed: 0,
        high: None,
        failed: None,
        eof: false,
    }
}

impl<R: Read> Decoded<R> {
    /// Reads more raw bytes, keeping the ones not decoded yet; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.raw.drain(..self.raw_pos);
        self.raw_pos = 0;
        let have = self.raw.len();
        self.raw.resize(have + (1 << 15), 0);
        let n = loop {
            match self.inner.read(&mut self.raw[have..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.raw.truncate(have);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(have + n);
        Ok(n > 0)
    }

    fn fail(&mut self, at_byte: u64, what: &str) {
        self.failed = Some(BadText {
            offset: self.produced,
            message: format!("{what} at byte {at_byte} of the file"),
        });
    }

    /// Decodes what is buffered into `out`.
    fn decode(&mut self) -> io::Result<()> {
        if self.encoding == Encoding::Unknown {
            while self.raw.len() < 3 && !self.eof {
                self.eof = !self.refill()?;
            }
            let (encoding, bom) = match self.raw.as_slice() {
                [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
                [0xFF, 0xFE, ..] => (Encoding::Utf16 { big_endian: false }, 2),
                [0xFE, 0xFF, ..] => (Encoding::Utf16 { big_endian: true }, 2),
                _ => (Encoding::Utf8, 0),
            };
            self.encoding = encoding;
            self.raw_pos = bom;
            self.consumed = bom as u64;
        }
        let unit = if matches!(self.encoding, Encoding::Utf16 { .. }) {
            2
        } else {
            1
        };
        if self.raw.len() - self.raw_pos < unit && !self.eof {
            self.eof = !self.refill()?;
        }
        let buf = std::mem::take(&mut self.raw);
        let raw = &buf[self.raw_pos..];
        match self.encoding {
            Encoding::Utf16 { big_endian } => {
                let pairs = raw.len() / 2;
                let mut used = 0;
                for i in 0..pairs {
                    let b = [raw[2 * i], raw[2 * i + 1]];
                    let u = if big_endian {
                        u16::from_be_bytes(b)
                    } else {
                        u16::from_le_bytes(b)
                    };
                    let at = self.consumed + 2 * i as u64;
                    used = 2 * (i + 1);
                    match (self.high.take(), u) {
                        (None, 0xD800..=0xDBFF) => self.high = Some((u, at)),
                        (Some((h, _)), 0xDC00..=0xDFFF) => {
                            let c =
                                0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                            self.push(c);
                        }
                        (Some((h, hat)), _) => {
                            self.fail(hat, &format!("a lone surrogate 0x{h:04X}"));
                            used = 2 * i;
                            break;
                        }
                        (None, 0xDC00..=0xDFFF) => {
                            self.fail(at, &format!("a lone surrogate 0x{u:04X}"));
                            used = 2 * i;
                            break;
                        }
                        (None, _) => self.push(u32::from(u)),
                    }
                }
                self.raw = buf;
                self.raw_pos += used;
                self.consumed += used as u64;
                if self.failed.is_none() && self.eof && self.raw_pos >= self.raw.len() {
                    if let Some((h, hat)) = self.high.take() {
                        self.fail(hat, &format!("a lone surrogate 0x{h:04X} at the end"));
                    }
                } else if self.failed.is_none() && self.eof && self.raw.len() - self.raw_pos == 1 {
                    let at = self.consumed;
                    self.fail(at, "half a character at the end (an odd number of bytes)");
                    self.raw_pos = self.raw.len();
                }
            }
            _ => {
                self.out.extend_from_slice(raw);
                self.produced += raw.len() as u64;
                self.consumed += raw.len() as u64;
                self.raw = buf;
                self.raw_pos = self.raw.len();
            }
        }
        Ok(())
    }

    fn push(&mut self, c: u32) {
        // Every value here is a scalar value: surrogates were paired above.
        let c = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut b = [0u8; 4];
        let s = c.encode_utf8(&mut b);
        self.out.extend_from_slice(s.as_bytes());
        self.produced += s.len() as u64;
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if let Some(e) = &self.failed {
                return Err(io::Error::new(io::ErrorKind::InvalidData, e.clone()));
            }
            if self.eof && self.raw_pos >= self.raw.len() && self.high.is_none() {
                return Ok(&[]);
            }
            self.decode()?;
            if self.out.is_empty()
                && self.failed.is_none()
                && self.eof
                && self.raw_pos >= self.raw.len()
            {
                return Ok(&[]);
            }
        }
        Ok(&self.out[self.out_pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.out_pos = (self.out_pos + amt).min(self.out.len());
    }
}

/// 1-based line and column (in characters) of a byte offset of the decoded input, read again from the start.
pub fn line_col<R: Read>(input: R, offset: u64) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    let mut left = offset;
    let mut r = io::BufReader::new(input);
    while left > 0 {
        let chunk = match r.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(c) => c,
        };
        let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        for &b in &chunk[..n] {
            if b == b'\n' {
                line += 1;
                col = 1;
            } else if b & 0xC0 != 0x80 && b != b'\r' {
                col += 1;
            }
        }
        r.consume(n);
        left -= n as u64;
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(units: &[u16]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        for u in units {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b
    }

    fn all(bytes: &[u8]) -> Result<String, BadText> {
        let mut s = String::new();
        decoded(bytes)
            .read_to_string(&mut s)
            .map_err(|e| bad_text(&e).cloned().expect("a BadText"))?;
        Ok(s)
    }

    #[test]
    fn utf8_and_utf16_decode_alike() {
        let text = "<a>é😀\r\nz</a>";
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(all(&utf16le(&units)).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        for u in &units {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(all(&be).unwrap(), text);
        assert_eq!(all(format!("\u{FEFF}{text}").as_bytes()).unwrap(), text);
        assert_eq!(all(text.as_bytes()).unwrap(), text);
        assert_eq!(all(b"").unwrap(), "");
    }

    #[test]
    fn lone_surrogates_are_refused_where_they_are() {
        // `<a>x` then a low surrogate alone: refused after the 4 characters before it.
        let e = all(&utf16le(&[0x3C, 0x61, 0x3E, 0x78, 0xDC00, 0x79])).unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("0xDC00 at byte 10"), "{e}");
        let e = all(&utf16le(&[0x3C, 0xD800, 0x3E])).unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("0xD800 at byte 4"), "{e}");
        let e = all(&utf16le(&[0x3C, 0xD800])).unwrap_err();
        assert!(e.message.contains("at the end"), "{e}");
        let mut odd = utf16le(&[0x3C]);
        odd.push(0x41);
        assert!(all(&odd).unwrap_err().message.contains("odd number"));
    }

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\r\nçd<x";
        assert_eq!(
            line_col(text.as_bytes(), text.find('<').unwrap() as u64),
            (2, 3)
        );
        assert_eq!(line_col(text.as_bytes(), 0), (1, 1));
    }
}
