//! Reading, checking and writing plan files: deterministic TOML, positions in every error, atomic saves that
//! never overwrite a file changed on disk since it was read.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::model::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::inventory::{Inventory, SourceFile};
use crate::names;
use crate::rules::Code;

/// The text a plan was parsed from, with the position of each entry (keyed by content, so sorting a plan does
/// not lose them).
#[derive(Debug, Clone)]
pub struct PlanSource {
    /// The file.
    pub file: SourceFile,
    spans: HashMap<String, Range<usize>>,
}

impl PlanSource {
    fn span(&self, key: &str) -> Option<Range<usize>> {
        self.spans.get(key).cloned()
    }
}

fn stage_key(stage: &str) -> String {
    format!("stage\u{0}{stage}")
}
fn member_key(stage: &str, kind: MemberKind, sel: &str) -> String {
    format!("member\u{0}{stage}\u{0}{}\u{0}{sel}", kind.key())
}
fn decision_key(path: &str) -> String {
    format!("decision\u{0}{path}")
}
fn exception_key(path: &str, kind: &str, sel: &str) -> String {
    format!("exception\u{0}{path}\u{0}{kind}\u{0}{sel}")
}
fn waiver_key(field: &str, code: &str, scope: &str) -> String {
    format!("waiver\u{0}{field}\u{0}{code}\u{0}{scope}")
}

/// The same file read a second time with positions; unknown keys are ignored here since the first read rejects
/// them.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SpanPlan {
    version: Option<Spanned<toml::Value>>,
    inventory: Option<SpanInventory>,
    stage: Vec<SpanStage>,
    decision: Vec<SpanDecision>,
    waiver: Vec<SpanWaiver>,
}
#[derive(Deserialize)]
struct SpanInventory {
    fingerprint: Option<Spanned<String>>,
}
#[derive(Deserialize)]
struct SpanStage {
    name: Spanned<String>,
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    #[serde(default)]
    clients: Vec<Spanned<String>>,
    #[serde(default)]
    users: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
}
#[derive(Deserialize)]
struct SpanDecision {
    path: Spanned<String>,
    #[serde(default)]
    exception: Vec<SpanException>,
}
#[derive(Deserialize)]
struct SpanException {
    #[serde(default)]
    stage: Option<Spanned<String>>,
    #[serde(default)]
    users: Vec<Spanned<String>>,
    #[serde(default)]
    targets: Vec<Spanned<String>>,
    #[serde(default)]
    clients: Vec<Spanned<String>>,
}
#[derive(Deserialize)]
struct SpanWaiver {
    code: Spanned<String>,
    scope: Spanned<String>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::value::Datetime>>,
}

const FINGERPRINT_KEY: &str = "inventory\u{0}fingerprint";
const VERSION_KEY: &str = "version";

fn collect_spans(text: &str) -> HashMap<String, Range<usize>> {
    let raw: SpanPlan = toml::from_str(text).unwrap_or_default();
    let mut spans = HashMap::new();
    if let Some(v) = &raw.version {
        spans.insert(VERSION_KEY.to_string(), v.span());
    }
    if let Some(f) = raw.inventory.and_then(|i| i.fingerprint) {
        spans.insert(FINGERPRINT_KEY.to_string(), f.span());
    }
    for st in &raw.stage {
        let name = st.name.get_ref();
        spans.entry(stage_key(name)).or_insert(st.name.span());
        for (kind, list) in [
            (MemberKind::Host, &st.hosts),
            (MemberKind::Client, &st.clients),
            (MemberKind::User, &st.users),
            (MemberKind::Path, &st.paths),
        ] {
            for sel in list {
                spans
                    .entry(member_key(name, kind, sel.get_ref()))
                    .or_insert(sel.span());
            }
        }
    }
    for d in &raw.decision {
        spans
            .entry(decision_key(d.path.get_ref()))
            .or_insert(d.path.span());
        for e in &d.exception {
            if let Some(st) = &e.stage {
                spans
                    .entry(exception_key(d.path.get_ref(), "stage", st.get_ref()))
                    .or_insert(st.span());
            }
            for (key, list) in [
                ("users", &e.users),
                ("targets", &e.targets),
                ("clients", &e.clients),
            ] {
                for sel in list {
                    spans
                        .entry(exception_key(d.path.get_ref(), key, sel.get_ref()))
                        .or_insert(sel.span());
                }
            }
        }
    }
    for w in &raw.waiver {
        let (c, s) = (w.code.get_ref(), w.scope.get_ref());
        spans
            .entry(waiver_key("code", c, s))
            .or_insert(w.code.span());
        spans
            .entry(waiver_key("scope", c, s))
            .or_insert(w.scope.span());
        spans
            .entry(waiver_key("reason", c, s))
            .or_insert(w.reason.span());
        if let Some(e) = &w.expires {
            spans.entry(waiver_key("expires", c, s)).or_insert(e.span());
        }
    }
    spans
}

