//! Markdown for a pull-request comment. It opens with the verdict (pass or fail, what blocks, what needs
//! approval), then what the change does to the rollout (against the base branch's plan when given), then the
//! details folded: stages, a Mermaid graph of the domains, trusts and stages, findings, waived findings, paths
//! and waivers.
//!
//! Every name (account, host, path, stage) is in a code span. GitHub limits a comment to 65,536 characters and
//! Mermaid to a few hundred edges: lists are shortened, the graph is aggregated (per domain, or per forest from
//! [`FOREST_NODES_FROM`] domains on; never per host), and what still does not fit is cut with a note that points
//! at the full report.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Report, ReportFinding, ReportWaiver, mode_name, plural};
use crate::finding::Mode;
use crate::plan::diff::PlanDiff;
use crate::rules::thousands;

/// Names shown before "and N more".
const LIST_MAX: usize = 8;
/// Rows shown in a folded table before it is cut (fewer when the comment would be too long).
const TABLE_MAX: usize = 150;
/// GitHub refuses comments over 65,536 characters; stay below with room for a marker line.
pub const COMMENT_MAX: usize = 60_000;
/// The hidden first line of every comment, by which a workflow finds the comment to update in place.
pub const MARKER: &str = "<!-- guardplan-check -->";
/// Characters of a finding's message shown in a table cell.
const MESSAGE_MAX: usize = 240;
/// From this many domains on, the graph draws one node per forest.
pub const FOREST_NODES_FROM: usize = 10;
/// More stage-to-domain edges than this are left out of the graph.
const STAGE_EDGES_MAX: usize = 120;

/// Label of the node for hosts without an AD domain.
pub const NO_DOMAIN: &str = "Entra ID / workgroup";

/// Escapes text for a Markdown table cell or list item: no HTML, no table breaks, and Markdown punctuation
/// backslash-escaped so that `CORP\_judy_owner` renders as written, not in italics or without its backslash.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        esc_char(c, &mut out);
    }
    out
}

fn esc_char(c: char, out: &mut String) {
    match c {
        '|' => out.push_str("\\|"),
        '\\' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
            out.push('\\');
            out.push(c);
        }
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '`' => out.push_str("\\`"),
        '\n' | '\r' => out.push(' '),
        c if crate::safe_text::is_unsafe(c) => out.push_str(&crate::safe_text::escaped(c)),
        _ => out.push(c),
    }
}

/// Characters that continue a name: a subject's name is put in a code span only where it stands alone.
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '$' | '\\')
}

/// A finding's sentence, cut after `max` characters, with the names of its subjects (accounts, hosts, paths,
/// domains) in code spans and the rest escaped; `cell`: inside a table.
fn prose(f: &ReportFinding, max: usize, cell: bool) -> String {
    let text = clip(&f.message, max);
    let mut names: Vec<&str> = f
        .subjects
        .iter()
        .filter_map(|l| l.split_once(':').map(|(_, n)| n))
        .filter(|n| !n.is_empty() && text.contains(n))
        .collect();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names.dedup();
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if !prev.is_some_and(name_char) {
            let rest = &text[i..];
            let found = names.iter().find(|n| {
                rest.starts_with(**n) && !rest[n.len()..].chars().next().is_some_and(name_char)
            });
            if let Some(n) = found {
                out.push_str(&if cell { code_cell(n) } else { code(n) });
                i += n.len();
                prev = n.chars().last();
                continue;
            }
        }
        esc_char(c, &mut out);
        prev = Some(c);
        i += c.len_utf8();
    }
    out
}

/// Escapes text inside a quoted Mermaid label.
fn mesc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c if crate::safe_text::is_unsafe(c) => out.push_str(&crate::safe_text::escaped(c)),
            _ => out.push(c),
        }
    }
    out
}

/// Cuts text after `max` characters, marking the cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A code span holding `s` exactly (CommonMark): fenced by one backtick more than the longest run of backticks
/// inside, padded with a space when the text starts or ends with a backtick. Line breaks become spaces.
pub fn code(s: &str) -> String {
    let s = crate::safe_text::escape(&s.replace(['\n', '\r'], " ")).into_owned();
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// The most backticks in a row in `s`: a code span or block around it needs a longer fence.
fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A code span in a table cell: GitHub splits cells at `|` even inside code, unless it is escaped.
fn code_cell(s: &str) -> String {
    code(s).replace('|', "\\|")
}

/// `a`, `b`, `c` and 5 more.
fn short_list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(LIST_MAX).map(|s| code(s)).collect();
    let mut s = shown.join(", ");
    if items.len() > LIST_MAX {
        let _ = write!(s, " and {} more", items.len() - LIST_MAX);
    }
    s
}

