//! Input errors with file, line and column, and a plain fix.

use std::fmt;
use std::ops::Range;

use crate::inventory::SourceFile;

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name as given by the user.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub col: usize,
    /// Byte range in the file, when known.
    pub span: Option<Range<usize>>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The line of the file the problem is on, for showing it under the message.
    pub excerpt: Option<Excerpt>,
}

/// One source line cut to a readable width, with the columns to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The text shown (control and right-to-left characters replaced, cut around the problem).
    pub text: String,
    /// 0-based column (in shown characters) where the underline starts.
    pub start: usize,
    /// Length of the underline (at least 1).
    pub len: usize,
}

impl Excerpt {
    /// The excerpt of `line_text` underlining characters `col..col + len` (0-based).
    fn new(line_text: &str, col: usize, len: usize) -> Self {
        const WIDTH: usize = 100;
        let chars: Vec<char> = line_text.trim_end_matches(['\r', '\n']).chars().collect();
        let len = len.clamp(1, WIDTH / 2);
        let first = col.saturating_sub(WIDTH / 3).min(chars.len());
        let last = (first + WIDTH).min(chars.len());
        let mut text = String::new();
        if first > 0 {
            text.push_str("...");
        }
        let shift = if first > 0 { 3 } else { 0 };
        for c in &chars[first..last] {
            text.push(
                if c.is_control() || crate::names::is_invisible_or_bidi(*c) {
                    '?'
                } else {
                    *c
                },
            );
        }
        if last < chars.len() {
            text.push_str("...");
        }
        Self {
            text,
            start: col - first.min(col) + shift,
            len,
        }
    }
}

impl Diagnostic {
    /// A diagnostic at a byte range of a source.
    pub fn at(
        src: &SourceFile,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let (line, col) = src.line_col(span.start);
        let excerpt = src.line_text(line).map(|text| {
            let (end_line, end_col) = src.line_col(span.end);
            let len = if end_line == line && end_col > col {
                end_col - col
            } else {
                1
            };
            Excerpt::new(text, col - 1, len)
        });
        Self {
            file: src.name.clone(),
            line,
            col,
            span: Some(span),
            message: message.into(),
            help,
            excerpt,
        }
    }

    /// A diagnostic about a whole file (line 1, column 1).
    pub fn file(file: impl Into<String>, message: impl Into<String>, help: Option<String>) -> Self {
        Self {
            file: file.into(),
            line: 1,
            col: 1,
            span: None,
            message: message.into(),
            help,
            excerpt: None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            crate::safe_text::escape(&self.file),
            self.line,
            self.col,
            crate::safe_text::for_terminal(&self.message)
        )?;
        if let Some(ex) = &self.excerpt {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            write!(
                f,
                "\n{pad} |\n{num} | {}\n{pad} | {}{}",
                ex.text,
                " ".repeat(ex.start),
                "^".repeat(ex.len)
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", crate::safe_text::for_terminal(help))?;
        }
        Ok(())
    }
}

/// Every problem found in one input, sorted by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

/// How many problems are written out; a file with thousands of errors has one cause repeated.
const SHOWN: usize = 500;

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                write!(f, "\n\n")?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, "\n\n... and {} more", self.0.len() - SHOWN)?;
        }
        if self.0.len() > 1 {
            write!(f, "\n\n{} problems found", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
