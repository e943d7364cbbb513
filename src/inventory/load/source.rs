//! Where an inventory's text comes from, read a block of whole lines at a time so that it is never held whole.

use super::pieces::header;
use super::text_of;
use crate::diag::{Diagnostic, Diagnostics};
use crate::inventory::model::*;

/// Where an inventory is read from: text in memory, or a file read again whenever its text is needed, so
/// that loading a valid file never holds it whole.
#[derive(Clone)]
pub(super) enum Source {
    Text(SourceFile),
    File {
        name: String,
        path: std::path::PathBuf,
    },
}

impl Source {
    pub(super) fn name(&self) -> &str {
        match self {
            Source::Text(src) => &src.name,
            Source::File { name, .. } => name,
        }
    }

    /// The text from its start, a block of whole lines at a time.
    pub(super) fn blocks(&self) -> std::io::Result<Blocks<Box<dyn std::io::Read + '_>>> {
        Ok(match self {
            Source::Text(src) => Blocks::new(Box::new(src.text.as_bytes()), false),
            Source::File { path, .. } => {
                Blocks::new(Box::new(crate::fsio::open_input(path)?), true)
            }
        })
    }

    /// The whole text, for the whole-file parse and for messages.
    pub(super) fn whole(&self) -> Result<SourceFile, Diagnostics> {
        match self {
            Source::Text(src) => Ok(src.clone()),
            Source::File { name, path } => {
                let bytes = crate::fsio::read_input(path).map_err(|e| {
                    Diagnostics(vec![Diagnostic::file(
                        name,
                        format!("cannot read the inventory: {e}"),
                        Some("check the path and the file's permissions".into()),
                    )])
                })?;
                text_of(name, bytes)
            }
        }
    }
}

/// Bytes read at a time.
const BLOCK: usize = 1 << 16;

/// A text read a block at a time, so that it is never held whole; a file's byte order mark is left out.
pub(super) struct Blocks<R> {
    reader: R,
    buf: Vec<u8>,
    /// Bytes at the start of `buf` already handed out.
    pub(super) used: usize,
    eof: bool,
    /// Leave out a byte order mark at the start (a file's; text in memory has none left).
    bom: bool,
}

impl<R: std::io::Read> Blocks<R> {
    pub(super) fn new(reader: R, bom: bool) -> Self {
        Blocks {
            reader,
            buf: Vec::new(),
            used: 0,
            eof: false,
            bom,
        }
    }

    /// The bytes not handed out yet.
    pub(super) fn rest(&self) -> &[u8] {
        &self.buf[self.used..]
    }

    /// Drops what was handed out and reads until at least `want` bytes are left or the text ends.
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        self.buf.drain(..self.used);
        self.used = 0;
        while self.buf.len() < want && !self.eof {
            let old = self.buf.len();
            self.buf.resize(old + BLOCK.max(want - old), 0);
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => {
                    self.buf.truncate(old + n);
                    self.eof = n == 0;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
            if self.bom && (self.buf.len() >= 3 || self.eof) {
                self.bom = false;
                if self.buf.starts_with("\u{feff}".as_bytes()) {
                    self.buf.drain(..3);
                }
            }
        }
        Ok(())
    }

    /// The next whole lines (the last line of the text may have no line break); `None` at the end.
    pub(super) fn lines(&mut self) -> std::io::Result<Option<&[u8]>> {
        let mut want = BLOCK;
        loop {
            self.fill(want)?;
            let rest = self.rest();
            let end = match memchr::memrchr(b'\n', rest) {
                Some(i) => i + 1,
                None if self.eof => rest.len(),
                None => {
                    want = 2 * rest.len();
                    continue;
                }
            };
            if end == 0 {
                return Ok(None);
            }
            self.used = end;
            return Ok(Some(&self.buf[..end]));
        }
    }

    /// The length of the next lines up to the `entries + 1`-th entry header, or to the end of the text;
    /// `None` when a line starts any other table or the text cannot be read.
    pub(super) fn entries(&mut self, entries: usize) -> Option<usize> {
        self.fill(BLOCK).ok()?;
        let (mut at, mut seen) = (0, 0);
        loop {
            let rest = self.rest();
            for line in EachLine(&rest[at..]) {
                // The last line of the buffer may be cut short by the block: read on to see it whole.
                if !line.ends_with(b"\n") && !self.eof {
                    break;
                }
                if header(line)?.is_some() {
                    if seen == entries {
                        return Some(at);
                    }
                    seen += 1;
                }
                at += line.len();
            }
            if self.eof {
                return Some(at);
            }
            let want = 2 * rest.len().max(BLOCK);
            self.fill(want).ok()?;
        }
    }
}

/// The lines of a block, each with its line break.
pub(super) struct EachLine<'a>(pub(super) &'a [u8]);

impl<'a> Iterator for EachLine<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', self.0).map_or(self.0.len(), |i| i + 1);
        let (line, rest) = self.0.split_at(end);
        self.0 = rest;
        Some(line)
    }
}
