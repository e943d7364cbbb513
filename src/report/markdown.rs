//! Markdown for a pull-request comment: counts first, then what each stage changes, a Mermaid graph of the
//! domains, trusts and stages, and the details folded.
//!
//! GitHub limits a comment to 65,536 characters and Mermaid to a few hundred edges: lists are shortened, and
//! the graph is aggregated (per domain, or per forest in large estates; never per host).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Report, ReportFinding, mode_name, plural};
use crate::finding::{Mode, Severity};

/// Names shown before "and N more".
const LIST_MAX: usize = 8;
/// Rows shown in a folded table before it is cut (fewer when the comment would be too long).
const TABLE_MAX: usize = 150;
/// GitHub refuses comments over 65,536 characters; stay below with room for a marker line.
pub const COMMENT_MAX: usize = 60_000;
/// Characters of a finding's message shown in a table cell.
const MESSAGE_MAX: usize = 240;
/// More domains than this are drawn as one node per forest.
const DOMAIN_NODES_MAX: usize = 40;
/// More stage-to-domain edges than this are left out of the graph.
const STAGE_EDGES_MAX: usize = 120;

/// Label of the node for hosts without an AD domain.
pub const NO_DOMAIN: &str = "Entra ID / workgroup";

/// Escapes text for a Markdown table cell or list item (no HTML, no table breaks).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push('\''),
            '\n' | '\r' => out.push(' '),
            c if crate::safe_text::is_unsafe(c) => out.push_str(&crate::safe_text::escaped(c)),
            _ => out.push(c),
        }
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

fn code(s: &str) -> String {
    format!("`{}`", crate::safe_text::escape(s).replace('`', "'"))
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

fn summary(r: &Report, out: &mut String) {
    let result = if r.fails() { "❌ FAIL" } else { "✅ PASS" };
    let _ = writeln!(out, "## guardplan: {result}");
    let _ = writeln!(out);
    match &r.plan_uri {
        Some(plan) => {
            let _ = writeln!(
                out,
                "Plan {} for inventory {}.",
                code(plan),
                code(&r.inventory_uri)
            );
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
    let _ = writeln!(out, "| | |");
    let _ = writeln!(out, "|---|---|");
    let per_mode = r.paths_per_mode();
    let _ = writeln!(
        out,
        "| Paths ({}) | {} |",
        r.paths.len(),
        per_mode.join(" · ")
    );
    let [block, action, warn, info] = r.counts().map(|(_, n)| n);
    let _ = writeln!(out, "| Blockers | {block} |");
    let without = r.paths_without_mode().count();
    if without > 0 {
        let _ = writeln!(out, "| Paths without a workable mode | {without} |");
    }
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
}

fn stages(r: &Report, out: &mut String) {
    if r.stages.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Stages");
    let _ = writeln!(out);
    for (i, s) in r.stages.iter().enumerate() {
        let state = if s.ready {
            "✅ ready".to_string()
        } else if s.blockers > 0 {
            format!("❌ not ready ({} blockers)", s.blockers)
        } else {
            "❌ not ready".to_string()
        };
        let _ = writeln!(out, "#### {}. {} — {state}", i + 1, esc(&s.name));
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
        let mut item = |label: &str, items: &[String]| {
            if !items.is_empty() {
                let _ = writeln!(out, "- {label} ({}): {}", items.len(), short_list(items));
                any = true;
            }
        };
        item("Targets enabled", &s.hosts);
        item("Client policy or shortcuts set", &s.clients);
        item("Enrolled in Protected Users", &s.users);
        let paths: Vec<String> = s.paths.iter().map(|(p, m)| format!("{p} → {m}")).collect();
        item("Paths switched", &paths);
        if !any {
            let _ = writeln!(out, "- No changes.");
        }
        let _ = writeln!(out);
    }
}

/// The Mermaid flowchart of domains, trusts and stages (aggregated; deterministic).
pub fn mermaid(r: &Report) -> String {
    let mut out = String::from("flowchart LR\n");
    // Node per domain, or per forest when there are many domains.
    let by_forest = r.domains.len() > DOMAIN_NODES_MAX;
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
        let _ = writeln!(out, "    direction TB");
        for (i, s) in r.stages.iter().enumerate() {
            let class = if s.ready { "ready" } else { "notready" };
            let parts: Vec<String> = [
                (s.hosts.len(), "target"),
                (s.clients.len(), "client"),
                (s.users.len(), "user"),
                (s.paths.len(), "path"),
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
        code(f.code.as_str()),
        f.severity,
        f.path.as_deref().map_or_else(|| "estate".to_string(), code),
        f.mode.map_or("any", Mode::as_str),
        esc(&f.counts_text()),
        esc(&clip(&f.message, MESSAGE_MAX))
    )
}

fn finding_table(rows: &[&ReportFinding], max: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "| code | severity | path | mode | subjects | message |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for f in rows.iter().take(max) {
        let _ = writeln!(out, "{}", finding_row(f));
    }
    if rows.len() > max {
        let _ = writeln!(
            out,
            "\n{} more: `guardplan check --format json` lists them all.",
            rows.len() - max
        );
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

/// Renders the pull-request comment, below [`COMMENT_MAX`] characters: tables are shortened until it fits.
pub fn render(r: &Report) -> String {
    let mut max = TABLE_MAX;
    loop {
        let out = render_rows(r, max);
        if out.chars().count() <= COMMENT_MAX {
            return out;
        }
        if max == 0 {
            // Only the counts and stages are left: cut at a line and say where the rest is.
            let mut cut: String = out.chars().take(COMMENT_MAX - 200).collect();
            if let Some(i) = cut.rfind('\n') {
                cut.truncate(i + 1);
            }
            cut.push_str(
                "\n… the report is cut here: `guardplan check --format json` has all of it.\n",
            );
            return cut;
        }
        max /= 2;
    }
}

fn render_rows(r: &Report, max: usize) -> String {
    let mut out = String::new();
    summary(r, &mut out);

    let blockers: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| f.denies(Severity::Block))
        .collect();
    let without: Vec<String> = r.paths_without_mode().map(|p| p.name.clone()).collect();
    if !blockers.is_empty() || !without.is_empty() {
        let _ = writeln!(out, "### Blockers");
        let _ = writeln!(out);
        if !without.is_empty() {
            let _ = writeln!(out, "No workable mode for {}.", short_list(&without));
            let _ = writeln!(out);
        }
        if !blockers.is_empty() {
            finding_table(&blockers, max, &mut out);
            let _ = writeln!(out);
        }
    }

    stages(r, &mut out);

    let _ = writeln!(out, "### Domains, trusts and stages");
    let _ = writeln!(out);
    let _ = writeln!(out, "```mermaid");
    out.push_str(&mermaid(r));
    let _ = writeln!(out, "```");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Arrows point from the trusting domain (resources) to the trusted domain (accounts); dotted arrows \
         show how many hosts a stage touches in each domain."
    );
    let _ = writeln!(out);

    let applying: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| f.applies && !f.waived())
        .collect();
    details(&mut out, &format!("Findings ({})", applying.len()), |out| {
        finding_table(&applying, max, out)
    });

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
                code(&p.name),
                p.purpose,
                mode_name(p.recommended),
                p.chosen.map_or("—", Mode::as_str),
                cells.join(" | ")
            );
        }
        if r.paths.len() > max {
            let _ = writeln!(out, "\n{} more paths.", r.paths.len() - max);
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
                    code(&w.code),
                    code(&w.scope),
                    esc(&w.reason),
                    expires,
                    w.used
                );
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