/// Collects problems against the positions of a parsed plan.
struct Reporter<'a> {
    plan_name: &'a str,
    source: Option<&'a PlanSource>,
    errors: Vec<Diagnostic>,
}

impl Reporter<'_> {
    fn err(&mut self, key: &str, message: String, help: &str) {
        let help = Some(help.to_string());
        let d = match self.source {
            Some(src) => match src.span(key) {
                Some(span) => Diagnostic::at(&src.file, span, message, help),
                None => Diagnostic::file(&src.file.name, message, help),
            },
            None => Diagnostic::file(self.plan_name, message, help),
        };
        self.errors.push(d);
    }

    fn finish(mut self) -> Result<(), Diagnostics> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors
            .sort_by(|a, b| (a.line, a.col, &a.message).cmp(&(b.line, b.col, &b.message)));
        self.errors.dedup();
        Err(Diagnostics(self.errors))
    }
}

/// Parses a plan file and checks what can be checked without the inventory (version, names, codes, scopes,
/// dates, duplicates). `name` is used in messages. Run [`validate`] against the inventory next.
pub fn parse(name: &str, text: &str) -> Result<Plan, Diagnostics> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file = SourceFile::new(name, text);
    let mut plan: Plan = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            return Err(Diagnostics(vec![crate::inventory::load::toml_error(
                &file, &e,
            )]));
        }
    };
    let source = Arc::new(PlanSource {
        spans: collect_spans(text),
        file,
    });
    let mut r = Reporter {
        plan_name: name,
        source: Some(&*source),
        errors: Vec::new(),
    };
    check_structure(&plan, &mut r);
    r.finish()?;
    plan.origin = Origin(Some(source));
    Ok(plan)
}

fn check_structure(plan: &Plan, r: &mut Reporter<'_>) {
    if plan.version != 1 {
        r.err(
            VERSION_KEY,
            format!("unsupported plan version {}", plan.version),
            "set `version = 1`, or use the guardplan release that wrote this plan",
        );
    }
    let fp = &plan.inventory.fingerprint;
    let hex = fp.strip_prefix("sha256:").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        r.err(
            FINGERPRINT_KEY,
            "the inventory fingerprint is not `sha256:` followed by 64 hexadecimal digits".into(),
            "write the plan with `guardplan plan init`, or save it from `guardplan tui`, to set the fingerprint",
        );
    }
    let mut stage_names = HashSet::new();
    for st in &plan.stages {
        if let Err(why) = names::identifier(&st.name) {
            r.err(
                &stage_key(&st.name),
                format!(
                    "stage name `{}` is not valid: it {why}",
                    st.name.escape_debug()
                ),
                "name stages with letters, digits, `-`, `_` and `.` (the name becomes part of script file names)",
            );
        }
        if !stage_names.insert(st.name.to_lowercase()) {
            r.err(
                &stage_key(&st.name),
                format!("stage `{}` is declared twice", st.name.escape_debug()),
                "give each stage a unique name",
            );
        }
    }
    let mut decided = HashSet::new();
    for d in &plan.decisions {
        if !decided.insert(d.path.to_lowercase()) {
            r.err(
                &decision_key(&d.path),
                format!(
                    "path `{}` has more than one decision",
                    d.path.escape_debug()
                ),
                "keep one [[decision]] per path",
            );
        }
    }
    for w in &plan.waivers {
        check_waiver_fields(w, r);
    }
}

