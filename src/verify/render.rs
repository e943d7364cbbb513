//! A verification as text, Markdown and JSON.

use std::fmt::Write;

use super::{Verdict, Verification};
use crate::inventory::load::sanitize;

/// The most violations and unexplained accesses a Markdown section lists (a pull-request comment is short).
pub const MARKDOWN_LIST_MAX: usize = 50;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the reader could not judge: one sentence each (printed as warnings, and in the reports).
pub fn warnings(v: &Verification) -> Vec<String> {
    let mut out = Vec::new();
    for u in &v.unknown_values {
        out.push(format!(
            "{} `{}` in {} is not a value Windows writes (%%1842, %%1843, Yes, No, -): their mode is counted as \
             unknown",
            u.field,
            sanitize(&u.value),
            plural(u.logons, "logon", "logons")
        ));
    }
    if v.unreadable_modes > 0 {
        out.push(format!(
            "{} come from version 0 or 1 events (Windows before 10 / Server 2016), which do not record the mode: \
             counted as unknown",
            plural(v.unreadable_modes, "session", "sessions")
        ));
    }
    out
}

/// The verdict in one sentence.
fn verdict_line(v: &Verification) -> String {
    match v.verdict {
        Verdict::Pass => {
            "verified: every staged path has sessions, and each used its planned mode".to_string()
        }
        Verdict::Violated => format!(
            "{} of a staged path did not use the planned mode",
            plural(v.violations_total, "session", "sessions")
        ),
        Verdict::NotVerified if v.logons == 0 => {
            "not verified: the events hold no Remote Desktop logon (4624, logon type 10)"
                .to_string()
        }
        Verdict::NotVerified => {
            let missing: Vec<String> = v
                .paths
                .iter()
                .filter(|p| p.status == "not verified")
                .map(|p| sanitize(&p.name))
                .collect();
            format!(
                "not verified: no session whose mode could be read on {}",
                missing.join(", ")
            )
        }
    }
}

/// Plain text for the terminal.
pub fn text(v: &Verification) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verification through stage {}: {} events, {} Remote Desktop sessions ({} linked logon{} counted with \
         their session), {} reconnection{}",
        sanitize(&v.through),
        v.events,
        v.logons,
        v.linked_logons,
        if v.linked_logons == 1 { "" } else { "s" },
        v.reconnects,
        if v.reconnects == 1 { "" } else { "s" },
    );
    let width = v
        .paths
        .iter()
        .map(|p| p.name.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        out,
        "\n{:width$}  {:16}  {:12}  {:>8}  {:>12}  {:>16}  {:>7}  {:>10}  {:>10}",
        "path",
        "planned",
        "status",
        "standard",
        "remote-guard",
        "restricted-admin",
        "unknown",
        "reconnects",
        "violations"
    );
    for p in &v.paths {
        let _ = writeln!(
            out,
            "{:width$}  {:16}  {:12}  {:>8}  {:>12}  {:>16}  {:>7}  {:>10}  {:>10}",
            sanitize(&p.name),
            p.planned.unwrap_or("-"),
            p.status,
            p.sessions.standard,
            p.sessions.remote_guard,
            p.sessions.restricted_admin,
            p.sessions.unknown,
            p.reconnects,
            p.violations
        );
    }
    let _ = writeln!(out, "\n{}", verdict_line(v));
    if v.violations_total > 0 {
        let _ = writeln!(out, "\nviolations ({}):", v.violations_total);
        for x in &v.violations {
            let _ = writeln!(
                out,
                "  {}: planned {}, seen {}: {} from {} to {} at {}",
                sanitize(&x.path),
                x.planned,
                x.seen,
                sanitize(&x.user),
                sanitize(&x.client),
                sanitize(&x.target),
                sanitize(&x.time)
            );
        }
        let more = v.violations_total - v.violations.len() as u64;
        if more > 0 {
            let _ = writeln!(out, "  ... and {more} more");
        }
    }
    if v.unidentified_logons > 0 {
        let _ = writeln!(
            out,
            "\nunidentified clients: {} whose client the events and the inventory's addresses do not name \
             (judged on user and target; add the clients' `addresses` to the inventory, or give the 4778 and \
             1149 events):",
            plural(v.unidentified_logons, "session", "sessions")
        );
        for u in &v.unidentified {
            let _ = writeln!(
                out,
                "  {} from {} to {}: {}",
                sanitize(&u.user),
                sanitize(&u.address),
                sanitize(&u.target),
                plural(u.logons, "logon", "logons")
            );
        }
    }
    if v.unmatched_logons > 0 {
        let _ = writeln!(
            out,
            "\nunmatched: {} no access path explains:",
            plural(v.unmatched_logons, "logon", "logons")
        );
        for u in &v.unmatched {
            let _ = writeln!(
                out,
                "  {} from {} to {}: {}",
                sanitize(&u.user),
                sanitize(&u.client),
                sanitize(&u.target),
                plural(u.logons, "logon", "logons")
            );
        }
    }
    let warnings = warnings(v);
    if !warnings.is_empty() {
        out.push_str("\nwarnings:\n");
        for w in warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}

