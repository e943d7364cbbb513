//! Man pages: one for `guardplan` and one per subcommand (`guardplan-check.1`, `guardplan-plan-init.1`, ...),
//! each with examples, exit status and the pages it refers to.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// The date in every page's title line when `SOURCE_DATE_EPOCH` is not set: the day of this version's
/// release, so that the same version always writes the same pages.
pub const RELEASE_DATE: &str = "2026-12-01";

/// Examples per page, as (command line, what it does).
static EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "guardplan",
        &[
            (
                "guardplan",
                "Open the planner on the embedded Contoso sample.",
            ),
            (
                "guardplan check estate.toml --plan rollout.plan.toml",
                "Judge a plan; exit 1 when an unwaived blocking finding applies.",
            ),
            (
                "guardplan explain RCG-TARGET-ENTRA",
                "Explain one finding code.",
            ),
        ],
    ),
    (
        "guardplan-tui",
        &[
            (
                "guardplan tui",
                "Open the planner on the embedded Contoso sample.",
            ),
            (
                "guardplan tui estate.toml --plan rollout.plan.toml",
                "Open the planner on an inventory and its plan; the plan is saved as you edit.",
            ),
        ],
    ),
    (
        "guardplan-check",
        &[
            (
                "guardplan check estate.toml",
                "Judge every access path under its recommended mode.",
            ),
            (
                "guardplan check estate.toml --plan rollout.plan.toml --format sarif > guardplan.sarif",
                "The SARIF report for code scanning, with URIs relative to the repository root.",
            ),
            (
                "guardplan check estate.toml --plan rollout.plan.toml --base-plan base.plan.toml --format markdown",
                "The pull-request comment, with what the change does against the base branch's plan.",
            ),
            (
                "guardplan check estate.toml --plan rollout.plan.toml --deny warn",
                "Fail on warnings too.",
            ),
        ],
    ),
    (
        "guardplan-graph",
        &[
            (
                "guardplan graph estate.toml --format dot | dot -Tsvg > trusts.svg",
                "Draw the trust graph with Graphviz.",
            ),
            (
                "guardplan graph estate.toml --format mermaid",
                "The same graph as a Mermaid flowchart.",
            ),
        ],
    ),
    (
        "guardplan-rules",
        &[
            (
                "guardplan rules",
                "List every finding code with its severity and title.",
            ),
            ("guardplan rules --format json", "The catalog as JSON."),
        ],
    ),
    (
        "guardplan-explain",
        &[(
            "guardplan explain PU-SERVICE-ACCOUNT",
            "What the code means, its source and the fix.",
        )],
    ),
    (
        "guardplan-plan",
        &[(
            "guardplan plan init estate.toml -o rollout.plan.toml",
            "Write a starting plan.",
        )],
    ),
    (
        "guardplan-plan-init",
        &[(
            "guardplan plan init estate.toml -o rollout.plan.toml",
            "Write a starting plan from the recommendations.",
        )],
    ),
    (
        "guardplan-export",
        &[
            (
                "guardplan export estate.toml --plan rollout.plan.toml --format scripts -o stages/",
                "Write the per-stage PowerShell and .reg scripts with their rollback.",
            ),
            (
                "guardplan export estate.toml --plan rollout.plan.toml --format markdown -o review.md",
                "Write the Markdown report to a file.",
            ),
        ],
    ),
    (
        "guardplan-diff",
        &[(
            "guardplan diff old.plan.toml new.plan.toml --inventory estate.toml",
            "What a plan change does: modes, stages, members, waivers, blockers.",
        )],
    ),
    (
        "guardplan-sample",
        &[(
            "guardplan sample --hosts 5000 -o estate.toml",
            "A synthetic estate of 5,000 hosts.",
        )],
    ),
    (
        "guardplan-import",
        &[(
            "guardplan import ldif domain.ldif config.ldif -o estate.toml",
            "An inventory from LDIF exports.",
        )],
    ),
    (
        "guardplan-import-ldif",
        &[(
            "guardplan import ldif domain.ldif config.ldif -o estate.toml",
            "An inventory from LDIF exports of the domain and configuration partitions.",
        )],
    ),
    (
        "guardplan-import-ldap",
        &[(
            "guardplan import ldap ldaps://dc01.corp.example.com --base DC=corp,DC=example,DC=com --bind admin@corp.example.com -o estate.toml",
            "An inventory read from a live directory; the password comes from GUARDPLAN_LDAP_PASSWORD or a prompt.",
        )],
    ),
    (
        "guardplan-import-bloodhound",
        &[(
            "guardplan import bloodhound collection.zip -o estate.toml",
            "An inventory from a SharpHound collection.",
        )],
    ),
    (
        "guardplan-schema",
        &[(
            "guardplan schema > inventory.schema.json",
            "Save the JSON Schema next to your inventory.",
        )],
    ),
    (
        "guardplan-completions",
        &[(
            "guardplan completions bash > /etc/bash_completion.d/guardplan",
            "Install completions for bash.",
        )],
    ),
    (
        "guardplan-man",
        &[(
            "guardplan man -o /usr/local/share/man/man1",
            "Write every page.",
        )],
    ),
];

