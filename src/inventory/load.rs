//! Loading: TOML text -> [`RawInventory`] -> validated, resolved [`Inventory`], with every problem reported.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::closure::Nesting;
use super::model::*;
use super::raw::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::names;

/// Name under which the embedded sample is reported.
pub const SAMPLE_NAME: &str = "<embedded sample: contoso.toml>";

/// The embedded sample estate.
pub const SAMPLE_TOML: &str = include_str!("../../assets/contoso.toml");

/// Loads the embedded sample.
pub fn load_sample() -> Result<Inventory, Diagnostics> {
    load_str(SAMPLE_NAME, SAMPLE_TOML)
}

/// Reads and loads an inventory file. A valid file is read a block at a time, deserialized a few hundred entries
/// at a time, and never held whole; a file with problems is read whole for its messages.
pub fn load_file(path: &std::path::Path) -> Result<Inventory, Diagnostics> {
    let src = Source::File {
        name: path.display().to_string(),
        path: path.to_path_buf(),
    };
    // A pipe (`/dev/stdin`, a shell's `<(...)`) can be read once only: it is read whole.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return load_source(Source::Text(src.whole()?));
    }
    load_source(src)
}

/// Loads an inventory from the bytes of a file; text that is not UTF-8 is reported at its first bad byte.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Inventory, Diagnostics> {
    load_source(Source::Text(text_of(name, bytes)?))
}

/// Loads an inventory from text; `name` is used in messages.
pub fn load_str(name: &str, text: &str) -> Result<Inventory, Diagnostics> {
    // A byte order mark is legal in a UTF-8 file but not in TOML; editors on Windows write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    load_source(Source::Text(SourceFile::new(name, text)))
}

/// The text of a file's bytes, without its byte order mark; text that is not UTF-8 is reported at its first bad
/// byte.
fn text_of(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostics> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let src = SourceFile::new(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
        Diagnostics(vec![Diagnostic::at(
            &src,
            offset..offset + 1,
            "the file is not valid UTF-8",
            Some("save the inventory as UTF-8".into()),
        )])
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => SourceFile::new(name, rest),
        None => SourceFile::new(name, text),
    })
}

/// Where an inventory is read from: text in memory, or a file read again whenever its text is needed, so
/// that loading a valid file never holds it whole.
#[derive(Clone)]
enum Source {
    Text(SourceFile),
    File {
        name: String,
        path: std::path::PathBuf,
    },
}

impl Source {
    fn name(&self) -> &str {
        match self {
            Source::Text(src) => &src.name,
            Source::File { name, .. } => name,
        }
    }

    /// The text from its start, a block of whole lines at a time.
    fn blocks(&self) -> std::io::Result<Blocks<Box<dyn std::io::Read + '_>>> {
        Ok(match self {
            Source::Text(src) => Blocks::new(Box::new(src.text.as_bytes()), false),
            Source::File { path, .. } => {
                Blocks::new(Box::new(crate::fsio::open_input(path)?), true)
            }
        })
    }

    /// The whole text, for the whole-file parse and for messages.
    fn whole(&self) -> Result<SourceFile, Diagnostics> {
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
struct Blocks<R> {
    reader: R,
    buf: Vec<u8>,
    /// Bytes at the start of `buf` already handed out.
    used: usize,
    eof: bool,
    /// Leave out a byte order mark at the start (a file's; text in memory has none left).
    bom: bool,
}

impl<R: std::io::Read> Blocks<R> {
    fn new(reader: R, bom: bool) -> Self {
        Blocks {
            reader,
            buf: Vec::new(),
            used: 0,
            eof: false,
            bom,
        }
    }

    /// The bytes not handed out yet.
    fn rest(&self) -> &[u8] {
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
    fn lines(&mut self) -> std::io::Result<Option<&[u8]>> {
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
    fn entries(&mut self, entries: usize) -> Option<usize> {
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
struct EachLine<'a>(&'a [u8]);

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

fn load_source(src: Source) -> Result<Inventory, Diagnostics> {
    // Fast path: a valid file is deserialized a few hundred entries at a time, so that the parser's working
    // memory is that of one piece, not of the whole file; anything else takes the whole-file path below,
    // whose messages are the ones a user sees.
    if let Some(inv) = load_in_pieces(&src) {
        return inv;
    }
    let whole = src.whole()?;
    let text = &*whole.text;
    let raw: RawInventory = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(first) => {
            let mut errors = shape_errors(&whole, text);
            if errors.is_empty() {
                errors.push(toml_error(&whole, &first));
            }
            return Err(finish(errors));
        }
    };
    Feed::whole(Source::Text(whole), raw)
}

/// Top-level array-of-tables headers at which the file may be cut, in the order of [`Entries`]' fields.
const ENTRY_HEADERS: [&str; 6] = [
    "[[domain]]",
    "[[trust]]",
    "[[host]]",
    "[[user]]",
    "[[group]]",
    "[[path]]",
];

/// Indexes of the kinds of entries in [`ENTRY_HEADERS`].
const DOMAIN: usize = 0;
const TRUST: usize = 1;
const HOST: usize = 2;
const USER: usize = 3;
const GROUP: usize = 4;

/// Entries deserialized from one piece of the file: few enough that the parser's working memory, some twenty
/// times the text it parses, stays near two megabytes.
const PIECE_ENTRIES: usize = 256;

/// The keys before the first entry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Preamble {
    version: u32,
    #[serde(default)]
    description: Option<String>,
}

/// The entries of one piece.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entries {
    #[serde(default, rename = "domain")]
    domains: Vec<RawDomain>,
    #[serde(default, rename = "trust")]
    trusts: Vec<RawTrust>,
    #[serde(default, rename = "host")]
    hosts: Vec<RawHost>,
    #[serde(default, rename = "user")]
    users: Vec<RawUser>,
    #[serde(default, rename = "group")]
    groups: Vec<RawGroup>,
    #[serde(default, rename = "path")]
    paths: Vec<RawPath>,
}

/// The kind of entry a line starts, `Some(None)` for a line that starts no table, and `None` for a line that
/// starts any other table (the file then needs the whole-file parse).
fn header(line: &[u8]) -> Option<Option<usize>> {
    if !line.trim_ascii_start().starts_with(b"[") {
        return Some(None);
    }
    ENTRY_HEADERS
        .iter()
        .position(|h| {
            line.strip_prefix(h.as_bytes())
                .map(<[u8]>::trim_ascii_start)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"#"))
        })
        .map(Some)
}

/// How many entries of each kind the text has, in [`ENTRY_HEADERS`] order; `None` when it has other tables or
/// cannot be read.
fn count_entries<R: std::io::Read>(mut blocks: Blocks<R>) -> Option<[usize; 6]> {
    let mut counts = [0; 6];
    while let Some(lines) = blocks.lines().ok()? {
        for line in EachLine(lines) {
            if let Some(kind) = header(line)? {
                counts[kind] += 1;
            }
        }
    }
    Some(counts)
}

/// A valid file's entries a few hundred at a time, cut at entry headers as the file is read, with every span
/// moved back to its place in the whole file.
struct Pieces<R> {
    blocks: Blocks<R>,
    preamble: Preamble,
    /// Byte offset of the next piece in the file.
    offset: usize,
}

impl<R: std::io::Read> Pieces<R> {
    /// `None` when the file has other tables than the entry arrays, its preamble does not deserialize or it
    /// cannot be read.
    fn new(mut blocks: Blocks<R>) -> Option<Self> {
        let end = blocks.entries(0)?;
        let text = std::str::from_utf8(&blocks.rest()[..end]).ok()?;
        let preamble: Preamble = toml::from_str(text).ok()?;
        blocks.used = end;
        Some(Pieces {
            blocks,
            preamble,
            offset: end,
        })
    }
}

impl<R: std::io::Read> Iterator for Pieces<R> {
    /// A piece, or `None` when it does not deserialize on its own (a piece cut inside a multi-line string leaves
    /// the string unterminated, so it fails too) or the rest of the file cannot be read.
    type Item = Option<RawInventory>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(end) = self.blocks.entries(PIECE_ENTRIES) else {
            return Some(None);
        };
        if end == 0 {
            return None;
        }
        let text = std::str::from_utf8(&self.blocks.rest()[..end]).ok();
        let Some(e) = text.and_then(|t| toml::from_str::<Entries>(t).ok()) else {
            return Some(None);
        };
        let begin = self.offset;
        self.offset += end;
        self.blocks.used = end;
        let mut piece = RawInventory {
            version: self.preamble.version,
            description: None,
            domains: e.domains,
            trusts: e.trusts,
            hosts: e.hosts,
            users: e.users,
            groups: e.groups,
            paths: e.paths,
        };
        piece.shift_spans(begin);
        Some(Some(piece))
    }
}