fn check_waiver_fields(w: &Waiver, r: &mut Reporter<'_>) {
    if let Err(e) = w.code.parse::<Code>() {
        r.err(
            &waiver_key("code", &w.code, &w.scope),
            e,
            "use a code from `guardplan rules`",
        );
    }
    if let Err(e) = Scope::parse(&w.scope) {
        r.err(
            &waiver_key("scope", &w.code, &w.scope),
            e,
            "write `*`, `path:NAME`, `host:NAME` or `user:NAME`",
        );
    }
    if w.reason.trim().is_empty() {
        r.err(
            &waiver_key("reason", &w.code, &w.scope),
            "a waiver needs a reason".into(),
            "say why the risk is accepted and who accepted it",
        );
    }
    if let Some(e) = &w.expires
        && (e.time.is_some() || e.offset.is_some() || w.expiry().is_none())
    {
        r.err(
            &waiver_key("expires", &w.code, &w.scope),
            format!("the expiry `{e}` is not a plain date"),
            "write the last day the waiver applies as a TOML date, e.g. `expires = 2026-12-31`",
        );
    }
}

/// What a waiver covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every finding with the code.
    All,
    /// Findings on one access path.
    Path(String),
    /// Findings whose subjects are all this host.
    Host(String),
    /// Findings whose subjects are all this user (`NAME` or `NETBIOS\NAME`).
    User(String),
}

impl Scope {
    /// Parses `*`, `path:NAME`, `host:NAME` or `user:NAME`.
    pub fn parse(s: &str) -> Result<Scope, String> {
        if s == "*" {
            return Ok(Scope::All);
        }
        let (kind, name) = s.split_once(':').unwrap_or(("", s));
        if name.is_empty() {
            return Err(format!(
                "the waiver scope `{}` names nothing",
                s.escape_debug()
            ));
        }
        match kind {
            "path" => Ok(Scope::Path(name.to_string())),
            "host" => Ok(Scope::Host(name.to_string())),
            "user" => Ok(Scope::User(name.to_string())),
            _ => Err(format!(
                "the waiver scope `{}` is not `*`, `path:NAME`, `host:NAME` or `user:NAME`",
                s.escape_debug()
            )),
        }
    }
}