/// What the comment knows besides the report: the change against the base branch's plan, and where the full
/// report is published.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// The rollout of the base branch's plan, when one was given.
    pub base: Option<BaseChange>,
    /// Where the full report is published (a CI artifact): notes on shortened lists link to it.
    pub full_report: Option<String>,
}

/// The base branch's plan, compared with the plan under review.
#[derive(Debug, Clone, Default)]
pub struct BaseChange {
    /// The base plan's file name.
    pub uri: String,
    /// The semantic difference of the two plans.
    pub diff: PlanDiff,
    /// Paths per mode under the base plan, indexed by [`Mode::index`], the last slot counting paths left as
    /// they are; `None` when the base plan names entries this inventory no longer has.
    pub modes: Option<Vec<usize>>,
    /// Unwaived blocks under the base plan and under this one (`None` as for `modes`).
    pub blockers: Option<(usize, usize)>,
    /// Stages of the base plan.
    pub stages: usize,
    /// Waivers of the base plan.
    pub waivers: usize,
}

/// Paths per mode of what would be rolled out, indexed as [`BaseChange::modes`].
pub fn mode_counts(r: &Report) -> Vec<usize> {
    let mut counts = vec![0; Mode::ALL.len() + 1];
    for p in &r.paths {
        if let Some(n) = counts.get_mut(p.rollout(r.planned()).map_or(Mode::ALL.len(), Mode::index))
        {
            *n += 1;
        }
    }
    counts
}

/// Where the rest of a shortened list is.
fn rest_note(review: &Review) -> String {
    match &review.full_report {
        Some(url) => format!(
            "the [full report]({}) lists them all",
            url.replace(['(', ')', ' '], "")
        ),
        None => "`guardplan check --format json` lists them all".into(),
    }
}

/// `- text` for at most [`LIST_MAX`] items, then `- and N more: …`.
fn bullets(out: &mut String, items: &[String], rest: &str) {
    for item in items.iter().take(LIST_MAX) {
        let _ = writeln!(out, "- {item}");
    }
    if items.len() > LIST_MAX {
        let _ = writeln!(out, "- and {} more: {rest}.", items.len() - LIST_MAX);
    }
}

fn finding_line(f: &ReportFinding) -> String {
    let mut s = format!("{} ({})", code(f.code.as_str()), f.severity);
    match &f.path {
        Some(p) => {
            let _ = write!(s, " on path {}", code(p));
        }
        None => s.push_str(" estate-wide"),
    }
    if let Some(m) = f.mode {
        let _ = write!(s, " under {}", code(m.as_str()));
    }
    let counts = f.counts_text();
    if !counts.is_empty() {
        let _ = write!(s, ", {counts}");
    }
    if let Some(span) = f.stage_span() {
        let _ = write!(s, ", {}", esc(&span));
    }
    let _ = write!(s, ": {}", prose(f, MESSAGE_MAX, false));
    s
}

fn waiver_line(w: &ReportWaiver) -> String {
    let expires = match (&w.expires, w.expired) {
        (Some(d), true) => format!("expired {d}"),
        (Some(d), false) => format!("until {d}"),
        (None, _) => "no end date".into(),
    };
    format!(
        "waiver {} on {} ({expires}, {}): {}",
        code(&w.code),
        code(&w.scope),
        plural(w.used, "finding"),
        esc(&w.reason)
    )
}

/// The waivers a reviewer must approve: with a base plan, those this change adds; without one, every waiver in
/// force. Expired waivers are listed apart: they no longer accept anything.
fn to_approve<'a>(r: &'a Report, review: &Review) -> Vec<&'a ReportWaiver> {
    r.waivers
        .iter()
        .filter(|w| !w.expired)
        .filter(|w| match &review.base {
            Some(b) => b
                .diff
                .waivers_added
                .iter()
                .any(|a| a.code == w.code && a.scope == w.scope && a.reason == w.reason),
            None => true,
        })
        .collect()
}