/// Loads a valid file piece by piece, resolving entries as they arrive: one pass counts the entries of each
/// kind, a second deserializes them. `None` when a piece does not deserialize on its own (the whole-file path
/// then gives the messages).
fn load_in_pieces(src: &Source) -> Option<Result<Inventory, Diagnostics>> {
    let counts = count_entries(src.blocks().ok()?)?;
    let mut pieces = Pieces::new(src.blocks().ok()?)?;
    let description = pieces.preamble.description.take();
    let mut feed = Feed::new(src.clone(), pieces.preamble.version, description, counts);
    for piece in pieces {
        feed.push(piece?);
    }
    Some(feed.finish())
}

/// Where the value of the top-level `version` key is (only asked when it is wrong).
fn version_span(text: &str) -> Option<Span> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    doc.get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "version")
        .map(|(_, v)| v.span())
}

/// Sorts diagnostics by position and drops repeats.
fn finish(mut errors: Vec<Diagnostic>) -> Diagnostics {
    errors.sort_by(|a, b| (a.line, a.col, &a.message).cmp(&(b.line, b.col, &b.message)));
    errors.dedup();
    Diagnostics(errors)
}

/// Slow path for a file that did not deserialize: parse the document once, then deserialize each entry on its
/// own so that every entry with a wrong type, an unknown or a missing key is reported, not only the first.
fn shape_errors(src: &SourceFile, text: &str) -> Vec<Diagnostic> {
    use serde::Deserialize;
    use toml::de::{DeTable, DeValue, ValueDeserializer};

    fn one<'i, T: Deserialize<'i>>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let span = value.span();
        if let Err(e) = T::deserialize(ValueDeserializer::from(value)) {
            let mut d = toml_error(src, &e);
            if e.span().is_none() {
                d = Diagnostic::at(src, span, d.message, d.help);
            }
            errors.push(d);
        }
    }
    /// One entry: every unknown key is reported, then the rest is deserialized for its first other problem.
    fn entry<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        known: &[String],
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            return one::<T>(src, value, errors);
        };
        let unknown: Vec<_> = table
            .keys()
            .filter(|k| !known.iter().any(|f| f == k.get_ref()))
            .cloned()
            .collect();
        if unknown.is_empty() || known.is_empty() {
            return one::<T>(src, value, errors);
        }
        let expected = known
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rest = table.clone();
        for key in &unknown {
            let help = match closest(key.get_ref(), known) {
                Some(near) => format!("did you mean `{near}`? {HELP_UNKNOWN}"),
                None => HELP_UNKNOWN.to_string(),
            };
            errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown field `{}`, expected one of {expected}",
                    shown(key.get_ref())
                ),
                Some(help),
            ));
            rest.remove(key);
        }
        one::<T>(
            src,
            Spanned::new(value.span(), DeValue::Table(rest)),
            errors,
        );
    }
    fn entries<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let schema = schemars::schema_for!(T);
        let mut known: Vec<String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        known.sort();
        match value.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    entry::<T>(src, &known, item.clone(), errors);
                }
            }
            _ => one::<Vec<T>>(src, value, errors),
        }
    }

    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => return vec![toml_error(src, &e)],
    };
    let mut errors = Vec::new();
    let mut has_version = false;
    for (key, value) in doc.into_inner() {
        match key.get_ref().as_ref() {
            "version" => {
                has_version = true;
                one::<u32>(src, value, &mut errors);
            }
            "description" => one::<String>(src, value, &mut errors),
            "domain" => entries::<RawDomain>(src, value, &mut errors),
            "trust" => entries::<RawTrust>(src, value, &mut errors),
            "host" => entries::<RawHost>(src, value, &mut errors),
            "user" => entries::<RawUser>(src, value, &mut errors),
            "group" => entries::<RawGroup>(src, value, &mut errors),
            "path" => entries::<RawPath>(src, value, &mut errors),
            other => errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown top-level key `{}`, expected one of `version`, `description`, `domain`, `trust`, \
                     `host`, `user`, `group`, `path`",
                    shown(other)
                ),
                Some(HELP_UNKNOWN.into()),
            )),
        }
    }
    if !has_version {
        errors.push(Diagnostic::at(
            src,
            0..0,
            "missing key `version`",
            Some("add `version = 1` at the top of the file".into()),
        ));
    }
    errors
}

