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

/// How many pieces may be cut and not yet resolved.
const AHEAD: usize = 4;

/// A piece's text to deserialize: its place among the pieces and its byte offset in the file.
struct Job {
    index: usize,
    begin: usize,
    text: String,
}

/// What the two threads share: pieces cut and waiting, pieces deserialized and waiting to be resolved.
#[derive(Default)]
struct Shared {
    state: std::sync::Mutex<State>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct State {
    jobs: std::collections::VecDeque<Job>,
    done: std::collections::BTreeMap<usize, Option<RawInventory>>,
    /// No piece will be cut any more.
    closed: bool,
    /// The second thread has ended (had it failed, the piece it held would never come).
    worker_gone: bool,
}

/// Tells the first thread that the second one has ended, however it ends.
struct Gone<'a>(&'a Shared);

impl Drop for Gone<'_> {
    fn drop(&mut self) {
        self.0.lock().worker_gone = true;
        self.0.changed.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wait<'a>(
        &self,
        guard: std::sync::MutexGuard<'a, State>,
    ) -> std::sync::MutexGuard<'a, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Deserializes a job and hands the piece back.
    fn work(&self, version: u32, job: Job) {
        let piece = parse(version, job.begin, &job.text);
        drop(job.text);
        self.lock().done.insert(job.index, piece);
        self.changed.notify_all();
    }

    /// The second thread: deserializes pieces until none will come.
    fn worker(&self, version: u32) {
        let _gone = Gone(self);
        loop {
            let mut state = self.lock();
            let job = loop {
                if let Some(job) = state.jobs.pop_front() {
                    break job;
                }
                if state.closed {
                    return;
                }
                state = self.wait(state);
            };
            drop(state);
            self.work(version, job);
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

/// Loads a valid file piece by piece, resolving entries as they arrive: one pass counts the entries of each
/// kind, a second deserializes them. `None` when a piece does not deserialize on its own (the whole-file path
/// then gives the messages).
///
/// Deserializing takes about twice as long as resolving. This thread reads the file, cuts it into pieces and
/// resolves them in file order; a second thread deserializes pieces, and so does this one whenever the next
/// piece to resolve is not ready yet.
pub(super) fn load_in_pieces(src: &Source) -> Option<Result<Inventory, Diagnostics>> {
    let counts = count_entries(src.blocks().ok()?)?;
    let mut pieces = Pieces::new(src.blocks().ok()?)?;
    let description = pieces.preamble.description.take();
    let version = pieces.preamble.version;
    let mut feed = Feed::new(src.clone(), version, description, counts);
    let shared = Shared::default();
    let whole = std::thread::scope(|s| {
        s.spawn(|| shared.worker(version));
        let whole = resolve_in_order(&shared, &mut pieces, &mut feed, version);
        shared.close();
        whole
    });
    whole.then(|| feed.finish())
}

/// This thread's part of [`load_in_pieces`]: `false` when a piece cannot be cut, read or deserialized.
fn resolve_in_order<R: std::io::Read>(
    shared: &Shared,
    pieces: &mut Pieces<R>,
    feed: &mut Feed,
    version: u32,
) -> bool {
    let (mut cut, mut resolved, mut more) = (0, 0, true);
    loop {
        while more && cut - resolved < AHEAD {
            match pieces.next_text() {
                None => more = false,
                Some(None) => return false,
                Some(Some((begin, text))) => {
                    shared.lock().jobs.push_back(Job {
                        index: cut,
                        begin,
                        text,
                    });
                    shared.changed.notify_all();
                    cut += 1;
                }
            }
        }
        if !more && resolved == cut {
            return true;
        }
        let mut state = shared.lock();
        if let Some(piece) = state.done.remove(&resolved) {
            drop(state);
            let Some(piece) = piece else {
                return false;
            };
            feed.push(piece);
            resolved += 1;
        } else if let Some(job) = state.jobs.pop_front() {
            drop(state);
            shared.work(version, job);
        } else if state.worker_gone {
            // The piece the second thread held will not come; the scope's end reports why.
            return false;
        } else {
            drop(shared.wait(state));
        }
    }
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
