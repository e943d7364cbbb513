//! The JSON report: stable field names for machines (documented in the README, "JSON report").

use serde::Serialize;

use super::{Labels, Report, ReportFinding, ReportPath};
use crate::finding::Mode;

/// Version of the JSON report format; bumped only on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    inventory: &'a str,
    plan: Option<&'a str>,
    summary: Summary,
    findings: Vec<FindingOut<'a>>,
    paths: Vec<PathOut<'a>>,
    stages: Vec<StageOut<'a>>,
    waivers: Vec<WaiverOut<'a>>,
}

#[derive(Serialize)]
struct Summary {
    result: &'static str,
    deny: &'static str,
    block: usize,
    action: usize,
    warn: usize,
    info: usize,
    waived: usize,
    other_modes: usize,
    paths: usize,
    paths_without_mode: usize,
    stages: usize,
    stages_ready: usize,
    pairs: u64,
    pairs_servable: u64,
    pairs_protected: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    exposure: Option<ExposureOut>,
}

/// Privileged credential exposure before the plan and after it (see `rules::exposure`).
#[derive(Serialize)]
struct ExposureOut {
    before: usize,
    after: usize,
    tgt_only: BeforeAfter,
    pth_targets: BeforeAfter,
}

#[derive(Serialize)]
struct BeforeAfter {
    before: usize,
    after: usize,
}

#[derive(Serialize)]
struct LocationOut<'a> {
    file: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    code: &'static str,
    severity: &'static str,
    path: Option<&'a str>,
    mode: Option<&'static str>,
    subjects: &'a Labels,
    count: usize,
    message: &'a str,
    source: &'a str,
    waived: bool,
    waiver: Option<&'a str>,
    applies: bool,
    performed: bool,
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<&'a str>,
    location: LocationOut<'a>,
}

#[derive(Serialize)]
struct ModeOut {
    verdict: &'static str,
    codes: Vec<&'static str>,
    pairs_blocked: u64,
}

#[derive(Serialize)]
struct ModesOut {
    standard: ModeOut,
    #[serde(rename = "remote-guard")]
    remote_guard: ModeOut,
    #[serde(rename = "restricted-admin")]
    restricted_admin: ModeOut,
    #[serde(rename = "prefer-remote-guard")]
    prefer_remote_guard: ModeOut,
}

#[derive(Serialize)]
struct PathOut<'a> {
    name: &'a str,
    purpose: &'static str,
    recommended: Option<&'static str>,
    chosen: Option<&'static str>,
    stage: Option<&'a str>,
    modes: ModesOut,
    rationale: &'a [String],
    location: LocationOut<'a>,
    pairs: u64,
    pairs_protected: u64,
    exceptions: Vec<ExceptionOut<'a>>,
}

#[derive(Serialize)]
struct ExceptionOut<'a> {
    mode: &'static str,
    /// The stage in which its subjects join the path's mode (`null`: they stay excepted).
    stage: Option<&'a str>,
    users: &'a [String],
    targets: &'a [String],
    clients: &'a [String],
    remediation: &'a str,
    pairs: u64,
    needed: bool,
}

#[derive(Serialize)]
struct StagePathOut<'a> {
    name: &'a str,
    mode: &'static str,
}

#[derive(Serialize)]
struct StageOut<'a> {
    name: &'a str,
    description: &'a str,
    ready: bool,
    blockers: usize,
    reasons: &'a [String],
    exposure: usize,
    tgt_only: usize,
    pth_targets: usize,
    hosts: &'a [String],
    clients: &'a [String],
    users: &'a [String],
    not_enrolled: &'a [String],
    paths: Vec<StagePathOut<'a>>,
    in_place: &'a [String],
}

#[derive(Serialize)]
struct WaiverOut<'a> {
    code: &'a str,
    scope: &'a str,
    reason: &'a str,
    expires: Option<&'a str>,
    expired: bool,
    used: usize,
}

fn location<'a>(r: &'a Report, loc: &super::Location) -> LocationOut<'a> {
    LocationOut {
        file: r.uri(loc),
        line: loc.line,
        column: loc.col,
    }
}

fn finding<'a>(r: &'a Report, f: &'a ReportFinding) -> FindingOut<'a> {
    FindingOut {
        code: f.code.as_str(),
        severity: f.severity.as_str(),
        path: f.path.as_deref(),
        mode: f.mode.map(Mode::as_str),
        subjects: &f.subjects,
        count: f.subjects.len(),
        message: &f.message,
        source: &f.source,
        waived: f.waived(),
        waiver: f.waiver.as_deref(),
        applies: f.applies,
        performed: f.performed,
        stage: f.stage.as_deref(),
        until: f.until.as_deref(),
        location: location(r, &f.location),
    }
}