/// Escapes text for a Markdown table cell (no HTML, no table breaks, no code spans).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || crate::names::is_invisible_or_bidi(c) => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown section (for a pull-request comment, or the end of `export --format markdown`).
pub fn markdown(v: &Verification) -> String {
    let mut out = String::new();
    let verdict = match v.verdict {
        Verdict::Violated => format!(
            "**{} violation{}**",
            v.violations_total,
            if v.violations_total == 1 { "" } else { "s" }
        ),
        Verdict::NotVerified => format!("**{}**", esc(&verdict_line(v))),
        Verdict::Pass => esc(&verdict_line(v)),
    };
    let _ = writeln!(
        out,
        "## Verification through stage {}\n\n{} events, {} Remote Desktop sessions, {} reconnections: {verdict}.\n",
        esc(&v.through),
        v.events,
        v.logons,
        v.reconnects
    );
    out.push_str(
        "| Path | Planned | Status | standard | remote-guard | restricted-admin | unknown | reconnects | Violations |\n",
    );
    out.push_str("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for p in &v.paths {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            esc(&p.name),
            p.planned.unwrap_or("not yet staged"),
            p.status,
            p.sessions.standard,
            p.sessions.remote_guard,
            p.sessions.restricted_admin,
            p.sessions.unknown,
            p.reconnects,
            p.violations
        );
    }
    if v.violated() {
        out.push_str(
            "\n### Violations\n\n| Path | Planned | Seen | User | Client | Target | Time |\n\
             | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for x in v.violations.iter().take(MARKDOWN_LIST_MAX) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                esc(&x.path),
                x.planned,
                x.seen,
                esc(&x.user),
                esc(&x.client),
                esc(&x.target),
                esc(&x.time)
            );
        }
        let more = v.violations_total - v.violations.len().min(MARKDOWN_LIST_MAX) as u64;
        if more > 0 {
            let _ = writeln!(
                out,
                "\n{more} more: `guardplan verify --format json` lists them."
            );
        }
    }
    if v.unidentified_logons > 0 {
        let _ = writeln!(
            out,
            "\n### Clients not identified\n\n{} sessions, judged on user and target.\n\n\
             | User | Address | Target | Logons |\n| --- | --- | --- | ---: |",
            v.unidentified_logons
        );
        for u in v.unidentified.iter().take(MARKDOWN_LIST_MAX) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                esc(&u.user),
                esc(&u.address),
                esc(&u.target),
                u.logons
            );
        }
    }
    let warnings = warnings(v);
    if !warnings.is_empty() {
        out.push_str("\n### Warnings\n\n");
        for w in warnings {
            let _ = writeln!(out, "- {}", esc(&w));
        }
    }
    if v.unmatched_logons > 0 {
        let _ = writeln!(
            out,
            "\n### Access no path explains\n\n{} logons.\n\n| User | Client | Target | Logons |\n\
             | --- | --- | --- | ---: |",
            v.unmatched_logons
        );
        for u in v.unmatched.iter().take(MARKDOWN_LIST_MAX) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                esc(&u.user),
                esc(&u.client),
                esc(&u.target),
                u.logons
            );
        }
    }
    out
}

/// JSON for machines (field names are stable: see the README).
pub fn json(v: &Verification) -> String {
    crate::safe_text::json_pretty(v)
}
