//! The fast path: a valid file cut at entry headers into pieces of a few hundred entries, each deserialized on
//! its own and fed to the resolver in the order that lets it resolve entries as they arrive.

use super::resolve::Resolver;
use super::source::{Blocks, EachLine, Source};
use crate::diag::Diagnostics;
use crate::inventory::model::*;
use crate::inventory::raw::*;

/// Top-level array-of-tables headers at which the file may be cut, in the order of [`Entries`]' fields.
pub(super) const ENTRY_HEADERS: [&str; 6] = [
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
pub(super) const PIECE_ENTRIES: usize = 256;

/// The keys before the first entry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Preamble {
    pub(super) version: u32,
    #[serde(default)]
    pub(super) description: Option<String>,
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
pub(super) fn header(line: &[u8]) -> Option<Option<usize>> {
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
pub(super) struct Pieces<R> {
    blocks: Blocks<R>,
    pub(super) preamble: Preamble,
    /// Byte offset of the next piece in the file.
    offset: usize,
}

impl<R: std::io::Read> Pieces<R> {
    /// `None` when the file has other tables than the entry arrays, its preamble does not deserialize or it
    /// cannot be read.
    pub(super) fn new(mut blocks: Blocks<R>) -> Option<Self> {
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

impl<R: std::io::Read> Pieces<R> {
    /// The text of the next piece and its byte offset in the file; `Some(None)` when it cannot be cut or read
    /// (or is not UTF-8), `None` at the end.
    fn next_text(&mut self) -> Option<Option<(usize, String)>> {
        let Some(end) = self.blocks.entries(PIECE_ENTRIES) else {
            return Some(None);
        };
        if end == 0 {
            return None;
        }
        let Ok(text) = std::str::from_utf8(&self.blocks.rest()[..end]) else {
            return Some(None);
        };
        let text = text.to_string();
        let begin = self.offset;
        self.offset += end;
        self.blocks.used = end;
        Some(Some((begin, text)))
    }
}

/// The entries of a piece's text that starts at byte `begin` of the file, with their spans in the file; `None`
/// when the piece does not deserialize on its own.
fn parse(version: u32, begin: usize, text: &str) -> Option<RawInventory> {
    let e = toml::from_str::<Entries>(text).ok()?;
    let mut piece = RawInventory {
        version,
        description: None,
        domains: e.domains,
        trusts: e.trusts,
        hosts: e.hosts,
        users: e.users,
        groups: e.groups,
        paths: e.paths,
    };
    piece.shift_spans(begin);
    Some(piece)
}

impl<R: std::io::Read> Iterator for Pieces<R> {
    /// A piece, or `None` when it does not deserialize on its own (a piece cut inside a multi-line string leaves
    /// the string unterminated, so it fails too) or the rest of the file cannot be read.
    type Item = Option<RawInventory>;

    fn next(&mut self) -> Option<Self::Item> {
        let version = self.preamble.version;
        Some(
            self.next_text()?
                .and_then(|(begin, text)| parse(version, begin, &text)),
        )
    }
}

/// How many pieces may wait to be deserialized, and deserialized pieces to be resolved.
const AHEAD: usize = 2;

/// Loads a valid file piece by piece, resolving entries as they arrive: one pass counts the entries of each
/// kind, a second deserializes them. `None` when a piece does not deserialize on its own (the whole-file path
/// then gives the messages).
///
/// Deserializing takes about twice as long as resolving, so a second thread deserializes the next pieces while
/// this one reads the file and resolves the pieces before, in file order.
pub(super) fn load_in_pieces(src: &Source) -> Option<Result<Inventory, Diagnostics>> {
    let counts = count_entries(src.blocks().ok()?)?;
    let mut pieces = Pieces::new(src.blocks().ok()?)?;
    let description = pieces.preamble.description.take();
    let version = pieces.preamble.version;
    let mut feed = Feed::new(src.clone(), version, description, counts);
    let whole = std::thread::scope(|s| {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<(usize, String)>(AHEAD);
        let (done, parsed) = std::sync::mpsc::sync_channel::<Option<RawInventory>>(AHEAD);
        s.spawn(move || {
            for (begin, text) in queue {
                if done.send(parse(version, begin, &text)).is_err() {
                    break;
                }
            }
        });
        // Pieces sent and not yet resolved; leaving early drops both channels, which ends the other thread.
        let mut waiting = 0;
        loop {
            match pieces.next_text() {
                None => break,
                Some(None) => return false,
                Some(Some(job)) => {
                    if jobs.send(job).is_err() {
                        return false;
                    }
                    waiting += 1;
                }
            }
            if waiting > AHEAD {
                match parsed.recv() {
                    Ok(Some(piece)) => feed.push(piece),
                    _ => return false,
                }
                waiting -= 1;
            }
        }
        drop(jobs);
        for _ in 0..waiting {
            match parsed.recv() {
                Ok(Some(piece)) => feed.push(piece),
                _ => return false,
            }
        }
        true
    });
    whole.then(|| feed.finish())
}

/// Entries in file order, resolved as soon as what they refer to is known: users once every domain, trust and
/// group has arrived, hosts once every user has too. Paths wait for the end. In a file written kind by kind (as
/// `guardplan sample` and `guardplan import` write them) no user or host waits.
pub(super) struct Feed {
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
    pub(super) fn new(
        src: Source,
        version: u32,
        description: Option<String>,
        expected: [usize; 6],
    ) -> Self {
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
    pub(super) fn whole(src: Source, mut raw: RawInventory) -> Result<Inventory, Diagnostics> {
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

    pub(super) fn finish(mut self) -> Result<Inventory, Diagnostics> {
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