/// The known key nearest to a misspelt one (at most two edits away).
fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let key: Vec<char> = key.chars().take(64).collect();
    known
        .iter()
        .map(|k| (edit_distance(&key, &k.chars().collect::<Vec<_>>()), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

const HELP_UNKNOWN: &str = "remove the key or correct its spelling (the JSON Schema from `guardplan schema` lists every key)";

/// A name as quoted in a message: escaped (no raw control or right-to-left characters reach the terminal) and
/// cut short when very long.
pub fn shown(name: &str) -> String {
    const MAX: usize = 60;
    let mut out = sanitize(&name.chars().take(MAX).collect::<String>());
    if name.chars().nth(MAX).is_some() {
        out.push_str("...");
    }
    out
}

/// Writes control, invisible and right-to-left characters as `\u{..}` so that they cannot disguise a message.
pub fn sanitize(text: &str) -> String {
    crate::safe_text::escape(text).into_owned()
}

/// Turns a `toml` error into a diagnostic at its position.
pub fn toml_error(src: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_string();
    let help = if message.starts_with("unknown field") {
        HELP_UNKNOWN.to_string()
    } else if message.starts_with("missing field") {
        "add the key; `guardplan schema` shows what each entry needs".to_string()
    } else if message.starts_with("invalid type") || message.starts_with("unknown variant") {
        "give a value of the expected type; `guardplan schema` lists the allowed values".to_string()
    } else if message.starts_with("invalid value") {
        "give a number in the allowed range (whole, not negative)".to_string()
    } else if message.contains("recursion limit") {
        "the inventory never nests arrays or tables this deeply: remove the nesting".to_string()
    } else {
        "fix the TOML syntax at this position".to_string()
    };
    Diagnostic::at(src, span, shorten_message(&sanitize(&message)), Some(help))
}

/// Keeps a message readable when it quotes a huge value.
fn shorten_message(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        return message.to_string();
    }
    let mut out: String = message.chars().take(MAX).collect();
    out.push_str("...");
    out
}

/// Validates and resolves entries into the model, kind by kind: domains and trusts, then groups, then users,
/// then hosts, then paths. Users and hosts may come in several batches (a file read in pieces); each batch
/// is resolved as it arrives and its raw entries are dropped, so a large file is never held twice.
struct Resolver {
    src: Source,
    /// Problems found, placed in the text once it is complete (a file is read again only then).
    errors: Vec<Problem>,
    index: Index,
    domains: Vec<Domain>,
    trusts: Vec<Trust>,
    groups: Vec<Group>,
    /// Group nesting, condensed: the groups a member belongs to transitively.
    nesting: Nesting,
    users: Vec<User>,
    hosts: Vec<Host>,
    paths: Vec<AccessPath>,
    /// Where each domain, trust, group, user, host and path is declared (the model keeps line and column).
    spans: Spans,
    acls: Vec<Vec<Principal>>,
    acl_ids: HashMap<Vec<Principal>, AclId>,
}

impl Resolver {
    fn new(src: Source, version: u32) -> Self {
        let mut r = Resolver {
            src,
            errors: Vec::new(),
            index: Index::default(),
            domains: Vec::new(),
            trusts: Vec::new(),
            groups: Vec::new(),
            nesting: Nesting::default(),
            users: Vec::new(),
            hosts: Vec::new(),
            paths: Vec::new(),
            spans: Spans::default(),
            acls: Vec::new(),
            acl_ids: HashMap::new(),
        };
        if version != 1 {
            r.errors.push(Problem {
                span: None,
                message: format!("unsupported inventory version {version}"),
                help: "this guardplan reads `version = 1`: set it, or use the guardplan release that wrote the \
                       file"
                    .into(),
            });
        }
        r
    }

    fn err(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.errors.push(Problem {
            span: Some(span),
            message: shorten_message(&sanitize(&message.into())),
            help: help.into(),
        });
    }

    /// The problems found, with positions and excerpts from the complete text.
    fn diagnostics(&self) -> Diagnostics {
        let src = self.src.whole();
        finish(
            self.errors
                .iter()
                .map(|p| {
                    let help = Some(p.help.clone());
                    let Ok(src) = &src else {
                        return Diagnostic::file(self.src.name(), p.message.clone(), help);
                    };
                    let span = p.span.clone().or_else(|| version_span(&src.text));
                    Diagnostic::at(src, span.unwrap_or(0..0), p.message.clone(), help)
                })
                .collect(),
        )
    }

    fn check_name(
        &mut self,
        name: &Spanned<String>,
        what: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) {
        if let Err(why) = check(name.get_ref()) {
            self.err(
                name.span(),
                format!("{what} `{}` is not valid: it {why}", shown(name.get_ref())),
                format!("rename the {what} to a valid name"),
            );
        }
    }

    fn domain_ref(&mut self, s: &Spanned<String>, what: &str) -> Option<DomainId> {
        match self.index.domains.get(&lc(s.get_ref())) {
            Some(id) => Some(*id),
            None => {
                self.err(
                    s.span(),
                    format!(
                        "{what} refers to the unknown domain `{}`",
                        shown(s.get_ref())
                    ),
                    "declare the domain in a [[domain]] entry, or correct the name",
                );
                None
            }
        }
    }

    fn group_ref(&mut self, s: &Spanned<String>, home: Option<DomainId>) -> Option<GroupId> {
        match self.catalog().group(s.get_ref(), home) {
            Ok(id) => Some(id),
            Err(Ambiguity::Missing) => {
                self.err(
                    s.span(),
                    format!("unknown group `{}`", shown(s.get_ref())),
                    "declare it in a [[group]] entry, or correct the name (NAME or NETBIOS\\NAME)",
                );
                None
            }
            Err(Ambiguity::Many) => {
                self.err(
                    s.span(),
                    format!(
                        "group name `{}` exists in several domains",
                        shown(s.get_ref())
                    ),
                    "qualify it as NETBIOS\\NAME",
                );
                None
            }
        }
    }

    fn principal_ref(&mut self, s: &Spanned<String>, home: Option<DomainId>) -> Option<Principal> {
        let names = self.catalog();
        match (
            names.user(s.get_ref(), home),
            names.group(s.get_ref(), home),
        ) {
            (Ok(u), Err(Ambiguity::Missing)) => Some(Principal::User(u)),
            (Err(Ambiguity::Missing), Ok(g)) => Some(Principal::Group(g)),
            (Err(Ambiguity::Missing), Err(Ambiguity::Missing)) => {
                self.err(
                    s.span(),
                    format!("unknown user or group `{}`", shown(s.get_ref())),
                    "declare it in a [[user]] or [[group]] entry, or correct the name",
                );
                None
            }
            _ => {
                self.err(
                    s.span(),
                    format!("`{}` names more than one user or group", shown(s.get_ref())),
                    "qualify it as NETBIOS\\NAME",
                );
                None
            }
        }
    }

    /// Checks a group's or user's name (at most `max` characters) and domain, and that no other of its kind in
    /// the domain has the name; its domain, unless that is unknown.
    fn declare(
        &mut self,
        name: &Spanned<String>,
        domain: &Spanned<String>,
        group: bool,
        max: usize,
    ) -> Option<DomainId> {
        let (what, noun) = if group {
            ("group name", "group")
        } else {
            ("account name", "user")
        };
        self.check_name(name, what, |s| names::sam_name(s, max));
        let domain = self.domain_ref(domain, &format!("the {noun}"))?;
        let names = self.catalog();
        let taken = if group {
            names.group_in(name.get_ref(), domain)
        } else {
            names.user_in(name.get_ref(), domain)
        };
        if taken.is_some() {
            self.err(
                name.span(),
                format!(
                    "{noun} `{}` is declared twice in its domain",
                    shown(name.get_ref())
                ),
                "remove one of the two entries or rename one",
            );
        }
        Some(domain)
    }

    /// Name lookups over what is resolved so far.
    fn catalog(&self) -> Catalog<'_> {
        Catalog {
            index: &self.index,
            users: &self.users,
            groups: &self.groups,
        }
    }

    fn intern_acl(&mut self, list: Vec<Principal>) -> AclId {
        let next = self.acl_ids.len() as AclId;
        *self.acl_ids.entry(list.clone()).or_insert_with(|| {
            self.acls.push(list);
            next
        })
    }

    /// Domains, forests and trusts.
    fn domains(&mut self, raw_domains: &[RawDomain], raw_trusts: &[RawTrust]) {
        self.domains.reserve(raw_domains.len());
        for d in raw_domains {
            self.check_name(&d.dns, "domain DNS name", names::dns_name);
            self.check_name(&d.netbios, "NetBIOS domain name", names::netbios_name);
            let id = self.domains.len() as DomainId;
            let mut keys = vec![lc(d.dns.get_ref())];
            if lc(d.netbios.get_ref()) != keys[0] {
                keys.push(lc(d.netbios.get_ref()));
            }
            for key in keys {
                if self.index.domains.insert(key.clone(), id).is_some() {
                    self.err(
                        d.dns.span(),
                        format!("domain `{}` is declared twice", shown(&key)),
                        "give each domain a unique DNS and NetBIOS name",
                    );
                }
            }
            self.domains.push(Domain {
                dns: d.dns.get_ref().clone(),
                netbios: d.netbios.get_ref().clone(),
                functional_level: d.functional_level,
                forest: id,
                dc_os: d.dc_os.clone(),
                pdc_emulator_os: d.pdc_emulator_os,
                administered: d.administered.unwrap_or(true),
                at: Pos::default(),
            });
            self.spans.domains.push(d.dns.span());
        }
        // Forests: a domain joins the forest its `forest` key names, and parent-child and tree-root trusts join
        // their two domains into one forest.
        let mut forests = UnionFind::new(self.domains.len());
        let mut named_root = vec![false; self.domains.len()];
        for (i, d) in raw_domains.iter().enumerate() {
            if let Some(f) = &d.forest
                && let Some(root) = self.domain_ref(f, "the forest of this domain")
            {
                named_root[root as usize] = true;
                forests.union(i, root as usize);
            }
        }

        self.trusts.reserve(raw_trusts.len());
        let mut seen_trusts = HashSet::new();
        for t in raw_trusts {
            let a = self.domain_ref(&t.trusting, "the trust");
            let b = self.domain_ref(&t.trusted, "the trust");
            let (Some(a), Some(b)) = (a, b) else { continue };
            if a == b {
                self.err(
                    t.trusted.span(),
                    format!(
                        "domain `{}` is set to trust itself",
                        shown(t.trusting.get_ref())
                    ),
                    "a domain always trusts its own accounts: remove this trust or correct `trusted`",
                );
                continue;
            }
            if !seen_trusts.insert((a.min(b), a.max(b))) {
                self.err(
                    t.trusting.span(),
                    format!(
                        "a trust between `{}` and `{}` is declared twice",
                        shown(t.trusting.get_ref()),
                        shown(t.trusted.get_ref())
                    ),
                    "merge the two entries into one (use direction = \"two-way\")",
                );
            }
            if matches!(t.kind, TrustKind::ParentChild | TrustKind::TreeRoot) {
                forests.union(a as usize, b as usize);
                if t.direction == TrustDirection::OneWay || t.transitive == Some(false) {
                    self.err(
                        t.trusting.span(),
                        format!(
                            "a {} trust is always two-way and transitive",
                            trust_kind_name(t.kind)
                        ),
                        "set direction = \"two-way\" (a one-way trust inside a forest does not exist in AD)",
                    );
                }
            }
            if t.kind == TrustKind::External && t.transitive == Some(true) {
                self.err(
                    t.trusting.span(),
                    "an external trust is never transitive",
                    "remove `transitive = true`, or use type = \"forest\" between two forest roots",
                );
            }
            let transitive = t.transitive.unwrap_or(match t.kind {
                TrustKind::External | TrustKind::Realm => false,
                TrustKind::ParentChild
                | TrustKind::TreeRoot
                | TrustKind::Forest
                | TrustKind::Shortcut => true,
            });
            self.trusts.push(Trust {
                trusting: a,
                trusted: b,
                direction: t.direction,
                kind: t.kind,
                transitive,
                selective_auth: t.selective_auth,
                sid_filtering: t.sid_filtering,
                at: Pos::default(),
            });
            self.spans.trusts.push(t.trusting.span());
        }
        self.forest_roots(&mut forests, &named_root);
        // Domains of other forests than the first domain's are partners' unless `administered = true`.
        for (i, d) in raw_domains.iter().enumerate() {
            if d.administered.is_none() && self.domains[i].forest != self.domains[0].forest {
                self.domains[i].administered = false;
            }
        }
    }

    /// The root of each forest: the domain a `forest` key names, else the one with the fewest DNS labels; then
    /// whether each trust fits the forests it joins.
    fn forest_roots(&mut self, forests: &mut UnionFind, named_root: &[bool]) {
        let mut roots: HashMap<usize, DomainId> = HashMap::new();
        for i in 0..self.domains.len() {
            let set = forests.find(i);
            let labels = |id: DomainId| self.domains[id as usize].dns.split('.').count();
            let candidate = i as DomainId;
            match roots.get(&set).copied() {
                None => {
                    roots.insert(set, candidate);
                }
                Some(cur) => {
                    let better = match (named_root[i], named_root[cur as usize]) {
                        (true, false) => true,
                        (false, true) => false,
                        (true, true) => {
                            let (d, other) = (&self.domains[i], &self.domains[cur as usize]);
                            let message = format!(
                                "domains `{}` and `{}` are joined into one forest but both are named as forest roots",
                                shown(&d.dns),
                                shown(&other.dns)
                            );
                            self.err(
                                self.spans.domains[i].clone(),
                                message,
                                "give every domain of a forest the same `forest` (the DNS name of its root domain)",
                            );
                            false
                        }
                        (false, false) => labels(candidate) < labels(cur),
                    };
                    if better {
                        roots.insert(set, candidate);
                    }
                }
            }
        }
        for i in 0..self.domains.len() {
            self.domains[i].forest = roots[&forests.find(i)];
        }
        for i in 0..self.trusts.len() {
            let t = &self.trusts[i];
            let (fa, fb) = (
                self.domains[t.trusting as usize].forest,
                self.domains[t.trusted as usize].forest,
            );
            let what = match t.kind {
                TrustKind::Forest if fa != t.trusting || fb != t.trusted || fa == fb => {
                    Some("a forest trust joins the root domains of two different forests")
                }
                TrustKind::Shortcut if fa != fb => {
                    Some("a shortcut trust joins two domains of the same forest")
                }
                TrustKind::External if fa == fb => {
                    Some("an external trust joins domains of two different forests")
                }
                _ => None,
            };
            if let Some(what) = what {
                let message = format!(
                    "the {} trust between `{}` and `{}` does not fit the forests: {what}",
                    trust_kind_name(t.kind),
                    shown(&self.domains[t.trusting as usize].dns),
                    shown(&self.domains[t.trusted as usize].dns)
                );
                self.err(
                    self.spans.trusts[i].clone(),
                    message,
                    "correct `type`, or the domains' `forest` keys (a domain without one is a forest root, unless a \
                     parent-child or tree-root trust joins it to another)",
                );
            }
        }
    }

    /// Groups (two passes: declare, then resolve nesting) and the closure of their nesting.
    fn groups(&mut self, raw: &[RawGroup]) {
        self.groups.reserve(raw.len());
        self.index.groups = NameTable::with_capacity(raw.len());
        let mut homes = Vec::with_capacity(raw.len());
        for g in raw {
            let Some(domain) = self.declare(&g.name, &g.domain, true, 256) else {
                homes.push(None);
                continue;
            };
            let id = self.groups.len() as GroupId;
            homes.push(Some(id));
            self.groups.push(Group {
                name: g.name.get_ref().clone(),
                domain,
                member_of: Vec::new(),
                roles: g.roles.clone(),
                protected_users: g.protected_users,
                at: Pos::default(),
            });
            self.spans.groups.push(g.name.span().start);
            let groups = &self.groups;
            self.index
                .groups
                .insert(id, |i| groups[i as usize].name.as_str());
        }
        for (g, id) in raw.iter().zip(homes) {
            let Some(id) = id else { continue };
            let home = Some(self.groups[id as usize].domain);
            let mut parents = Vec::new();
            for m in &g.member_of {
                if let Some(p) = self.group_ref(m, home) {
                    parents.push(p);
                }
            }
            parents.sort_unstable();
            parents.dedup();
            self.groups[id as usize].member_of = parents;
        }
        // Nesting may be deep and cyclic (legal in AD): condensed once, inherited per component.
        self.nesting = Nesting::new(&self.groups);
        self.nesting.inherit(&mut self.groups);
    }

    /// A batch of users, in file order.
    fn users(&mut self, raw: Vec<RawUser>) {
        self.users.reserve(raw.len());
        for u in raw {
            let max = if u.kind == AccountKind::Computer {
                16
            } else {
                20
            };
            let Some(domain) = self.declare(&u.name, &u.domain, false, max) else {
                continue;
            };
            let mut direct = Vec::new();
            for m in &u.member_of {
                if let Some(g) = self.group_ref(m, Some(domain)) {
                    direct.push(g);
                }
            }
            let all = self.nesting.expand(&direct);
            let mut roles = u.roles;
            roles.extend(
                all.iter()
                    .flat_map(|g| self.groups[*g as usize].roles.iter().copied()),
            );
            roles.sort_unstable();
            roles.dedup();
            let protected_users =
                u.protected_users || all.iter().any(|g| self.groups[*g as usize].protected_users);
            let etypes = u.etypes.unwrap_or_else(|| {
                vec![
                    EncryptionType::Aes256,
                    EncryptionType::Aes128,
                    EncryptionType::Rc4,
                ]
            });
            self.spans.users.push(u.name.span().start);
            let id = self.users.len() as UserId;
            self.users.push(User {
                name: u.name.into_inner(),
                domain,
                kind: u.kind,
                roles,
                groups: all,
                protected_users,
                etypes,
                delegation: u.delegation,
                not_delegated: u.not_delegated,
                aes_keys: u.aes_keys,
                at: Pos::default(),
            });
            let users = &self.users;
            self.index
                .users
                .insert(id, |i| users[i as usize].name.as_str());
        }
    }

    /// A batch of hosts, in file order; every user is known by now.
    fn hosts(&mut self, raw: Vec<RawHost>) {
        self.hosts.reserve(raw.len());
        for h in raw {
            self.check_name(&h.name, "host name", names::host_name);
            let id = self.hosts.len() as HostId;
            let hosts = &self.hosts;
            if self
                .index
                .hosts
                .find(h.name.get_ref(), |i| hosts[i as usize].name.as_str())
                .is_some()
            {
                self.err(
                    h.name.span(),
                    format!("host `{}` is declared twice", shown(h.name.get_ref())),
                    "remove one of the two entries or rename one",
                );
            }
            let domain = match (&h.domain, h.join) {
                (Some(d), _) => self.domain_ref(d, "the host"),
                (None, JoinType::Ad | JoinType::Hybrid) => {
                    self.err(
                        h.name.span(),
                        format!(
                            "host `{}` is domain-joined but names no domain",
                            shown(h.name.get_ref())
                        ),
                        "add `domain = \"DNS name\"`, or set the right `join`",
                    );
                    None
                }
                (None, _) => None,
            };
            if let (Some(d), JoinType::Entra | JoinType::Workgroup) = (&h.domain, h.join) {
                self.err(
                    d.span(),
                    format!(
                        "host `{}` is not AD-joined (join = \"{}\") but names a domain",
                        shown(h.name.get_ref()),
                        if h.join == JoinType::Entra {
                            "entra"
                        } else {
                            "workgroup"
                        }
                    ),
                    "remove `domain`, or use join = \"hybrid\" / \"ad\" if it is joined to AD",
                );
            }
            let build = match (h.build, h.os.default_build()) {
                (Some(b), _) => b,
                (None, Some(b)) => b,
                (None, None) => {
                    self.err(
                        h.name.span(),
                        format!(
                            "host `{}` runs Windows 10 or 11 but gives no build",
                            shown(h.name.get_ref())
                        ),
                        "add `build = 19045` (or the host's build: 14393 is 1607, 15063 is 1703)",
                    );
                    0
                }
            };
            let mut tags = Vec::with_capacity(h.tags.len());
            for t in &h.tags {
                self.check_name(t, "tag", names::identifier);
                let key = lc(t.get_ref());
                let list = self.index.tags.entry(key.clone()).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
                tags.push(key);
            }
            let mut direct = Vec::new();
            for m in &h.member_of {
                if let Some(g) = self.group_ref(m, domain) {
                    direct.push(g);
                }
            }
            let (admin_defaults, rdu_defaults) =
                self.default_local_groups(domain, h.join, &h.roles);
            let administrators =
                self.local_acl(h.administrators.as_deref(), domain, admin_defaults);
            let remote_desktop_users =
                self.local_acl(h.remote_desktop_users.as_deref(), domain, rdu_defaults);
            let rdp_logon_allowed = h.rdp_logon_allowed.as_deref().map(|l| self.acl(l, domain));
            let rdp_logon_denied = self.acl(&h.rdp_logon_denied, domain);
            if h.roles.contains(&HostRole::DomainController)
                && let Some(d) = domain
            {
                self.domains[d as usize].dc_os.push(h.os);
            }
            self.spans.hosts.push(h.name.span().start);
            self.hosts.push(Host {
                name: h.name.into_inner(),
                domain,
                join: h.join,
                os: Os {
                    family: h.os,
                    build,
                    kb2871997: h.kb2871997,
                },
                roles: h.roles,
                tags,
                groups: self.nesting.expand(&direct),
                rdp_client: h.rdp_client,
                dc_line_of_sight: h.dc_line_of_sight,
                laps: h.laps,
                rds_vdi: h.rds_vdi,
                device_claims: h.device_claims,
                offline_signin: h.offline_signin,
                azure_vm: h.azure_vm,
                disable_restricted_admin: h.disable_restricted_admin,
                allow_protected_creds: h.allow_protected_creds,
                client_policy: h.client_policy,
                administrators_given: h.administrators.is_some(),
                administrators,
                remote_desktop_users_given: h.remote_desktop_users.is_some(),
                remote_desktop_users,
                rdp_logon_allowed,
                rdp_logon_denied,
                at: Pos::default(),
            });
            let hosts = &self.hosts;
            self.index
                .hosts
                .insert(id, |i| hosts[i as usize].name.as_str());
        }
    }

    /// The groups Active Directory puts in a host's local Administrators and Remote Desktop Users, among those
    /// the inventory declares: the domain's Domain Admins on every domain-joined host; on a domain controller,
    /// whose local groups are the domain's built-in groups, also Administrators and Enterprise Admins (of the
    /// forest root), and Remote Desktop Users.
    fn default_local_groups(
        &self,
        domain: Option<DomainId>,
        join: JoinType,
        roles: &[HostRole],
    ) -> (Vec<GroupId>, Vec<GroupId>) {
        let Some(d) = domain.filter(|_| matches!(join, JoinType::Ad | JoinType::Hybrid)) else {
            return (Vec::new(), Vec::new());
        };
        let group = |name: &str, dom: DomainId| -> Option<GroupId> {
            self.index
                .groups
                .find_all(name, |i| self.groups[i as usize].name.as_str())
                .into_iter()
                .find(|g| self.groups[*g as usize].domain == dom)
        };
        let mut admins: Vec<GroupId> = group("Domain Admins", d).into_iter().collect();
        let mut rdu = Vec::new();
        if roles.contains(&HostRole::DomainController) {
            let root = self.domains[d as usize].forest;
            admins.extend(group("Administrators", d));
            admins.extend(group("Enterprise Admins", root));
            rdu.extend(group("Remote Desktop Users", d));
        }
        (admins, rdu)
    }

    /// The interned access control list of a host's local group: the members given (none when not given) and
    /// the groups Active Directory puts there.
    fn local_acl(
        &mut self,
        list: Option<&[Spanned<String>]>,
        home: Option<DomainId>,
        defaults: Vec<GroupId>,
    ) -> AclId {
        let mut ps: Vec<Principal> = list
            .unwrap_or_default()
            .iter()
            .filter_map(|s| self.principal_ref(s, home))
            .collect();
        ps.extend(defaults.into_iter().map(Principal::Group));
        ps.sort_unstable();
        ps.dedup();
        self.intern_acl(ps)
    }

    /// The interned access control list of a host's local group.
    fn acl(&mut self, list: &[Spanned<String>], home: Option<DomainId>) -> AclId {
        let mut ps: Vec<Principal> = list
            .iter()
            .filter_map(|s| self.principal_ref(s, home))
            .collect();
        ps.sort_unstable();
        ps.dedup();
        self.intern_acl(ps)
    }

    /// Paths, once every host and user is resolved.
    fn paths(&mut self, raw: &[RawPath]) {
        build_reverse_index(
            &mut self.index,
            self.domains.len(),
            self.groups.len(),
            &self.hosts,
            &self.users,
        );
        let mut paths = Vec::with_capacity(raw.len());
        let mut path_index = HashMap::new();
        let mut errors = Vec::new();
        let selectors = Selectors {
            index: &self.index,
            hosts: &self.hosts,
            users: &self.users,
            groups: &self.groups,
        };
        let mut err = |span: Span, message: String, help: &str| {
            errors.push((span, message, help.to_string()));
        };
        for p in raw {
            if let Err(why) = names::identifier(p.name.get_ref()) {
                err(
                    p.name.span(),
                    format!(
                        "path name `{}` is not valid: it {why}",
                        shown(p.name.get_ref())
                    ),
                    "rename the path name to a valid name",
                );
            }
            let id = paths.len() as PathId;
            if path_index.insert(lc(p.name.get_ref()), id).is_some() {
                err(
                    p.name.span(),
                    format!("path `{}` is declared twice", shown(p.name.get_ref())),
                    "give each path a unique name",
                );
            }
            let mut expand_hosts = |list: &[Spanned<String>], key: &str, required: bool| {
                if required && list.is_empty() {
                    err(
                        p.name.span(),
                        format!("path `{}` has an empty `{key}`", shown(p.name.get_ref())),
                        &format!("list at least one selector in `{key}`"),
                    );
                }
                let find = |s: &str| selectors.hosts(s);
                expand(list, find, "host", HOST_SELECTOR_HELP, &mut err)
            };
            let from = expand_hosts(&p.from, "from", true);
            let to = expand_hosts(&p.to, "to", true);
            let hops = expand_hosts(&p.hops, "hops", false);
            if p.who.is_empty() {
                err(
                    p.name.span(),
                    format!("path `{}` has an empty `who`", shown(p.name.get_ref())),
                    "list at least one user selector in `who`",
                );
            }
            let find = |s: &str| selectors.users(s);
            let who = expand(&p.who, find, "user", USER_SELECTOR_HELP, &mut err);
            if let Some(h) = p.session_hours
                && !(h.is_finite() && h > 0.0 && h <= 24.0 * 366.0)
            {
                err(
                    p.name.span(),
                    format!("path `{}` has session_hours = {h}", shown(p.name.get_ref())),
                    "give the expected session length in hours, greater than 0",
                );
            }
            let texts = |l: &[Spanned<String>]| l.iter().map(|s| s.get_ref().clone()).collect();
            paths.push(AccessPath {
                name: p.name.get_ref().clone(),
                purpose: p.purpose,
                who,
                from,
                to,
                hops,
                credentials: p.credentials,
                network_as_user: p.network_as_user,
                session_hours: p.session_hours,
                delegation: p.delegation,
                credssp_sso: p.credssp_sso,
                via: p.via,
                note: p.note.clone(),
                selectors: PathSelectors {
                    who: texts(&p.who),
                    from: texts(&p.from),
                    to: texts(&p.to),
                    hops: texts(&p.hops),
                },
                at: Pos::default(),
            });
            self.spans.paths.push(p.name.span().start);
        }
        for (span, message, help) in errors {
            self.err(span, message, help);
        }
        self.index.paths = path_index;
        self.paths = paths;
    }
}