/// Escapes text for a roff text line: backslashes, and a leading dot or quote that would make it a request.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// The day in the title line: `SOURCE_DATE_EPOCH` (reproducible builds), else [`RELEASE_DATE`].
pub fn date() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map_or_else(|| RELEASE_DATE.to_string(), |t| t.date().to_string())
}

/// Every page: (file name, text), the top-level page first, then the subcommands depth first.
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = crate::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let date = date();
    let mut out = Vec::new();
    collect(&cmd, &date, &mut out)?;
    Ok(out)
}

fn collect(
    cmd: &clap::Command,
    date: &str,
    out: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    out.push(page(cmd, date)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, date, out)?;
    }
    Ok(())
}

fn page(cmd: &clap::Command, date: &str) -> std::io::Result<(String, Vec<u8>)> {
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    let version = cmd.get_version().unwrap_or(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .date(date)
        .source(format!("guardplan {version}"))
        .manual("guardplan manual");
    let mut text = Vec::new();
    man.render_title(&mut text)?;
    man.render_name_section(&mut text)?;
    man.render_synopsis_section(&mut text)?;
    man.render_description_section(&mut text)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut text)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut text)?;
    }
    let mut extra = String::new();
    if let Some((_, examples)) = EXAMPLES.iter().find(|(page, _)| *page == name) {
        extra.push_str(".SH EXAMPLES\n");
        for (i, (line, what)) in examples.iter().enumerate() {
            if i > 0 {
                extra.push_str(".PP\n");
            }
            extra.push_str(&format!(
                "{}\n.RS 4\n.EX\n{}\n.EE\n.RE\n",
                roff_text(what),
                roff_text(line)
            ));
        }
    }
    if name == "guardplan-rules" {
        // The catalog itself, so that the page lists the codes `guardplan rules` prints.
        extra.push_str(".SH FINDING CODES\n");
        for r in crate::rules::CATALOG {
            extra.push_str(&format!(
                ".TP\n\\fB{}\\fR ({})\n{}\n",
                roff_text(r.code.as_str()),
                r.severity.as_str(),
                roff_text(r.title)
            ));
        }
    }
    extra.push_str(
        ".SH EXIT STATUS\n.TP\n0\nSuccess (for \\fBcheck\\fR: nothing blocks).\n.TP\n1\nAn unwaived blocking \
         finding applies (\\fBcheck\\fR, \\fBdiff\\fR).\n.TP\n2\nAn input or usage error; the message names the \
         file, line and column and says what to do.\n",
    );
    let mut see_also: Vec<String> = Vec::new();
    if name != "guardplan" {
        see_also.push("guardplan".into());
    }
    see_also.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| {
        s.get_display_name()
            .unwrap_or_else(|| s.get_name())
            .to_string()
    }));
    if !see_also.is_empty() {
        extra.push_str(".SH SEE ALSO\n");
        let refs: Vec<String> = see_also
            .iter()
            .map(|p| format!(".BR {} (1)", roff_text(p)))
            .collect();
        extra.push_str(&refs.join(" ,\n"));
        extra.push('\n');
    }
    let mut text = String::from_utf8_lossy(&text).into_owned();
    text.push_str(&extra);
    Ok((format!("{name}.1"), tidy(&text).into_bytes()))
}

/// Most lines a man page's source may hold before `mandoc -T lint` asks for a break.
const LINE_MAX: usize = 80;

/// Makes a page clean under `mandoc -T lint`: no blank line between two breaks, no trailing blanks, text lines of
/// at most [`LINE_MAX`] bytes (cut at spaces; in an example, joined again by an escaped newline).
fn tidy(text: &str) -> String {
    let text = text.replace("\n.br\n\n.br\n", "\n.sp\n");
    let mut out = String::with_capacity(text.len());
    let mut example = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with(".EX") {
            example = true;
        } else if line.starts_with(".EE") {
            example = false;
        }
        if line.starts_with('.') || line.len() <= LINE_MAX {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > LINE_MAX - 2 {
                if example {
                    current.push_str(" \\");
                }
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// Writes every page into `dir`; returns the files written.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>, super::CliError> {
    let pages = pages().map_err(|e| super::CliError::Other(e.to_string()))?;
    let mut written = Vec::with_capacity(pages.len());
    for (file, text) in pages {
        let path = dir.join(file);
        crate::fsio::write_atomic(&path, &text).map_err(|error| super::CliError::Io {
            path: path.display().to_string(),
            error,
        })?;
        written.push(path);
    }
    Ok(written)
}