/// Checks every name of a plan against its inventory: stage members (selectors), decided paths and waiver
/// scopes. Errors point into the plan file when the plan was parsed from one.
pub fn validate(plan: &Plan, inv: &Inventory) -> Result<(), Diagnostics> {
    let mut r = Reporter {
        plan_name: "plan",
        source: plan.origin.0.as_deref(),
        errors: Vec::new(),
    };
    if r.source.is_none() {
        check_structure(plan, &mut r);
    }
    let sel = inv.selectors();
    // Whether a selector selects anything, once per selector: the exceptions of hundreds of paths repeat the
    // same few (`build:<14393`), each a pass over every host of the estate.
    let mut known: HashMap<(MemberKind, &str), Result<bool, String>> = HashMap::new();
    let mut selects = |kind: MemberKind, m| {
        known
            .entry((kind, m))
            .or_insert_with(|| resolve_member(inv, &sel, kind, m).map(|ids| !ids.is_empty()))
            .clone()
    };
    for st in &plan.stages {
        for kind in MemberKind::ALL {
            for m in st.members(kind) {
                // A selector that matches nothing is a mistake, as it is in the inventory (`*` may be empty).
                let why = match selects(kind, m) {
                    Err(why) => why,
                    Ok(false) if m != "*" => format!(
                        "`{}` selects nothing in the inventory",
                        crate::safe_text::escape(m)
                    ),
                    Ok(_) => continue,
                };
                r.err(
                    &member_key(&st.name, kind, m),
                    format!("stage `{}`, {}: {why}", st.name, kind.key()),
                    member_help(kind),
                );
            }
        }
    }
    for d in &plan.decisions {
        if !inv.index.paths.contains_key(names::fold(&d.path).as_ref()) {
            r.err(
                &decision_key(&d.path),
                format!(
                    "the decision is for the unknown access path `{}`",
                    d.path.escape_debug()
                ),
                "use a path name from the inventory's [[path]] entries, or remove the decision",
            );
        }
        for e in &d.exceptions {
            if let Some(st) = &e.stage
                && !plan.stages.iter().any(|s| s.name == *st)
            {
                r.err(
                    &exception_key(&d.path, "stage", st),
                    format!(
                        "decision `{}`, exception stage: there is no stage `{}`",
                        d.path.escape_debug(),
                        crate::safe_text::escape(st)
                    ),
                    "name one of the plan's [[stage]] entries, or remove `stage` to keep the exception for the whole rollout",
                );
            }
            for (key, list) in e.selectors() {
                for m in list {
                    let kind = if key == "users" {
                        MemberKind::User
                    } else {
                        MemberKind::Host
                    };
                    let why = match selects(kind, m) {
                        Err(why) => why,
                        Ok(false) => format!(
                            "`{}` selects nothing in the inventory",
                            crate::safe_text::escape(m)
                        ),
                        Ok(_) => continue,
                    };
                    r.err(
                        &exception_key(&d.path, key, m),
                        format!(
                            "decision `{}`, exception {key}: {why}",
                            d.path.escape_debug()
                        ),
                        member_help(kind),
                    );
                }
            }
        }
    }
    for w in &plan.waivers {
        if let Some(why) = unknown_scope(w, inv) {
            r.err(
                &waiver_key("scope", &w.code, &w.scope),
                format!("the waiver scope names an {why}"),
                "scope the waiver to a path, host or user of the inventory, or to `*`",
            );
        }
    }
    r.finish()
}

/// Why a waiver's scope does not resolve in the inventory, if it does not.
fn unknown_scope(w: &Waiver, inv: &Inventory) -> Option<String> {
    let sel = inv.selectors();
    match Scope::parse(&w.scope) {
        Ok(Scope::Path(p)) if !inv.index.paths.contains_key(&p.to_lowercase()) => {
            Some(format!("unknown access path `{}`", p.escape_debug()))
        }
        Ok(Scope::Host(h)) if inv.host_named(&h).is_none() => {
            Some(format!("unknown host `{}`", h.escape_debug()))
        }
        Ok(Scope::User(u)) => sel.users(&format!("user:{u}")).err(),
        _ => None,
    }
}

/// Checks one waiver on its own (for edits): a known code, a scope that resolves, a reason, a plain date.
pub fn check_waiver(w: &Waiver, inv: &Inventory) -> Result<(), String> {
    let mut r = Reporter {
        plan_name: "waiver",
        source: None,
        errors: Vec::new(),
    };
    check_waiver_fields(w, &mut r);
    if let Some(why) = unknown_scope(w, inv) {
        return Err(format!("the waiver scope names an {why}"));
    }
    match r.errors.first() {
        Some(d) => Err(d.message.clone()),
        None => Ok(()),
    }
}

fn member_help(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::Host | MemberKind::Client => {
            "use `host:NAME`, `tag:TAG`, `group:NAME`, `role:ROLE`, `domain:DNS`, `os:OS`, `build:<NUMBER`, `join:JOIN`, `rdp-client:APP` or `*`"
        }
        MemberKind::User => {
            "use `user:NAME`, `group:NAME`, `role:admin`, `role:helpdesk`, `domain:DNS` or `*`"
        }
        MemberKind::Path => "use a path name from the inventory, `path:NAME`, or `*`",
    }
}