/// A problem found while resolving: where (the `version` key when `None`), what and what to do.
struct Problem {
    span: Option<Span>,
    message: String,
    help: String,
}

impl Resolver {
    /// Refuses account names (users and groups, one namespace in AD) that look like another but are not the
    /// same name, when one of the two is not ASCII. Free when every name is ASCII.
    fn look_alikes(&mut self) {
        let accounts = || {
            (self.groups.iter().map(|g| g.name.as_str()))
                .zip(self.spans.groups.iter().copied())
                .chain(
                    (self.users.iter().map(|u| u.name.as_str()))
                        .zip(self.spans.users.iter().copied()),
                )
        };
        if accounts().all(|(n, _)| n.is_ascii()) {
            return;
        }
        let mut first: HashMap<String, (&str, usize)> = HashMap::new();
        let mut found = Vec::new();
        let mut all: Vec<(&str, usize)> = accounts().collect();
        all.sort_by_key(|(_, at)| *at);
        for (name, at) in all {
            let key = names::look_alike_key(name);
            match first.get(&key) {
                Some((other, _))
                    if (!name.is_ascii() || !other.is_ascii()) && !same_name(name, other) =>
                {
                    found.push((at..at + name.len(), name.to_string(), other.to_string()));
                }
                Some(_) => {}
                None => {
                    first.insert(key, (name, at));
                }
            }
        }
        for (span, name, other) in found {
            self.err(
                span,
                format!(
                    "account name `{}` looks like `{}`, declared earlier: look-alike names are refused",
                    shown(&name),
                    shown(&other)
                ),
                "rename one of the two so that they differ visibly",
            );
        }
    }