/// The decision first: pass or fail, what blocks, what needs approval.
fn verdict(r: &Report, review: &Review, out: &mut String) {
    let blockers: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.denies(r.deny)).collect();
    let without: Vec<String> = r.paths_without_mode().map(|p| code(&p.name)).collect();
    let approve = to_approve(r, review);
    let expired: Vec<&ReportWaiver> = r.waivers.iter().filter(|w| w.expired).collect();
    let n_block = blockers.len() + without.len();
    let mut head = if r.fails() {
        "❌ FAIL".to_string()
    } else {
        "✅ PASS".to_string()
    };
    let mut parts = Vec::new();
    if n_block > 0 {
        parts.push(format!("{n_block} blocking"));
    }
    if !approve.is_empty() {
        parts.push(format!("{} to approve", plural(approve.len(), "waiver")));
    }
    if !parts.is_empty() {
        let _ = write!(head, " — {}", parts.join(", "));
    }
    let _ = writeln!(out, "## guardplan: {head}");
    let _ = writeln!(out);
    match &r.plan_uri {
        Some(plan) => {
            let _ = write!(
                out,
                "Plan {} for inventory {}",
                code(plan),
                code(&r.inventory_uri)
            );
            if let Some(b) = &review.base {
                let _ = write!(out, ", compared with the base plan {}", code(&b.uri));
            }
            let _ = writeln!(out, ".");
        }
        None => {
            let _ = writeln!(
                out,
                "Inventory {} with every path at its recommended mode (no plan).",
                code(&r.inventory_uri)
            );
        }
    }
    let _ = writeln!(out);
    if let Some((head, apart)) = r.exposure_headline() {
        // Digits and fixed words only: nothing to escape.
        let _ = writeln!(out, "**{head}**");
        let _ = writeln!(out);
        let _ = writeln!(out, "{}.", apart.replace("->", "→"));
        let _ = writeln!(out);
    }
    let rest = rest_note(review);
    if n_block == 0 {
        let _ = writeln!(out, "**Nothing blocks the merge.**");
    } else {
        let _ = writeln!(out, "**Blocks the merge:**");
        let _ = writeln!(out);
        let mut items: Vec<String> = Vec::new();
        if !without.is_empty() {
            items.push(format!(
                "no workable mode for {}",
                short_list_coded(&without)
            ));
        }
        items.extend(blockers.iter().map(|f| finding_line(f)));
        bullets(out, &items, &rest);
    }
    let _ = writeln!(out);
    if approve.is_empty() && expired.is_empty() {
        let _ = writeln!(out, "**Nothing needs approval.**");
    } else {
        let what = if review.base.is_some() {
            "added by this change"
        } else {
            "in force"
        };
        let _ = writeln!(
            out,
            "**Needs approval** (waivers {what}; the findings they accept are listed below):"
        );
        let _ = writeln!(out);
        let mut items: Vec<String> = approve.iter().map(|w| waiver_line(w)).collect();
        items.extend(
            expired
                .iter()
                .map(|w| format!("{}; its findings count again", waiver_line(w))),
        );
        bullets(out, &items, &rest);
    }
    let _ = writeln!(out);
}

/// A row of the before/after table, left out when both sides are zero.
fn change_row(out: &mut String, label: &str, before: Option<usize>, after: usize) {
    if before == Some(0) && after == 0 {
        return;
    }
    let before = before.map_or_else(|| "—".to_string(), |n| n.to_string());
    let _ = writeln!(out, "| {label} | {before} | {after} |");
}