/// Expands one stage member selector to item indices (hosts, users or paths by kind).
pub fn resolve_member(
    inv: &Inventory,
    sel: &crate::inventory::load::Selectors<'_>,
    kind: MemberKind,
    member: &str,
) -> Result<Vec<u32>, String> {
    match kind {
        MemberKind::Host | MemberKind::Client => sel.hosts(member),
        MemberKind::User => sel.users(member),
        MemberKind::Path => {
            if member == "*" {
                return Ok((0..inv.paths.len() as u32).collect());
            }
            let name = member.strip_prefix("path:").unwrap_or(member);
            inv.index
                .paths
                .get(names::fold(name).as_ref())
                .map(|p| vec![*p])
                .ok_or_else(|| format!("unknown access path `{}`", name.escape_debug()))
        }
    }
}

/// A TOML basic string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn comment_safe(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || names::is_invisible_or_bidi(c))
}

/// Renders a plan as deterministic, diff-friendly TOML: a header, then stages in order, decisions sorted by
/// path and waivers sorted by code, one block each, one member per line. No timestamps.
pub fn render(plan: &Plan) -> String {
    let mut plan = plan.clone();
    plan.normalize();
    let inv_path = if comment_safe(&plan.inventory.path) && !plan.inventory.path.is_empty() {
        plan.inventory.path.as_str()
    } else {
        "INVENTORY"
    };
    let mut out = String::new();
    out.push_str(
        "# Rollout plan generated by guardplan. Review it in pull requests; check it with:\n",
    );
    out.push_str("#   guardplan check INVENTORY --plan PLAN\n");
    let _ = writeln!(
        out,
        "# where INVENTORY is {inv_path} (relative to this file)."
    );
    out.push_str(
        "# Stages run in order; an item that several stages select belongs to the earliest one.\n",
    );
    out.push_str("version = 1\n\n[inventory]\n");
    let _ = writeln!(out, "path = {}", q(&plan.inventory.path));
    let _ = writeln!(out, "fingerprint = {}", q(&plan.inventory.fingerprint));
    for st in &plan.stages {
        out.push_str("\n[[stage]]\n");
        let _ = writeln!(out, "name = {}", q(&st.name));
        if !st.description.is_empty() {
            let _ = writeln!(out, "description = {}", q(&st.description));
        }
        for kind in MemberKind::ALL {
            let m = st.members(kind);
            if m.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{} = [", kind.key());
            for s in m {
                let _ = writeln!(out, "  {},", q(s));
            }
            out.push_str("]\n");
        }
    }
    for d in &plan.decisions {
        out.push_str("\n[[decision]]\n");
        let _ = writeln!(out, "path = {}", q(&d.path));
        let _ = writeln!(out, "mode = {}", q(d.mode.as_str()));
        if d.enforce != Enforcement::default() {
            let _ = writeln!(out, "enforce = {}", q(enforcement_str(d.enforce)));
        }
        if !d.note.is_empty() {
            let _ = writeln!(out, "note = {}", q(&d.note));
        }
        for e in &d.exceptions {
            out.push_str("\n[[decision.exception]]\n");
            if let Some(m) = e.mode {
                let _ = writeln!(out, "mode = {}", q(m.as_str()));
            }
            if let Some(st) = &e.stage {
                let _ = writeln!(out, "stage = {}", q(st));
            }
            for (key, list) in e.selectors() {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "{key} = [");
                for s in list {
                    let _ = writeln!(out, "  {},", q(s));
                }
                out.push_str("]\n");
            }
            if !e.remediation.is_empty() {
                let _ = writeln!(out, "remediation = {}", q(&e.remediation));
            }
        }
    }
    for w in &plan.waivers {
        out.push_str("\n[[waiver]]\n");
        let _ = writeln!(out, "code = {}", q(&w.code));
        let _ = writeln!(out, "scope = {}", q(&w.scope));
        let _ = writeln!(out, "reason = {}", q(&w.reason));
        if let Some(e) = &w.expires {
            let _ = writeln!(out, "expires = {e}");
        }
    }
    out
}

/// The file-format name of an enforcement.
pub fn enforcement_str(e: Enforcement) -> &'static str {
    match e {
        Enforcement::Policy => "policy",
        Enforcement::Switch => "switch",
    }
}