    /// Line and column of each offset, from one more pass over the text.
    fn positions(&self, offsets: &[usize]) -> Result<Vec<Pos>, Diagnostics> {
        let mut at = Locator::new(offsets);
        let read = self.src.blocks().and_then(|mut blocks| {
            while let Some(lines) = blocks.lines()? {
                let text = std::str::from_utf8(lines)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                at.feed(text);
            }
            Ok(())
        });
        read.map_err(|e| {
            Diagnostics(vec![Diagnostic::file(
                self.src.name(),
                format!("cannot read the inventory: {e}"),
                Some("the file changed or went away while it was read: load it again".into()),
            )])
        })?;
        Ok(at.finish())
    }

    /// The inventory, or every problem found. The model keeps where each item is written as line and column,
    /// so the file's text is not held once it is loaded.
    fn finish(mut self, description: Option<String>) -> Result<Inventory, Diagnostics> {
        self.look_alikes();
        if !self.errors.is_empty() {
            return Err(self.diagnostics());
        }
        let s = &self.spans;
        let starts: Vec<usize> = (s.domains.iter().chain(&s.trusts).map(|r| r.start))
            .chain(
                s.groups
                    .iter()
                    .chain(&s.users)
                    .chain(&s.hosts)
                    .chain(&s.paths)
                    .copied(),
            )
            .collect();
        // Grown piece by piece, the lists may hold room for up to twice their entries.
        self.hosts.shrink_to_fit();
        self.users.shrink_to_fit();
        let mut at = self.positions(&starts)?.into_iter();
        let mut place = |pos: &mut Pos| *pos = at.next().unwrap_or_default();
        self.domains.iter_mut().for_each(|x| place(&mut x.at));
        self.trusts.iter_mut().for_each(|x| place(&mut x.at));
        self.groups.iter_mut().for_each(|x| place(&mut x.at));
        self.users.iter_mut().for_each(|x| place(&mut x.at));
        self.hosts.iter_mut().for_each(|x| place(&mut x.at));
        self.paths.iter_mut().for_each(|x| place(&mut x.at));
        Ok(Inventory {
            source: Origin {
                name: self.src.name().to_string(),
            },
            description,
            domains: self.domains,
            trusts: self.trusts,
            hosts: self.hosts,
            users: self.users,
            groups: self.groups,
            paths: self.paths,
            acls: self.acls,
            index: self.index,
        })
    }
}