/// What the change does to the rollout: against the base plan when given, else the rollout as it stands.
fn rollout(r: &Report, review: &Review, out: &mut String) {
    let now = mode_counts(r);
    let [block, action, warn, info] = r.counts().map(|(_, n)| n);
    let mode_label = |i: usize| match Mode::ALL.get(i) {
        Some(Mode::Standard) => "paths on `standard` (credentials reach the target)".to_string(),
        Some(m) => format!("paths on {}", code(m.as_str())),
        None => "paths left as they are".to_string(),
    };
    let Some(base) = &review.base else {
        let _ = writeln!(out, "### The rollout");
        let _ = writeln!(out);
        let _ = writeln!(out, "| | |");
        let _ = writeln!(out, "|---|---|");
        for (i, n) in now.iter().enumerate() {
            if *n > 0 || i < Mode::ALL.len() {
                let _ = writeln!(out, "| {} | {n} |", mode_label(i));
            }
        }
        let _ = writeln!(out, "| Blockers | {block} |");
        let _ = writeln!(out, "| (User, target) pairs | {} |", pairs_text(r));
        let _ = writeln!(
            out,
            "| Actions · warnings · info | {action} · {warn} · {info} |"
        );
        let expired = r.waivers.iter().filter(|w| w.expired).count();
        let mut waivers = format!(
            "{} accepting {}",
            r.waivers.len(),
            plural(r.waived(), "finding")
        );
        if expired > 0 {
            let _ = write!(waivers, " ({expired} expired)");
        }
        let _ = writeln!(out, "| Waivers | {waivers} |");
        if r.planned() {
            let _ = writeln!(
                out,
                "| Stages ready | {} of {} |",
                r.stages_ready(),
                r.stages.len()
            );
        }
        let _ = writeln!(out);
        return;
    };
    let d = &base.diff;
    let _ = writeln!(out, "### What this change does to the rollout");
    let _ = writeln!(out);
    if d.is_empty() {
        let _ = writeln!(
            out,
            "No change to the plan's modes, stages, members or waivers."
        );
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "| | base | this change |");
    let _ = writeln!(out, "|---|---|---|");
    for (i, n) in now.iter().enumerate() {
        let before = base.modes.as_ref().map(|m| m.get(i).copied().unwrap_or(0));
        change_row(out, &mode_label(i), before, *n);
    }
    match base.blockers {
        Some((before, after)) => {
            let _ = writeln!(out, "| unwaived blockers | {before} | {after} |");
        }
        None => {
            let _ = writeln!(out, "| unwaived blockers | — | {block} |");
        }
    }
    let _ = writeln!(out, "| stages | {} | {} |", base.stages, r.stages.len());
    let _ = writeln!(out, "| waivers | {} | {} |", base.waivers, r.waivers.len());
    let _ = writeln!(out);
    if base.modes.is_none() {
        let _ = writeln!(
            out,
            "The base plan names entries this inventory no longer has: its exposure and blockers are not compared."
        );
        let _ = writeln!(out);
    }
    if d.fingerprint_changed {
        let _ = writeln!(
            out,
            "The two plans were made for different versions of the inventory."
        );
        let _ = writeln!(out);
    }
    let rest = "`guardplan diff BASE PLAN --inventory INVENTORY` lists them all";
    let section = |out: &mut String, title: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "**{title}** ({}):", items.len());
        let _ = writeln!(out);
        bullets(out, &items, rest);
        let _ = writeln!(out);
    };
    let choice = |c: &Option<(Mode, crate::plan::Enforcement)>| match c {
        None => "no decision (`standard`)".to_string(),
        Some((m, e)) => format!(
            "{} ({})",
            code(m.as_str()),
            crate::plan::io::enforcement_str(*e)
        ),
    };
    section(
        out,
        "Modes",
        d.decisions
            .iter()
            .map(|c| {
                format!(
                    "path {}: {} → {}",
                    code(&c.path),
                    choice(&c.old),
                    choice(&c.new)
                )
            })
            .collect(),
    );
    let mut stages: Vec<String> = d
        .stages_added
        .iter()
        .map(|s| format!("added {}", code(s)))
        .collect();
    stages.extend(
        d.stages_removed
            .iter()
            .map(|s| format!("removed {}", code(s))),
    );
    if d.stages_reordered {
        stages.push("the stages both plans have are in another order".into());
    }
    section(out, "Stages", stages);
    let stage = |s: &Option<String>| s.as_deref().map_or_else(|| "(none)".to_string(), code);
    section(
        out,
        "Members",
        d.members
            .iter()
            .map(|m| {
                format!(
                    "{} {}: {} → {}",
                    m.kind.key(),
                    code(&m.selector),
                    stage(&m.from),
                    stage(&m.to)
                )
            })
            .collect(),
    );
    let waiver = |verb: &str, w: &crate::plan::Waiver| {
        let exp = w
            .expires
            .map_or_else(|| "no end date".to_string(), |d| format!("until {d}"));
        format!(
            "{verb} {} on {} ({exp}): {}",
            code(&w.code),
            code(&w.scope),
            esc(&w.reason)
        )
    };
    let mut waivers: Vec<String> = d.waivers_added.iter().map(|w| waiver("added", w)).collect();
    waivers.extend(d.waivers_removed.iter().map(|w| waiver("removed", w)));
    waivers.extend(d.waivers_expired.iter().map(|w| waiver("expired", w)));
    section(out, "Waivers", waivers);
    let mut exceptions: Vec<String> = Vec::new();
    for (how, list) in [
        ("added", &d.exceptions_added),
        ("removed", &d.exceptions_removed),
    ] {
        for (path, e) in list {
            exceptions.push(format!(
                "{how} on {}: {}",
                code(path),
                esc(&crate::plan::diff::exception_str(e))
            ));
        }
    }
    section(out, "Exceptions", exceptions);
    section(
        out,
        "New blockers",
        d.new_blockers.iter().map(|b| esc(b)).collect(),
    );
    section(
        out,
        "Resolved blockers",
        d.resolved_blockers.iter().map(|b| esc(b)).collect(),
    );
}