/// What a file held when it was read or written: its length and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    /// Length in bytes.
    pub len: u64,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

impl FileStamp {
    /// The stamp of some bytes.
    pub fn of(bytes: &[u8]) -> Self {
        FileStamp {
            len: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// Why a plan could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file changed (or appeared, or vanished) since it was read: saving would lose someone's work.
    #[error(
        "{}: the plan changed on disk since it was opened; not overwriting it. Save under another name and compare the two, or reload it",
        path.display()
    )]
    ChangedOnDisk {
        /// The file.
        path: PathBuf,
    },
    /// Reading, writing or renaming failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
}

/// Reads, parses and stamps a plan file. Run [`validate`] against the inventory next.
pub fn load(path: &Path) -> Result<(Plan, FileStamp), Diagnostics> {
    let name = path.display().to_string();
    let bytes = crate::fsio::read_input_within(path, crate::fsio::MAX_PLAN).map_err(|e| {
        Diagnostics(vec![Diagnostic::file(
            &name,
            format!("cannot read the plan: {e}"),
            Some("check the path and the file's permissions".into()),
        )])
    })?;
    let stamp = FileStamp::of(&bytes);
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let src = SourceFile::new(&name, String::from_utf8_lossy(&bytes).into_owned());
        Diagnostics(vec![Diagnostic::at(
            &src,
            offset..offset + 1,
            "the plan is not valid UTF-8",
            Some("save the plan as UTF-8".into()),
        )])
    })?;
    Ok((parse(&name, text)?, stamp))
}