/// Where the items are declared, in the order of their lists: the whole name of domains and trusts (messages
/// about them come after they are resolved), where the name starts for the rest.
#[derive(Default)]
struct Spans {
    domains: Vec<Span>,
    trusts: Vec<Span>,
    groups: Vec<usize>,
    users: Vec<usize>,
    hosts: Vec<usize>,
    paths: Vec<usize>,
}

/// The ids a list of selectors matches (sorted, unique); a selector that is wrong or matches nothing is
/// reported through `err`.
fn expand(
    list: &[Spanned<String>],
    find: impl Fn(&str) -> Result<Vec<u32>, String>,
    noun: &str,
    help: &str,
    err: &mut impl FnMut(Span, String, &str),
) -> Vec<u32> {
    let mut out = Vec::new();
    for s in list {
        match find(s.get_ref()) {
            Ok(found) if found.is_empty() => err(
                s.span(),
                format!("selector `{}` matches no {noun}", shown(s.get_ref())),
                help,
            ),
            Ok(found) => out.extend(found),
            Err(why) => err(s.span(), why, help),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Correct selectors for hosts.
const HOST_SELECTOR_HELP: &str =
    "correct the selector (host:NAME, tag:TAG, group:NAME, role:ROLE, domain:DNS or *)";
/// Correct selectors for users.
const USER_SELECTOR_HELP: &str =
    "correct the selector (user:NAME, group:NAME, role:ROLE, domain:DNS or *)";

/// Entries in file order, resolved as soon as what they refer to is known: users once every domain, trust and
/// group has arrived, hosts once every user has too. Paths wait for the end. In a file written kind by kind (as
/// `guardplan sample` and `guardplan import` write them) no user or host waits.
struct Feed {
    r: Resolver,
    /// Entries of each kind in the whole file, in [`ENTRY_HEADERS`] order.
    expected: [usize; 6],
    /// Entries of each kind received so far.
    received: [usize; 6],
    held: RawInventory,
    /// Domains, trusts and groups are resolved.
    groups_done: bool,
}

impl Feed {
    fn new(src: Source, version: u32, description: Option<String>, expected: [usize; 6]) -> Self {
        let mut r = Resolver::new(src, version);
        r.index.hosts = NameTable::with_capacity(expected[HOST]);
        r.index.users = NameTable::with_capacity(expected[USER]);
        Feed {
            r,
            expected,
            received: [0; 6],
            held: RawInventory {
                version,
                description,
                domains: Vec::new(),
                trusts: Vec::new(),
                hosts: Vec::new(),
                users: Vec::new(),
                groups: Vec::new(),
                paths: Vec::new(),
            },
            groups_done: false,
        }
    }

    /// The whole file at once.
    fn whole(src: Source, mut raw: RawInventory) -> Result<Inventory, Diagnostics> {
        let expected = counts(&raw);
        let mut feed = Feed::new(src, raw.version, raw.description.take(), expected);
        feed.push(raw);
        feed.finish()
    }

    fn push(&mut self, mut piece: RawInventory) {
        let h = &mut self.held;
        for (n, len) in self.received.iter_mut().zip(counts(&piece)) {
            *n += len;
        }
        join(&mut h.domains, &mut piece.domains);
        join(&mut h.trusts, &mut piece.trusts);
        join(&mut h.hosts, &mut piece.hosts);
        join(&mut h.users, &mut piece.users);
        join(&mut h.groups, &mut piece.groups);
        join(&mut h.paths, &mut piece.paths);
        self.advance();
    }

    fn all(&self, kind: usize) -> bool {
        self.received[kind] >= self.expected[kind]
    }

    fn advance(&mut self) {
        if !self.groups_done && self.all(DOMAIN) && self.all(TRUST) && self.all(GROUP) {
            let domains = std::mem::take(&mut self.held.domains);
            let trusts = std::mem::take(&mut self.held.trusts);
            self.r.domains(&domains, &trusts);
            let groups = std::mem::take(&mut self.held.groups);
            self.r.groups(&groups);
            self.groups_done = true;
        }
        if !self.groups_done {
            return;
        }
        if !self.held.users.is_empty() {
            self.r.users(std::mem::take(&mut self.held.users));
        }
        if self.all(USER) && !self.held.hosts.is_empty() {
            self.r.hosts(std::mem::take(&mut self.held.hosts));
        }
    }

    fn finish(mut self) -> Result<Inventory, Diagnostics> {
        // Every entry has arrived: whatever still waits can go.
        self.expected = self.received;
        self.advance();
        let paths = std::mem::take(&mut self.held.paths);
        self.r.paths(&paths);
        self.r.finish(self.held.description)
    }
}

/// Entries of each kind, in [`ENTRY_HEADERS`] order.
fn counts(raw: &RawInventory) -> [usize; 6] {
    [
        raw.domains.len(),
        raw.trusts.len(),
        raw.hosts.len(),
        raw.users.len(),
        raw.groups.len(),
        raw.paths.len(),
    ]
}

/// Moves the entries of `from` after those of `to` (without copying them when `to` is empty).
fn join<T>(to: &mut Vec<T>, from: &mut Vec<T>) {
    if to.is_empty() {
        std::mem::swap(to, from);
    } else {
        to.append(from);
    }
}

fn lc(s: &str) -> String {
    names::fold(s).into_owned()
}

/// Disjoint sets of domains (forests).
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        Self((0..n).collect())
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The word used in the file for a trust type.
pub fn trust_kind_name(kind: TrustKind) -> &'static str {
    match kind {
        TrustKind::ParentChild => "parent-child",
        TrustKind::TreeRoot => "tree-root",
        TrustKind::Forest => "forest",
        TrustKind::External => "external",
        TrustKind::Shortcut => "shortcut",
        TrustKind::Realm => "realm",
    }
}

enum Ambiguity {
    Missing,
    Many,
}

/// Name lookups over resolved users and groups.
struct Catalog<'a> {
    index: &'a Index,
    users: &'a [User],
    groups: &'a [Group],
}

/// An account of a domain: a user or a group.
trait Account {
    fn name(&self) -> &str;
    fn domain(&self) -> DomainId;
}

impl Account for User {
    fn name(&self) -> &str {
        &self.name
    }
    fn domain(&self) -> DomainId {
        self.domain
    }
}

impl Account for Group {
    fn name(&self) -> &str {
        &self.name
    }
    fn domain(&self) -> DomainId {
        self.domain
    }
}

/// The account `text` names (`NETBIOS\name`, `name@dns` or a bare name) among `items`, indexed by `table`.
fn account<T: Account>(
    domains: &HashMap<String, DomainId>,
    table: &NameTable,
    items: &[T],
    text: &str,
    home: Option<DomainId>,
) -> Result<u32, Ambiguity> {
    lookup_principal(
        text,
        home,
        domains,
        |name| table.find_all(name, |i| items[i as usize].name()),
        |id| items[id as usize].domain(),
    )
}

/// The account of a domain with a bare name.
fn account_in<T: Account>(
    table: &NameTable,
    items: &[T],
    name: &str,
    domain: DomainId,
) -> Option<u32> {
    table
        .find_all(name, |i| items[i as usize].name())
        .into_iter()
        .find(|&i| items[i as usize].domain() == domain)
}

impl Catalog<'_> {
    /// A group by `NETBIOS\name`, `name@dns` or bare name (own domain first, then unique in the inventory).
    fn group(&self, text: &str, home: Option<DomainId>) -> Result<GroupId, Ambiguity> {
        account(
            &self.index.domains,
            &self.index.groups,
            self.groups,
            text,
            home,
        )
    }

    /// A user, as [`Catalog::group`] finds a group.
    fn user(&self, text: &str, home: Option<DomainId>) -> Result<UserId, Ambiguity> {
        account(
            &self.index.domains,
            &self.index.users,
            self.users,
            text,
            home,
        )
    }

    /// The group of a domain with a bare name.
    fn group_in(&self, name: &str, domain: DomainId) -> Option<GroupId> {
        account_in(&self.index.groups, self.groups, name, domain)
    }

    /// The user of a domain with a bare name.
    fn user_in(&self, name: &str, domain: DomainId) -> Option<UserId> {
        account_in(&self.index.users, self.users, name, domain)
    }
}