/// `a`, `b`, `c` and 5 more, of items already in code spans.
fn short_list_coded(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(LIST_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LIST_MAX {
        let _ = write!(s, " and {} more", items.len() - LIST_MAX);
    }
    s
}

fn stages(r: &Report, out: &mut String) {
    for (i, s) in r.stages.iter().enumerate() {
        let state = if s.ready {
            "✅ ready".to_string()
        } else if s.blockers > 0 {
            format!("❌ not ready ({} blockers)", s.blockers)
        } else {
            "❌ not ready".to_string()
        };
        let _ = writeln!(out, "#### {}. {} — {state}", i + 1, code(&s.name));
        let _ = writeln!(out);
        if !s.description.is_empty() {
            let _ = writeln!(out, "{}", esc(&s.description));
            let _ = writeln!(out);
        }
        for reason in s.reasons.iter().take(LIST_MAX) {
            let _ = writeln!(out, "> ❌ {}", esc(reason));
        }
        if s.reasons.len() > LIST_MAX {
            let _ = writeln!(out, "> and {} more", s.reasons.len() - LIST_MAX);
        }
        if !s.reasons.is_empty() {
            let _ = writeln!(out);
        }
        let mut any = false;
        let mut item = |label: &str, items: &str, n: usize| {
            if n > 0 {
                let _ = writeln!(out, "- {label} ({n}): {items}");
                any = true;
            }
        };
        item("Targets enabled", &short_list(&s.hosts), s.hosts.len());
        item(
            "Client policy set",
            &short_list(&s.clients),
            s.clients.len(),
        );
        item(
            "Enrolled in Protected Users",
            &short_list(&s.users),
            s.users.len(),
        );
        let paths: Vec<String> = s
            .paths
            .iter()
            .map(|(p, m)| format!("{} → {}", code(p), code(m.as_str())))
            .collect();
        item("Paths switched", &short_list_coded(&paths), paths.len());
        for line in &s.carried_by {
            let _ = writeln!(out, "- Carried out by {line}");
            any = true;
        }
        for line in s.remediation.iter().take(LIST_MAX) {
            let _ = writeln!(out, "- Scripted remediation: {}", esc(line));
            any = true;
        }
        if s.remediation.len() > LIST_MAX {
            let _ = writeln!(
                out,
                "- and {} more in the stage's script",
                super::plural(s.remediation.len() - LIST_MAX, "remediation")
            );
        }
        // The exceptions whose subjects join their path's mode in this stage.
        for p in &r.paths {
            for x in (p.exceptions.iter()).filter(|x| x.exception.stage.as_ref() == Some(&s.name)) {
                let _ = writeln!(
                    out,
                    "- Exception of {} joins its mode ({}): {}",
                    code(&p.name),
                    super::plural(x.pairs as usize, "pair"),
                    esc(&crate::plan::exceptions::who(&x.exception))
                );
                any = true;
            }
        }
        // The exceptions of the paths this stage switches: work that lets them follow later.
        for (name, _) in &s.paths {
            let Some(p) = r.paths.iter().find(|p| &p.name == name) else {
                continue;
            };
            for x in p
                .exceptions
                .iter()
                .filter(|x| !x.exception.remediation.is_empty())
            {
                let _ = writeln!(
                    out,
                    "- Work item for {} ({} left out): {}",
                    code(name),
                    super::plural(x.pairs as usize, "pair"),
                    esc(&x.exception.remediation)
                );
                any = true;
            }
        }
        if !any {
            let _ = writeln!(out, "- No changes.");
        }
        if !s.not_enrolled.is_empty() {
            let _ = writeln!(
                out,
                "- Not enrolled by the stage's script ({}): {}",
                s.not_enrolled.len(),
                short_list(&s.not_enrolled)
            );
        }
        if !s.in_place.is_empty() {
            let _ = writeln!(
                out,
                "- Already in place, no change ({}): {}",
                s.in_place.len(),
                short_list(&s.in_place)
            );
        }
        let _ = writeln!(
            out,
            "- Privileged credential exposures after it: {}",
            crate::rules::thousands(s.exposure.exposures)
        );
        let _ = writeln!(out);
    }
}

/// The Mermaid flowchart of domains, trusts and stages (aggregated; deterministic).
pub fn mermaid(r: &Report) -> String {
    // Top to bottom: a subgraph linked to outside nodes takes the graph's direction, so the stages are drawn in
    // order down the page only if the whole graph runs that way.
    let mut out = String::from("flowchart TB\n");
    // Node per domain, or per forest when there are many domains.
    let by_forest = r.domains.len() >= FOREST_NODES_FROM;
    let mut forests: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in r.domains.iter().enumerate() {
        forests.entry(d.forest.as_str()).or_default().push(i);
    }
    let forest_ids: BTreeMap<&str, usize> =
        forests.keys().enumerate().map(|(i, f)| (*f, i)).collect();
    let node_of = |d: usize| -> String {
        if by_forest {
            let f = r.domains.get(d).map_or("", |d| d.forest.as_str());
            format!("f{}", forest_ids.get(f).copied().unwrap_or(0))
        } else {
            format!("d{d}")
        }
    };
    for (fi, (forest, members)) in forests.iter().enumerate() {
        if by_forest {
            let _ = writeln!(
                out,
                "  f{fi}[\"{} forest<br/>{}\"]",
                mesc(forest),
                plural(members.len(), "domain")
            );
            continue;
        }
        let _ = writeln!(out, "  subgraph forest{fi}[\"forest {}\"]", mesc(forest));
        for &d in members {
            let dom = &r.domains[d];
            let _ = writeln!(
                out,
                "    d{d}[\"{}<br/>{}\"]",
                mesc(&dom.dns),
                mesc(&dom.netbios)
            );
        }
        let _ = writeln!(out, "  end");
    }
    if r.hosts_without_domain > 0 {
        let _ = writeln!(
            out,
            "  nodomain([\"{NO_DOMAIN}<br/>{}\"])",
            plural(r.hosts_without_domain, "host")
        );
    }
    // Trusts: an arrow from the trusting domain (resources) to the trusted one (accounts).
    let mut edges: BTreeMap<(String, &str, String), Vec<String>> = BTreeMap::new();
    for t in &r.trusts {
        let (a, b) = (node_of(t.trusting), node_of(t.trusted));
        if a == b {
            continue;
        }
        let mut label = t.kind.to_string();
        if t.selective {
            label.push_str(", selective");
        }
        let arrow = if t.two_way { "<-->" } else { "-->" };
        let key = if t.two_way && b < a { (b, a) } else { (a, b) };
        edges.entry((key.0, arrow, key.1)).or_default().push(label);
    }
    for ((from, arrow, to), mut labels) in edges {
        labels.sort();
        labels.dedup();
        let _ = writeln!(
            out,
            "  {from} {arrow}|\"{}\"| {to}",
            mesc(&labels.join("; "))
        );
    }
    if !r.stages.is_empty() {
        let _ = writeln!(out, "  subgraph stages[\"stages\"]");
        for (i, s) in r.stages.iter().enumerate() {
            let class = if s.ready { "ready" } else { "notready" };
            let parts: Vec<String> = [
                (s.hosts.len(), "target"),
                (s.clients.len(), "client"),
                (s.users.len(), "user"),
                (s.paths.len(), "path"),
                (s.remediation.len(), "remediation"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, noun)| plural(*n, noun))
            .collect();
            let _ = writeln!(
                out,
                "    s{i}[\"{}. {}<br/>{}\"]:::{class}",
                i + 1,
                mesc(&s.name),
                if parts.is_empty() {
                    "no changes".to_string()
                } else {
                    parts.join(" · ")
                }
            );
        }
        for i in 1..r.stages.len() {
            let _ = writeln!(out, "    s{} --> s{i}", i - 1);
        }
        let _ = writeln!(out, "  end");
        // Which domains each stage touches, with how many hosts.
        let mut stage_edges: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for (i, s) in r.stages.iter().enumerate() {
            for (dom, n) in &s.domains {
                let node = if dom == NO_DOMAIN {
                    "nodomain".to_string()
                } else {
                    match r.domains.iter().position(|d| &d.dns == dom) {
                        Some(d) => node_of(d),
                        None => continue,
                    }
                };
                *stage_edges.entry((i, node)).or_default() += n;
            }
        }
        if stage_edges.len() <= STAGE_EDGES_MAX {
            for ((i, node), n) in stage_edges {
                let _ = writeln!(out, "  s{i} -.->|{n}| {node}");
            }
        }
        let _ = writeln!(out, "  classDef ready fill:#dcfce7,stroke:#16a34a");
        let _ = writeln!(out, "  classDef notready fill:#fee2e2,stroke:#dc2626");
    }
    out
}

fn finding_row(f: &ReportFinding) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |",
        code_cell(f.code.as_str()),
        f.severity,
        f.path
            .as_deref()
            .map_or_else(|| "estate".to_string(), code_cell),
        match f.stage_span() {
            Some(span) => format!("{} ({})", f.mode.map_or("any", Mode::as_str), esc(&span)),
            None => f.mode.map_or("any", Mode::as_str).to_string(),
        },
        esc(&f.counts_text()),
        prose(f, MESSAGE_MAX, true)
    )
}