fn path<'a>(r: &'a Report, p: &'a ReportPath) -> PathOut<'a> {
    let cell = |m: Mode| {
        let c = &p.modes[m.index()];
        ModeOut {
            verdict: c.verdict.as_str(),
            codes: c.codes.iter().map(|c| c.as_str()).collect(),
            pairs_blocked: p.pairs_blocked[m.index()],
        }
    };
    PathOut {
        name: &p.name,
        purpose: p.purpose,
        recommended: p.recommended.map(Mode::as_str),
        chosen: p.chosen.map(Mode::as_str),
        stage: p.stage.as_deref(),
        modes: ModesOut {
            standard: cell(Mode::Standard),
            remote_guard: cell(Mode::RemoteGuard),
            restricted_admin: cell(Mode::RestrictedAdmin),
            prefer_remote_guard: cell(Mode::PreferRemoteGuard),
        },
        rationale: &p.rationale,
        location: location(r, &p.location),
        pairs: p.pairs,
        pairs_protected: p.figures.protected,
        exceptions: p
            .exceptions
            .iter()
            .map(|x| ExceptionOut {
                mode: x.exception.mode().as_str(),
                stage: x.exception.stage.as_deref(),
                users: &x.exception.users,
                targets: &x.exception.targets,
                clients: &x.exception.clients,
                remediation: &x.exception.remediation,
                pairs: x.pairs,
                needed: x.needed,
            })
            .collect(),
    }
}

/// Renders the report as pretty-printed JSON (ends with a newline).
pub fn render(r: &Report) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail, and serde_json writes UTF-8.
    let _ = write(r, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes what [`render`] returns, without building the text first (a large estate's report is tens of
/// megabytes). Bidirectional and invisible characters of free text are written as `\uXXXX` escapes.
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(crate::safe_text::VisibleJson(&mut *out), &doc(r))?;
    out.write_all(b"\n")
}

fn doc(r: &Report) -> Doc<'_> {
    let [block, action, warn, info] = r.counts().map(|(_, n)| n);
    let pairs = r.pair_totals();
    Doc {
        version: FORMAT_VERSION,
        inventory: &r.inventory_uri,
        plan: r.plan_uri.as_deref(),
        summary: Summary {
            result: if r.fails() { "fail" } else { "pass" },
            deny: r.deny.as_str(),
            block,
            action,
            warn,
            info,
            waived: r.waived(),
            other_modes: r.other_modes(),
            paths: r.paths.len(),
            paths_without_mode: r.paths_without_mode().count(),
            stages: r.stages.len(),
            stages_ready: r.stages_ready(),
            pairs: pairs.pairs,
            pairs_servable: pairs.servable,
            pairs_protected: pairs.protected,
            exposure: r.exposure.map(|(b, a)| ExposureOut {
                before: b.exposures,
                after: a.exposures,
                tgt_only: BeforeAfter {
                    before: b.tgt_only,
                    after: a.tgt_only,
                },
                pth_targets: BeforeAfter {
                    before: b.pth_targets,
                    after: a.pth_targets,
                },
            }),
        },
        findings: r.findings.iter().map(|f| finding(r, f)).collect(),
        paths: r.paths.iter().map(|p| path(r, p)).collect(),
        stages: r
            .stages
            .iter()
            .map(|s| StageOut {
                name: &s.name,
                description: &s.description,
                ready: s.ready,
                blockers: s.blockers,
                reasons: &s.reasons,
                exposure: s.exposure.exposures,
                tgt_only: s.exposure.tgt_only,
                pth_targets: s.exposure.pth_targets,
                hosts: &s.hosts,
                clients: &s.clients,
                users: &s.users,
                not_enrolled: &s.not_enrolled,
                paths: s
                    .paths
                    .iter()
                    .map(|(name, mode)| StagePathOut {
                        name,
                        mode: mode.as_str(),
                    })
                    .collect(),
                in_place: &s.in_place,
            })
            .collect(),
        waivers: r
            .waivers
            .iter()
            .map(|w| WaiverOut {
                code: &w.code,
                scope: &w.scope,
                reason: &w.reason,
                expires: w.expires.as_deref(),
                expired: w.expired,
                used: w.used,
            })
            .collect(),
    }
}