/// Resolves `NETBIOS\name`, `name@dns` or a bare name (own domain first, then unique in the inventory);
/// `named` lists the ids with a bare name, in increasing order.
fn lookup_principal(
    text: &str,
    home: Option<DomainId>,
    domains: &HashMap<String, DomainId>,
    named: impl Fn(&str) -> Vec<u32>,
    domain_of: impl Fn(u32) -> DomainId,
) -> Result<u32, Ambiguity> {
    let (dom, name) = if let Some((d, n)) = text.split_once('\\') {
        (Some(d), n)
    } else if let Some((n, d)) = text.rsplit_once('@') {
        (Some(d), n)
    } else {
        (None, text)
    };
    if let Some(d) = dom {
        let Some(did) = domains.get(&lc(d)) else {
            return Err(Ambiguity::Missing);
        };
        return named(name)
            .into_iter()
            .find(|id| domain_of(*id) == *did)
            .ok_or(Ambiguity::Missing);
    }
    let ids = named(name);
    if let Some(h) = home
        && let Some(id) = ids.iter().copied().find(|id| domain_of(*id) == h)
    {
        return Ok(id);
    }
    match ids.as_slice() {
        [one] => Ok(*one),
        [] => Err(Ambiguity::Missing),
        _ => Err(Ambiguity::Many),
    }
}

/// Fills the member lists selectors expand to, so an expansion costs what it returns.
/// Ids are pushed in increasing order, so every list comes out sorted.
fn build_reverse_index(
    index: &mut Index,
    domains: usize,
    groups: usize,
    hosts: &[Host],
    users: &[User],
) {
    index.group_users = vec![Vec::new(); groups];
    index.group_hosts = vec![Vec::new(); groups];
    index.domain_users = vec![Vec::new(); domains];
    index.domain_hosts = vec![Vec::new(); domains];
    for (id, u) in users.iter().enumerate() {
        let id = id as UserId;
        for &g in &u.groups {
            index.group_users[g as usize].push(id);
        }
        index.domain_users[u.domain as usize].push(id);
        for &role in &u.roles {
            index.user_roles.entry(role).or_default().push(id);
        }
    }
    for (id, h) in hosts.iter().enumerate() {
        let id = id as HostId;
        for &g in &h.groups {
            index.group_hosts[g as usize].push(id);
        }
        if let Some(d) = h.domain {
            index.domain_hosts[d as usize].push(id);
        }
        for &role in &h.roles {
            index.host_roles.entry(role).or_default().push(id);
        }
    }
    // A role listed twice on one principal must not list it twice.
    for list in index
        .user_roles
        .values_mut()
        .chain(index.host_roles.values_mut())
    {
        list.dedup();
    }
    for list in index.group_users.iter_mut().chain(&mut index.group_hosts) {
        list.dedup();
    }
}

/// Expands path and stage selectors.
pub struct Selectors<'a> {
    index: &'a Index,
    hosts: &'a [Host],
    users: &'a [User],
    groups: &'a [Group],
}