fn finding_table(rows: &[&ReportFinding], max: usize, rest: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "| code | severity | path | mode | subjects | message |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for f in rows.iter().take(max) {
        let _ = writeln!(out, "{}", finding_row(f));
    }
    if rows.len() > max {
        let _ = writeln!(out, "\n{} more: {rest}.", rows.len() - max);
    }
}

fn details(out: &mut String, summary: &str, body: impl FnOnce(&mut String)) {
    let _ = writeln!(out, "<details><summary>{summary}</summary>");
    let _ = writeln!(out);
    body(out);
    let _ = writeln!(out);
    let _ = writeln!(out, "</details>");
    let _ = writeln!(out);
}

/// Renders the pull-request comment without a base plan; see [`render_review`].
pub fn render(r: &Report) -> String {
    render_review(r, &Review::default())
}

/// Renders the pull-request comment, below [`COMMENT_MAX`] characters: tables are shortened until it fits,
/// and as a last resort the text is cut at a line with a note that points at the full report.
pub fn render_review(r: &Report, review: &Review) -> String {
    let mut max = TABLE_MAX;
    loop {
        let out = render_rows(r, review, max);
        if out.chars().count() <= COMMENT_MAX {
            return out;
        }
        if max == 0 {
            return cut(&out, review);
        }
        max /= 2;
    }
}

