//! The text report for a terminal: counts first, then findings grouped by severity and code.

use std::fmt::Write;

use super::{Report, ReportFinding, mode_name, plural};
use crate::finding::{Mode, Severity};
use crate::safe_text::escape;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Block => "1;31",
            Severity::Action => "33",
            Severity::Warn => "35",
            Severity::Info => "36",
        };
        self.wrap(code, s)
    }
    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Whether to colour: only on a terminal, and never when `NO_COLOR` is set to anything non-empty.
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn finding_line(r: &Report, f: &ReportFinding, p: Paint) -> String {
    let mut where_ = match (&f.path, f.mode) {
        (Some(path), Some(m)) => format!("{path} [{m}]"),
        (Some(path), None) => path.clone(),
        (None, Some(m)) => format!("[{m}]"),
        (None, None) => "estate".to_string(),
    };
    let counts = f.counts_text();
    if !counts.is_empty() {
        let _ = write!(where_, " ({counts})");
    }
    if let Some(span) = f.stage_span() {
        let _ = write!(where_, " {span}");
    }
    let loc = format!("{}:{}", r.uri(&f.location), f.location.line);
    format!(
        "    {}: {}  {}",
        escape(&where_),
        escape(&f.message),
        p.dim(&escape(&loc))
    )
}

/// Renders the report; `color` adds ANSI styles.
pub fn render(r: &Report, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let title = match &r.plan_uri {
        Some(plan) => format!("guardplan check: {} with plan {plan}", r.inventory_uri),
        None => format!("guardplan check: {} (recommended modes)", r.inventory_uri),
    };
    let _ = writeln!(out, "{}", p.bold(&escape(&title)));

    let verdict = if r.fails() {
        p.wrap("1;31", "FAIL")
    } else {
        p.wrap("1;32", "PASS")
    };
    let counts: Vec<String> = r
        .counts()
        .iter()
        .map(|(s, n)| p.severity(*s, &format!("{n} {s}")))
        .collect();
    let _ = writeln!(out, "{verdict}  {}", counts.join(", "));
    let mut notes = vec![
        format!("{} waived", r.waived()),
        format!("{} under modes not rolled out", r.other_modes()),
    ];
    let without = r.paths_without_mode().count();
    if without > 0 {
        notes.push(format!(
            "{} without a workable mode",
            plural(without, "path")
        ));
    }
    if r.deny != Severity::Block {
        notes.push(format!("failing on {} and worse", r.deny));
    }
    let _ = writeln!(out, "      {}", notes.join(", "));
    let per_mode = r.paths_per_mode();
    let _ = writeln!(out, "paths: {}", per_mode.join(", "));
    let _ = writeln!(out, "pairs: {}", super::markdown::pairs_text(r));
    if r.planned() {
        let _ = writeln!(
            out,
            "stages: {} of {} ready",
            r.stages_ready(),
            r.stages.len()
        );
        for s in r.stages.iter().filter(|s| !s.remediation.is_empty()) {
            let _ = writeln!(
                out,
                "      stage {}: {}, first: {}",
                s.name,
                super::plural(s.remediation.len(), "remediation"),
                s.remediation.first().map_or("", String::as_str)
            );
        }
    }
    if let Some((head, apart)) = r.exposure_headline() {
        let _ = writeln!(out, "{head}");
        let _ = writeln!(out, "      {apart}");
        let by_stage: Vec<String> = (r.stages.iter())
            .map(|s| {
                format!(
                    "{} {}",
                    s.name,
                    crate::rules::thousands(s.exposure.exposures)
                )
            })
            .collect();
        let _ = writeln!(out, "      after each stage: {}", by_stage.join(", "));
    }

    for sev in Severity::WORST_FIRST {
        let group: Vec<&ReportFinding> = r
            .findings
            .iter()
            .filter(|f| f.applies && !f.waived() && f.severity == sev)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        let head = format!("{} ({})", sev.as_str().to_uppercase(), group.len());
        let _ = writeln!(out, "{}", p.severity(sev, &head));
        let mut last = None;
        for f in group {
            if last != Some(f.code) {
                let _ = writeln!(
                    out,
                    "  {}  {}",
                    p.bold(f.code.as_str()),
                    f.code.info().title
                );
                last = Some(f.code);
            }
            let _ = writeln!(out, "{}", finding_line(r, f, p));
        }
    }

    let waived: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.waived()).collect();
    if !waived.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.dim(&format!("WAIVED ({})", waived.len())));
        for f in waived {
            let _ = writeln!(out, "  {} {}", f.code, f.severity);
            let _ = writeln!(out, "{}", finding_line(r, f, p));
            let _ = writeln!(
                out,
                "      waiver: {}",
                escape(f.waiver.as_deref().unwrap_or(""))
            );
        }
    }

    if !r.paths.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("PATHS"));
        let width = r.paths.iter().map(|x| x.name.len()).max().unwrap_or(0);
        // By name, as an operator looks a path up.
        let mut paths: Vec<_> = r.paths.iter().collect();
        paths.sort_by(|a, b| a.name.cmp(&b.name));
        for path in paths {
            let verdicts: Vec<String> = Mode::ALL
                .iter()
                .map(|m| {
                    let v = path.modes[m.index()].verdict;
                    format!("{m} {}", v.as_str())
                })
                .collect();
            let decided = match (r.planned(), path.chosen) {
                (true, Some(c)) => format!("chosen {c}"),
                (true, None) => "no decision".to_string(),
                (false, _) => format!("recommended {}", mode_name(path.recommended)),
            };
            let _ = writeln!(
                out,
                "  {:<width$}  {:<8}  {:<32}  {}",
                escape(&path.name),
                path.purpose,
                decided,
                p.dim(&verdicts.join(", "))
            );
            let f = &path.figures;
            let _ = writeln!(
                out,
                "  {:<width$}  {}",
                "",
                p.dim(&format!(
                    "pairs {} protected of {}, {} excepted ({})",
                    f.protected,
                    f.pairs,
                    f.excepted,
                    plural(path.exceptions.len(), "exception")
                ))
            );
            for x in &path.exceptions {
                if !x.needed {
                    let _ = writeln!(
                        out,
                        "  {:<width$}  {}",
                        "",
                        p.dim(&format!(
                            "exception {} not needed: nothing it leaves out blocks {} any more; remove it",
                            crate::plan::exceptions::who(&x.exception),
                            mode_name(path.chosen)
                        ))
                    );
                }
                if let Some(st) = &x.exception.stage {
                    let _ = writeln!(
                        out,
                        "  {:<width$}  {}",
                        "",
                        p.dim(&format!(
                            "exception {} on {} until stage {st}",
                            crate::plan::exceptions::who(&x.exception),
                            x.exception.mode()
                        ))
                    );
                }
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        p.dim("`--format json` lists every subject; `guardplan explain CODE` explains a code.")
    );
    out
}