/// What is on disk now: `None` when there is no file.
fn current_stamp(path: &Path) -> Result<Option<FileStamp>, SaveError> {
    match crate::fsio::read_input_within(path, crate::fsio::MAX_PLAN) {
        Ok(b) => Ok(Some(FileStamp::of(&b))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SaveError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Saves a plan atomically: the rendered text goes to a temporary file in the same directory, is flushed to
/// disk, then renamed over `path`. `expected` is the stamp from [`load`] (or the previous save); `None` means
/// the plan was never on disk. When the file on disk is not what was expected (changed, created or deleted by
/// someone else), nothing is written and [`SaveError::ChangedOnDisk`] is returned.
pub fn save_atomic(
    path: &Path,
    plan: &Plan,
    expected: Option<&FileStamp>,
) -> Result<FileStamp, SaveError> {
    let text = render(plan);
    if current_stamp(path)?.as_ref() != expected {
        return Err(SaveError::ChangedOnDisk {
            path: path.to_path_buf(),
        });
    }
    write_atomic(path, text.as_bytes())
}

/// Saves a plan next to `path` under a new name (`NAME.mine.plan.toml`, then `NAME.mine-2.plan.toml`, ...) when
/// `path` changed on disk and must not be overwritten; never replaces an existing file. Returns the name used.
pub fn save_beside(path: &Path, plan: &Plan) -> Result<(PathBuf, FileStamp), SaveError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan.toml".into());
    let stem = name
        .strip_suffix(".plan.toml")
        .or_else(|| name.strip_suffix(".toml"))
        .unwrap_or(&name)
        .to_string();
    for n in 1..1000 {
        let suffix = if n == 1 {
            "mine".to_string()
        } else {
            format!("mine-{n}")
        };
        let candidate = path.with_file_name(format!("{stem}.{suffix}.plan.toml"));
        match save_atomic(&candidate, plan, None) {
            Ok(stamp) => return Ok((candidate, stamp)),
            Err(SaveError::ChangedOnDisk { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(SaveError::ChangedOnDisk {
        path: path.to_path_buf(),
    })
}

/// Writes bytes atomically through [`crate::fsio::AtomicFile`]: a temporary file created exclusively beside the
/// file, flushed, synced and renamed over it. A symbolic link stays a link (its target is written), mode and
/// owner are kept, and anything but a regular file is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<FileStamp, SaveError> {
    crate::fsio::write_atomic(path, bytes).map_err(|source| SaveError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(FileStamp::of(bytes))
}

/// `sha256:` of the normalized inventory: every fact, sorted, independent of comments, whitespace, key order
/// and entry order. Free text (the description and path notes) is not a fact and does not count. Taken once per
/// inventory and kept (at 100,000 hosts it takes as long as building a workspace); a clone takes it again.
pub fn fingerprint(inv: &Inventory) -> String {
    inv.index
        .fingerprint
        .get_or_init(|| {
            let mut h = Sha256::new();
            super::fingerprint::for_each_line(inv, |line| {
                h.update(line.as_bytes());
                h.update(b"\n");
            });
            let digest = h.finalize();
            let mut s = String::with_capacity(71);
            s.push_str("sha256:");
            for b in digest {
                let _ = write!(s, "{b:02x}");
            }
            s
        })
        .clone()
}

/// Why a plan cannot be used with this inventory, in the manner of a stale saved plan; `None` when current.
pub fn staleness(plan: &Plan, inv: &Inventory) -> Option<String> {
    stale_against(plan, &inv.source.name, &fingerprint(inv))
}

/// Why a plan cannot be used with the inventory `inventory` whose fingerprint is `now`; `None` when current.
fn stale_against(plan: &Plan, inventory: &str, now: &str) -> Option<String> {
    if plan.inventory.fingerprint == now {
        return None;
    }
    Some(format!(
        "the plan is stale: it was made for a different version of the inventory.\n\
         \n\
         The inventory `{inventory}` changed after the plan was written, so its decisions, stages and waivers may no\n\
         longer match the estate. The plan cannot be checked against it.\n\
         \n\
         \x20 plan was made for:  {}\n\
         \x20 inventory is now:   {now}\n\
         \n\
         Open the plan with `guardplan tui INVENTORY --plan PLAN`, review what the new inventory raises, and save\n\
         it to bind it to the new inventory (or start again with `guardplan plan init INVENTORY -o PLAN`).",
        plan.inventory.fingerprint
    ))
}

/// Refuses a plan whose fingerprint is not `now`, the fingerprint of the inventory `inventory`, with the
/// message at the plan's fingerprint.
pub fn refuse_stale(plan: &Plan, inventory: &str, now: &str) -> Result<(), Diagnostics> {
    let Some(why) = stale_against(plan, inventory, now) else {
        return Ok(());
    };
    let mut r = Reporter {
        plan_name: "plan",
        source: plan.origin.0.as_deref(),
        errors: Vec::new(),
    };
    r.err(
        FINGERPRINT_KEY,
        why,
        "a stale plan is never checked: review it against the new inventory first",
    );
    r.finish()
}

/// Loads a plan for an inventory, the way `check`, `export` and the TUI need it: read, parse, validate every
/// name against the inventory, and refuse a stale plan (the message points at its fingerprint).
/// [`crate::plan::open`] does the same and confirms the fingerprint while the workspace is being built.
pub fn load_for(path: &Path, inv: &Inventory) -> Result<(Plan, FileStamp), Diagnostics> {
    let (plan, stamp) = load_valid(path, inv)?;
    refuse_stale(&plan, &inv.source.name, &fingerprint(inv))?;
    Ok((plan, stamp))
}

/// Loads a plan file and validates it against `inv`, without confirming that it was made for this version of
/// the inventory: follow with [`refuse_stale`].
pub fn load_valid(path: &Path, inv: &Inventory) -> Result<(Plan, FileStamp), Diagnostics> {
    let (plan, stamp) = load(path)?;
    validate(&plan, inv)?;
    Ok((plan, stamp))
}

/// The path of `target` as seen from the directory of `from_file` (for the plan's `inventory.path`), falling
/// back to `target` as given when no relative form exists.
pub fn relative_path(from_file: &Path, target: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).ok();
    let base = from_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (Some(base), Some(target_abs)) = (abs(&base), abs(target)) else {
        return target.display().to_string();
    };
    let b: Vec<_> = base.components().collect();
    let t: Vec<_> = target_abs.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    rel.to_string_lossy().replace('\\', "/")
}