/// Cuts a comment at a line below [`COMMENT_MAX`], closing an open code block or folded section, and says where
/// the rest is.
fn cut(text: &str, review: &Review) -> String {
    let mut out: String = text.chars().take(COMMENT_MAX - 400).collect();
    if let Some(i) = out.rfind('\n') {
        out.truncate(i + 1);
    }
    let fences = out.lines().filter(|l| l.starts_with("```")).count();
    if fences % 2 == 1 {
        out.push_str("```\n");
    }
    let opened = out.matches("<details>").count();
    let closed = out.matches("</details>").count();
    for _ in closed..opened {
        out.push_str("\n</details>\n");
    }
    let _ = writeln!(out, "\n… the comment is cut here: {}.", rest_note(review));
    out
}

/// The comment for a check that could not run: the input errors in a code block, cut to fit.
pub fn render_error(message: &str, review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "## guardplan: ❌ input error");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "**Blocks the merge:** the inventory or the plan cannot be read. Fix what is listed below (each error \
         names the file, line and column); nothing else was checked."
    );
    let _ = writeln!(out);
    // Room for the text around the errors and the note.
    let budget = COMMENT_MAX - 1_000;
    let mut shown: String = message.chars().take(budget).collect();
    let cut = shown.len() < message.len();
    if cut {
        if let Some(i) = shown.rfind('\n') {
            shown.truncate(i + 1);
        }
    }
    let fence = "`".repeat(longest_backtick_run(&shown).max(2) + 1);
    let _ = writeln!(out, "{fence}text");
    out.push_str(shown.trim_end_matches('\n'));
    let _ = writeln!(out);
    let _ = writeln!(out, "{fence}");
    if cut {
        let more = message[shown.len()..]
            .lines()
            .filter(|l| l.contains(": error:"))
            .count();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "… cut here{}: the job's log has every error{}.",
            if more > 0 {
                format!(
                    " ({more} more {})",
                    if more == 1 { "error" } else { "errors" }
                )
            } else {
                String::new()
            },
            review
                .full_report
                .as_ref()
                .map_or_else(String::new, |u| format!(
                    " ([run]({}))",
                    u.replace(['(', ')', ' '], "")
                ))
        );
    }
    out
}

/// `9,800 of 10,000 servable pairs protected (10,400 pairs)`.
pub(super) fn pairs_text(r: &Report) -> String {
    let t = r.pair_totals();
    format!(
        "{} of {} servable protected ({} pairs, {} excepted)",
        thousands(t.protected as usize),
        thousands(t.servable as usize),
        thousands(t.pairs as usize),
        thousands(t.excepted as usize)
    )
}

/// The exceptions of every path with their remediation: the work items that let them go.
fn exceptions(r: &Report, out: &mut String) {
    for p in &r.paths {
        for x in &p.exceptions {
            let e = &x.exception;
            let mut who: Vec<String> = Vec::new();
            for (key, list) in e.selectors() {
                if !list.is_empty() {
                    who.push(format!("{key} {}", short_list(list)));
                }
            }
            let stale = if x.needed {
                ""
            } else {
                " (not needed: nothing it leaves out blocks the mode any more; remove it)"
            };
            let until = e
                .stage
                .as_ref()
                .map_or(String::new(), |st| format!(" until stage {}", code(st)));
            let _ = writeln!(
                out,
                "- {} stays on {} for {}{until}: {}{stale}",
                code(&p.name),
                code(e.mode().as_str()),
                super::plural(x.pairs as usize, "pair"),
                who.join("; ")
            );
            if !e.remediation.is_empty() {
                let _ = writeln!(out, "  - Remediation: {}", esc(&e.remediation));
            }
        }
    }
    let _ = writeln!(out);
}

