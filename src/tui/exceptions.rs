//! Exceptions in the planner: the share of (user, target) pairs each mode serves on a path, what blocks the
//! rest, and the exceptions the path's decision carries (with those whose blockers are gone marked for
//! removal).

use ratatui::text::{Line, Span};

use super::event::Internal;
use super::theme::Theme;
use crate::finding::Mode;
use crate::inventory::PathId;
use crate::plan::exceptions;
use crate::plan::{Exception, Workspace};
use crate::report::plural;
use crate::rules::pairs::{Blockers, PROTECTIVE};
use crate::rules::thousands;

/// The exception a mode's blockers make on a path, as the plan file writes it (none when nothing or
/// everything blocks the mode).
pub fn proposed(ws: &Workspace, path: PathId, mode: Mode) -> Vec<Exception> {
    let (inv, eval) = (&ws.inventory, &ws.evaluation);
    exceptions::propose(inv, eval, path, mode)
        .map(|r| {
            let codes = exceptions::blocking_codes(eval, path, mode);
            exceptions::to_exception(inv, path, &r, &codes)
        })
        .into_iter()
        .collect()
}

/// What `x`'s proposal for a path under `mode` does: the decision it makes, or why it makes none (nothing to
/// leave out, or the path already has that exception, with what still blocks).
pub fn except_message(
    ws: &Workspace,
    path: PathId,
    mode: Mode,
    exceptions: Vec<Exception>,
) -> Internal {
    let had = ws
        .inventory
        .paths
        .get(path as usize)
        .and_then(|p| ws.plan.decision(&p.name).map(|d| d.exceptions.as_slice()));
    if exceptions.is_empty() {
        return Internal::Status(format!(
            "nothing to leave out: {mode} is blocked for none or for all of the path's pairs"
        ));
    }
    if had == Some(exceptions.as_slice()) {
        let r = ws.resolved_exceptions(path);
        let fig = exceptions::figures(&ws.inventory, &ws.evaluation, path, mode, r);
        let rest = match fig.blocked {
            0 => format!("every pair {mode} blocks is left out"),
            n => format!(
                "{} stay blocked, tangled between users and targets",
                plural(n as usize, "pair")
            ),
        };
        return Internal::Status(format!(
            "x changes nothing: the path already has the exception it proposes ({}); {rest}",
            who(&exceptions[0])
        ));
    }
    Internal::Edit(crate::plan::Edit::Decide {
        path,
        mode,
        exceptions,
    })
}

/// `2 targets, 1 user` blocked by a mode (users and targets named by a block, blocking clients).
fn blockers_text(b: &Blockers) -> String {
    if b.all {
        return "the path itself".into();
    }
    let mut targets = b.targets.clone();
    for (_, t) in &b.cross {
        targets.extend(t);
    }
    targets.sort_unstable();
    targets.dedup();
    let users = b.named_users();
    let mut parts = Vec::new();
    for (n, noun) in [
        (targets.len(), "target"),
        (users.len(), "user"),
        (b.clients.len(), "client"),
    ] {
        if n > 0 {
            parts.push(crate::report::plural(n, noun));
        }
    }
    parts.join(", ")
}

/// Per protective mode: the share of the path's pairs it serves and what blocks the rest, e.g.
/// `remote-guard 98%  blocked: 2 targets, 1 user`.
pub fn pair_lines(ws: &Workspace, path: PathId, theme: &Theme) -> Vec<Line<'static>> {
    let Some(pp) = ws.evaluation.pairs.get(path as usize) else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("Pairs: ".to_string(), theme.heading),
        Span::raw(format!(
            "{} (user, target), {} servable",
            thousands(pp.pairs as usize),
            thousands(pp.servable as usize)
        )),
    ])];
    for m in PROTECTIVE {
        let b = &pp.modes[m.index()];
        let blocked = if b.is_empty() {
            String::new()
        } else {
            format!("  blocked: {}", blockers_text(b))
        };
        lines.push(Line::raw(format!(
            "  {:<20} {:>3}%{blocked}",
            m.as_str(),
            pp.served_percent(m)
        )));
    }
    lines
}

pub use crate::plan::exceptions::who;

/// How every view marks an exception that leaves out nothing the mode blocks.
pub const NOT_NEEDED: &str = "not needed";

/// Why an exception is not needed, from the pairs it leaves out.
pub fn not_needed_why(pairs: u64) -> &'static str {
    if pairs == 0 {
        "it leaves out no pair"
    } else {
        "nothing it leaves out blocks the mode any more"
    }
}

/// The exceptions of the path's decision: who is left out, the mode they take, the remediation, and whether
/// the blockers they were made for are still there.
pub fn exception_lines(ws: &Workspace, path: PathId, theme: &Theme) -> Vec<Line<'static>> {
    let inv = &ws.inventory;
    let Some(p) = inv.paths.get(path as usize) else {
        return Vec::new();
    };
    let Some(d) = ws.plan.decision(&p.name) else {
        return Vec::new();
    };
    if d.exceptions.is_empty() {
        return Vec::new();
    }
    let resolved = ws.resolved_exceptions(path);
    let (fig, rows) =
        exceptions::rows_resolved(inv, &ws.evaluation, path, d.mode, &d.exceptions, resolved);
    let mut lines = vec![Line::from(vec![
        Span::styled("Exceptions: ".to_string(), theme.heading),
        Span::raw(format!(
            "{} left out of {}, {} of the path's pairs protected (x proposes, X clears)",
            plural(fig.excepted as usize, "pair"),
            d.mode,
            thousands(fig.protected as usize)
        )),
    ])];
    // Done, or what is still blocked: the cell of the chosen mode says the same in short.
    lines.push(if fig.blocked == 0 {
        Line::styled(
            format!(
                "  done: every pair {} blocks is left out ({})",
                d.mode,
                plural(d.exceptions.len(), "exception")
            ),
            theme.verdict(crate::finding::Verdict::Ok),
        )
    } else {
        Line::styled(
            format!(
                "  {} still blocked outside the exceptions",
                plural(fig.blocked as usize, "pair")
            ),
            theme.verdict(crate::finding::Verdict::Block),
        )
    });
    for row in rows {
        let e = &row.exception;
        let mut spans = vec![Span::raw(format!(
            "  {} -> {} ({})",
            who(e),
            e.mode(),
            plural(row.pairs as usize, "pair")
        ))];
        if !row.needed {
            spans.push(Span::styled(
                format!(
                    "  {NOT_NEEDED}: {} (X removes it)",
                    not_needed_why(row.pairs)
                ),
                theme.verdict(crate::finding::Verdict::Warn),
            ));
        }
        lines.push(Line::from(spans));
        if !e.remediation.is_empty() {
            lines.push(Line::styled(
                format!("    remediation: {}", e.remediation),
                theme.dim,
            ));
        }
    }
    lines
}