impl<'a> Selectors<'a> {
    fn catalog(&self) -> Catalog<'a> {
        Catalog {
            index: self.index,
            users: self.users,
            groups: self.groups,
        }
    }

    fn group(&self, name: &str) -> Result<GroupId, String> {
        self.catalog().group(name, None).map_err(|a| match a {
            Ambiguity::Missing => format!("unknown group `{name}`"),
            Ambiguity::Many => format!(
                "group name `{name}` exists in several domains: qualify it as NETBIOS\\NAME"
            ),
        })
    }

    fn domain(&self, name: &str) -> Result<DomainId, String> {
        self.index
            .domains
            .get(&lc(name))
            .copied()
            .ok_or_else(|| format!("unknown domain `{name}`"))
    }

    /// Hosts a selector matches (unsorted).
    pub fn hosts(&self, sel: &str) -> Result<Vec<HostId>, String> {
        let all = || 0..self.hosts.len() as HostId;
        let (kind, value) = sel.split_once(':').unwrap_or(("host", sel));
        Ok(match kind {
            _ if sel == "*" => all().collect(),
            "host" => vec![
                self.index
                    .hosts
                    .find(value, |i| self.hosts[i as usize].name.as_str())
                    .ok_or_else(|| format!("unknown host `{value}`"))?,
            ],
            "tag" => self.index.tags.get(&lc(value)).cloned().unwrap_or_default(),
            "group" => self.index.group_hosts[self.group(value)? as usize].clone(),
            "role" => {
                let role: HostRole = parse_enum(value).map_err(|_| {
                    format!("unknown host role `{value}`: use workstation, server, domain-controller, paw or helpdesk-console")
                })?;
                self.index
                    .host_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_hosts[self.domain(value)? as usize].clone(),
            other => {
                return Err(format!(
                    "unknown selector kind `{other}:` in `{sel}` for hosts"
                ));
            }
        })
    }

    /// Users a selector matches (unsorted).
    pub fn users(&self, sel: &str) -> Result<Vec<UserId>, String> {
        let all = || 0..self.users.len() as UserId;
        if sel == "*" {
            return Ok(all().collect());
        }
        let (kind, value) = match sel.split_once(':') {
            Some((k, v)) if matches!(k, "user" | "group" | "role" | "domain") => (k, v),
            _ => ("", sel),
        };
        let user = |name: &str| self.catalog().user(name, None);
        let members = |g: GroupId| -> Vec<UserId> { self.index.group_users[g as usize].clone() };
        Ok(match kind {
            "user" => vec![user(value).map_err(|_| format!("unknown user `{value}`"))?],
            "group" => members(self.group(value)?),
            "role" => {
                let role: UserRole = parse_enum(value)
                    .map_err(|_| format!("unknown user role `{value}`: use admin or helpdesk"))?;
                self.index
                    .user_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_users[self.domain(value)? as usize].clone(),
            _ => match (user(value), self.group(value)) {
                (Ok(u), Err(_)) => vec![u],
                (Err(Ambiguity::Missing), Ok(g)) => members(g),
                (Err(Ambiguity::Missing), Err(_)) => {
                    return Err(format!("unknown user or group `{value}`"));
                }
                _ => {
                    return Err(format!(
                        "`{value}` names more than one user or group: write user:NAME or group:NAME, or NETBIOS\\NAME"
                    ));
                }
            },
        })
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ()> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
        .map_err(|_| ())
}

impl Inventory {
    /// Selector expansion over this inventory (for plan stages and the TUI).
    pub fn selectors(&self) -> Selectors<'_> {
        Selectors {
            index: &self.index,
            hosts: &self.hosts,
            users: &self.users,
            groups: &self.groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{SampleSpec, generate};

    /// A text in memory, read a block at a time.
    fn reader(text: &str) -> Blocks<&[u8]> {
        Blocks::new(text.as_bytes(), false)
    }

    /// Byte offsets of the lines that start with an entry header, and how many there are of each kind.
    fn entry_starts(text: &str) -> Option<(Vec<usize>, [usize; 6])> {
        let (mut starts, mut counts, mut offset) = (Vec::new(), [0; 6], 0);
        for line in text.split_inclusive('\n') {
            if let Some(kind) = header(line.as_bytes())? {
                counts[kind] += 1;
                starts.push(offset);
            }
            offset += line.len();
        }
        Some((starts, counts))
    }

    /// The whole-file parse the pieces must agree with.
    fn whole(text: &str) -> RawInventory {
        match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => panic!("the whole file does not parse: {e}"),
        }
    }

    /// The entries of a file read in pieces, or `None` when it cannot be.
    fn parse_in_pieces(text: &str) -> Option<RawInventory> {
        let mut pieces = Pieces::new(reader(text))?;
        let mut raw = RawInventory {
            version: pieces.preamble.version,
            description: pieces.preamble.description.take(),
            domains: Vec::new(),
            trusts: Vec::new(),
            hosts: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            paths: Vec::new(),
        };
        for piece in pieces {
            let mut p = piece?;
            raw.domains.append(&mut p.domains);
            raw.trusts.append(&mut p.trusts);
            raw.hosts.append(&mut p.hosts);
            raw.users.append(&mut p.users);
            raw.groups.append(&mut p.groups);
            raw.paths.append(&mut p.paths);
        }
        Some(raw)
    }

    fn pieces(text: &str) -> RawInventory {
        match parse_in_pieces(text) {
            Some(raw) => raw,
            None => panic!("the file was not parsed in pieces"),
        }
    }

    /// Windows line ends and a byte order mark, as Windows editors save the file.
    fn variants(text: &str) -> Vec<String> {
        let crlf = text.replace('\n', "\r\n");
        vec![text.to_string(), format!("\u{feff}{crlf}"), crlf]
    }

    /// A path whose target does not exist, after everything else, so its diagnostic sits in the last piece.
    const DANGLING: &str = "\n[[path]]\nname = \"zz-dangling\"\npurpose = \"admin\"\nwho = [\"role:admin\"]\nfrom = [\"*\"]\nto = [\"host:NO-SUCH-HOST\"]\n";

    /// The facts of an inventory with where they are written (its indexes are hash maps, derived from these).
    fn facts(i: &Inventory) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            i.description, i.domains, i.trusts, i.hosts, i.users, i.groups, i.paths, i.acls
        )
    }

    /// The facts of an inventory without where they are written.
    fn entries(i: &Inventory) -> String {
        let mut i = i.clone();
        let nowhere = Pos::default();
        i.domains.iter_mut().for_each(|x| x.at = nowhere);
        i.trusts.iter_mut().for_each(|x| x.at = nowhere);
        i.hosts.iter_mut().for_each(|x| x.at = nowhere);
        i.users.iter_mut().for_each(|x| x.at = nowhere);
        i.groups.iter_mut().for_each(|x| x.at = nowhere);
        i.paths.iter_mut().for_each(|x| x.at = nowhere);
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            i.description, i.domains, i.trusts, i.hosts, i.users, i.groups, i.paths, i.acls
        )
    }

    fn assert_same(text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (a, b) = (pieces(text), whole(text));
        assert!(format!("{a:?}") == format!("{b:?}"), "raw entries differ");
        let inv_a = Feed::whole(Source::Text(SourceFile::new("t.toml", text)), a);
        let inv_b = Feed::whole(Source::Text(SourceFile::new("t.toml", text)), b);
        match (inv_a, inv_b) {
            (Ok(a), Ok(b)) => {
                assert!(facts(&a) == facts(&b), "inventories differ");
                let raw = pieces(text);
                let src = SourceFile::new("t.toml", text);
                for (p, resolved) in raw.paths.iter().zip(&a.paths) {
                    let span = p.name.span();
                    assert_eq!(&text[span.clone()], format!("\"{}\"", p.name.get_ref()));
                    let (line, col) = src.line_col(span.start);
                    assert_eq!(
                        (resolved.at.line as usize, resolved.at.col as usize),
                        (line, col)
                    );
                }
                let loaded = load_str("t.toml", text).map(|i| facts(&i)).ok();
                assert!(loaded == Some(facts(&a)), "load_str differs");
            }
            (Err(a), Err(b)) => {
                assert!(!a.0.is_empty());
                assert_eq!(a, b);
                assert_eq!(load_str("t.toml", text).err(), Some(a));
            }
            (a, b) => panic!("pieces: {:?}, whole file: {:?}", a.is_ok(), b.is_ok()),
        }
    }

    proptest::proptest! {
        /// Many positions found in one pass are those found one by one, whatever the line ends, characters and
        /// order of the offsets.
        #[test]
        fn positions_in_one_pass_match_line_col(
            text in "[a\r\né日\u{10348}]{0,60}",
            offsets in proptest::collection::vec(0usize..70, 0..20),
        ) {
            let src = SourceFile::new("t.toml", text.as_str());
            let all = src.positions(&offsets);
            for (offset, pos) in offsets.iter().zip(all) {
                let (line, col) = src.line_col(*offset);
                proptest::prop_assert_eq!((pos.line as usize, pos.col as usize), (line, col));
            }
        }

        /// A text given in parts, as a file read a block at a time, places every offset where the whole text
        /// does.
        #[test]
        fn positions_from_parts_match_the_whole_text(
            text in "[a\r\né日\u{10348}]{0,60}",
            offsets in proptest::collection::vec(0usize..70, 0..20),
            cuts in proptest::collection::vec(0usize..70, 0..6),
        ) {
            let src = SourceFile::new("t.toml", text.as_str());
            let crlf = |c: usize| text[..c].ends_with('\r') && text[c..].starts_with('\n');
            let mut cuts: Vec<usize> = cuts
                .into_iter()
                .filter(|&c| text.is_char_boundary(c) && !crlf(c))
                .chain([0, text.len()])
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            let mut at = Locator::new(&offsets);
            for w in cuts.windows(2) {
                at.feed(&text[w[0]..w[1]]);
            }
            proptest::prop_assert_eq!(at.finish(), src.positions(&offsets));
        }
    }

    #[test]
    fn pieces_match_the_whole_file_on_the_sample() {
        for text in variants(SAMPLE_TOML) {
            assert_same(&text);
            assert_same(&format!(
                "{text}{}",
                DANGLING.replace('\n', if text.contains('\r') { "\r\n" } else { "\n" })
            ));
        }
    }

    #[test]
    fn pieces_match_the_whole_file_on_a_generated_estate() {
        let text = match generate(&SampleSpec::new(3000)) {
            Ok(t) => t,
            Err(e) => panic!("{}", e.0),
        };
        let (starts, _) = entry_starts(&text).unwrap_or_default();
        assert!(
            starts.len() > 2 * PIECE_ENTRIES,
            "only {} entries",
            starts.len()
        );
        for text in variants(&text) {
            assert_same(&text);
            let eol = if text.contains('\r') { "\r\n" } else { "\n" };
            let bad = format!("{text}{}", DANGLING.replace('\n', eol));
            assert_same(&bad);
            let d = match load_str("t.toml", &bad) {
                Err(d) => d,
                Ok(_) => panic!("a dangling target must be reported"),
            };
            let last_line = bad.lines().count();
            assert!(d.0.iter().any(|d| d.line == last_line), "{d}");
        }
    }

    /// The file with its entries regrouped: `order` lists the kinds (indexes into [`ENTRY_HEADERS`]) in the order
    /// they are written, each with the part of that kind's entries it takes (`..` for all, `..0.5` for the first
    /// half); each kind keeps its own order.
    fn regrouped(text: &str, order: &[(usize, std::ops::Range<f64>)]) -> String {
        let Some((starts, counts)) = entry_starts(text) else {
            panic!("the file has entry headers only");
        };
        let mut out = text[..starts[0]].to_string();
        let entry = |i: usize| &text[starts[i]..starts.get(i + 1).copied().unwrap_or(text.len())];
        for (kind, part) in order {
            let mut n = 0;
            for i in 0..starts.len() {
                if !entry(i).starts_with(ENTRY_HEADERS[*kind]) {
                    continue;
                }
                let at = n as f64 / counts[*kind] as f64;
                n += 1;
                if part.contains(&at) {
                    out.push_str(entry(i).trim_end());
                    out.push_str("\n\n");
                }
            }
        }
        out
    }

    #[test]
    fn the_order_of_kinds_in_the_file_does_not_change_the_inventory() {
        let text = match generate(&SampleSpec::new(3000)) {
            Ok(t) => t,
            Err(e) => panic!("{}", e.0),
        };
        let Ok(written) = load_str("t.toml", &text) else {
            panic!("the generated estate loads");
        };
        // Paths first, hosts before the users their local groups name, users before their groups and
        // domains; and one kind cut in two by others.
        let all = 0.0..1.0;
        let reversed: Vec<_> = (0..6).rev().map(|k| (k, all.clone())).collect();
        let reversed = regrouped(&text, &reversed);
        let (first, second) = (0.0..0.5, 0.5..1.0);
        let mixed = regrouped(
            &text,
            &[
                (0, all.clone()),
                (4, first.clone()),
                (3, first),
                (1, all.clone()),
                (2, all.clone()),
                (4, second.clone()),
                (3, second),
                (5, all),
            ],
        );
        for other in [reversed, mixed] {
            assert!(Pieces::new(reader(&other)).is_some_and(|p| p.count() > 2));
            match load_str("t.toml", &other) {
                Ok(inv) => assert!(entries(&inv) == entries(&written), "inventories differ"),
                Err(d) => panic!("{d}"),
            }
            let bad = format!("{other}{DANGLING}");
            assert_eq!(
                load_str("t.toml", &bad).err().map(|d| d.0.len()),
                Some(1),
                "one problem: the dangling target"
            );
        }
    }

    #[test]
    fn files_the_pieces_cannot_hold_take_the_whole_file_path() {
        let Some(line) = SAMPLE_TOML
            .lines()
            .find(|l| l.starts_with("description = "))
        else {
            panic!("the sample has a description");
        };
        let cut_string = SAMPLE_TOML.replacen(
            line,
            "description = \"\"\"\nfirst\n[[host]]\nname = \"x\"\n\"\"\"",
            1,
        );
        assert!(parse_in_pieces(&cut_string).is_none());
        let (Ok(inv), Ok(sample)) = (load_str("t.toml", &cut_string), load_sample()) else {
            panic!("a header inside a multi-line string is text");
        };
        assert!(
            inv.description
                .as_deref()
                .is_some_and(|d| d.contains("[[host]]"))
        );
        assert_eq!(inv.hosts.len(), sample.hosts.len());

        let other_table = format!("{SAMPLE_TOML}\n[extra]\nkey = 1\n");
        let inline_hosts = SAMPLE_TOML.replacen("version = 1", "version = 1\nhost = []", 1);
        for text in [other_table, inline_hosts] {
            assert!(parse_in_pieces(&text).is_none());
            assert!(toml::from_str::<RawInventory>(&text).is_err());
            assert!(load_str("t.toml", &text).is_err());
        }
    }
}