fn render_rows(r: &Report, review: &Review, max: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    verdict(r, review, &mut out);
    rollout(r, review, &mut out);
    let rest = rest_note(review);

    let blockers: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.denies(r.deny)).collect();
    if !blockers.is_empty() {
        details(
            &mut out,
            &format!("Blocking findings ({})", blockers.len()),
            |out| finding_table(&blockers, max, &rest, out),
        );
    }

    let excepted = r.paths.iter().map(|p| p.exceptions.len()).sum::<usize>();
    if excepted > 0 {
        details(&mut out, &format!("Exceptions ({excepted})"), |out| {
            exceptions(r, out)
        });
    }

    if !r.stages.is_empty() {
        details(
            &mut out,
            &format!("Stages ({} of {} ready)", r.stages_ready(), r.stages.len()),
            |out| stages(r, out),
        );
    }

    details(&mut out, "Domains, trusts and stages", |out| {
        let _ = writeln!(out, "```mermaid");
        out.push_str(&mermaid(r));
        let _ = writeln!(out, "```");
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Arrows point from the trusting domain (resources) to the trusted domain (accounts); dotted arrows \
             show how many hosts a stage touches in each domain."
        );
    });

    let applying: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| f.applies && !f.waived())
        .collect();
    details(&mut out, &format!("Findings ({})", applying.len()), |out| {
        finding_table(&applying, max, &rest, out)
    });

    let waived: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| f.applies && f.waived())
        .collect();
    if !waived.is_empty() {
        details(
            &mut out,
            &format!("Waived findings ({})", waived.len()),
            |out| {
                let _ = writeln!(
                    out,
                    "Accepted by a waiver of the plan: not in the SARIF report, so code scanning opens no alert for them."
                );
                let _ = writeln!(out);
                let _ = writeln!(out, "| code | severity | path | mode | subjects | waiver |");
                let _ = writeln!(out, "|---|---|---|---|---|---|");
                for f in waived.iter().take(max) {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} |",
                        code_cell(f.code.as_str()),
                        f.severity,
                        f.path
                            .as_deref()
                            .map_or_else(|| "estate".to_string(), code_cell),
                        f.mode.map_or("any", Mode::as_str),
                        esc(&f.counts_text()),
                        esc(&clip(f.waiver.as_deref().unwrap_or_default(), MESSAGE_MAX))
                    );
                }
                if waived.len() > max {
                    let _ = writeln!(out, "\n{} more: {rest}.", waived.len() - max);
                }
            },
        );
    }

    details(&mut out, &format!("Paths ({})", r.paths.len()), |out| {
        let _ = writeln!(
            out,
            "| path | purpose | recommended | chosen | standard | remote-guard | restricted-admin | prefer-remote-guard |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
        for p in r.paths.iter().take(max) {
            let cells: Vec<String> = Mode::ALL
                .iter()
                .map(|m| {
                    let c = &p.modes[m.index()];
                    let codes: Vec<&str> = c.codes.iter().map(|c| c.as_str()).collect();
                    if codes.is_empty() {
                        c.verdict.as_str().to_string()
                    } else {
                        format!("{} ({})", c.verdict.as_str(), codes.join(", "))
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code_cell(&p.name),
                p.purpose,
                mode_name(p.recommended),
                p.chosen.map_or("—", Mode::as_str),
                cells.join(" | ")
            );
        }
        if r.paths.len() > max {
            let _ = writeln!(out, "\n{} more paths: {rest}.", r.paths.len() - max);
        }
    });

    if !r.waivers.is_empty() {
        details(&mut out, &format!("Waivers ({})", r.waivers.len()), |out| {
            let _ = writeln!(out, "| code | scope | reason | expires | findings |");
            let _ = writeln!(out, "|---|---|---|---|---|");
            for w in r.waivers.iter().take(max) {
                let expires = match (&w.expires, w.expired) {
                    (Some(d), true) => format!("{d} (expired)"),
                    (Some(d), false) => d.clone(),
                    (None, _) => "never".into(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    code_cell(&w.code),
                    code_cell(&w.scope),
                    esc(&w.reason),
                    expires,
                    w.used
                );
            }
            if r.waivers.len() > max {
                let _ = writeln!(out, "\n{} more waivers: {rest}.", r.waivers.len() - max);
            }
        });
    }

    let others = r.other_modes();
    if others > 0 {
        let _ = writeln!(
            out,
            "{others} more findings concern modes that are not rolled out: `guardplan check --format json` lists them."
        );
    }
    out
}
