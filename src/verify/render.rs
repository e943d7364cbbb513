//! A verification as text, Markdown and JSON.

use std::fmt::Write;

use super::Verification;
use crate::inventory::load::sanitize;

/// The most violations and unexplained accesses a Markdown section lists (a pull-request comment is short).
pub const MARKDOWN_LIST_MAX: usize = 50;

/// Plain text for the terminal.
pub fn text(v: &Verification) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verified through stage {}: {} events, {} Remote Desktop logons",
        sanitize(&v.through),
        v.events,
        v.logons
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
        "\n{:width$}  {:19}  {:>8}  {:>12}  {:>16}  {:>10}",
        "path", "planned", "standard", "remote-guard", "restricted-admin", "violations"
    );
    for p in &v.paths {
        let _ = writeln!(
            out,
            "{:width$}  {:19}  {:>8}  {:>12}  {:>16}  {:>10}",
            sanitize(&p.name),
            p.planned.unwrap_or("(not yet staged)"),
            p.sessions.standard,
            p.sessions.remote_guard,
            p.sessions.restricted_admin,
            p.violations
        );
    }
    if v.violations_total == 0 {
        out.push_str("\nno violations: every session of a staged path used its planned mode\n");
    } else {
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
    if v.unmatched_logons > 0 {
        let _ = writeln!(
            out,
            "\nunmatched: {} logon{} no access path explains:",
            v.unmatched_logons,
            if v.unmatched_logons == 1 { "" } else { "s" }
        );
        for u in &v.unmatched {
            let _ = writeln!(
                out,
                "  {} from {} to {}: {} logon{}",
                sanitize(&u.user),
                sanitize(&u.client),
                sanitize(&u.target),
                u.logons,
                if u.logons == 1 { "" } else { "s" }
            );
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
    let verdict = if v.violated() {
        format!(
            "**{} violation{}**",
            v.violations_total,
            if v.violations_total == 1 { "" } else { "s" }
        )
    } else {
        "no violations".to_string()
    };
    let _ = writeln!(
        out,
        "## Verification through stage {}\n\n{} events, {} Remote Desktop logons: {verdict}.\n",
        esc(&v.through),
        v.events,
        v.logons
    );
    out.push_str("| Path | Planned | standard | remote-guard | restricted-admin | Violations |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: |\n");
    for p in &v.paths {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            esc(&p.name),
            p.planned.unwrap_or("not yet staged"),
            p.sessions.standard,
            p.sessions.remote_guard,
            p.sessions.restricted_admin,
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
