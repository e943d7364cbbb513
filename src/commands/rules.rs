//! `guardplan rules` and `guardplan explain`.

use clap::{Args, ValueEnum};

use super::{CliError, CmdResult};
use crate::rules::CATALOG;
use crate::rules::catalog::{Area, Code, RuleInfo};

/// Catalog output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RulesFormat {
    /// A table.
    #[default]
    Text,
    /// JSON.
    Json,
}

/// Arguments of `guardplan rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: RulesFormat,
}

/// Arguments of `guardplan explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, e.g. RCG-TARGET-ENTRA.
    pub code: String,
}

/// The name of a catalog area.
pub fn area_name(a: Area) -> &'static str {
    match a {
        Area::RemoteGuard => "Remote Credential Guard",
        Area::RestrictedAdmin => "Restricted Admin",
        Area::Policy => "Standard RDP and client policy",
        Area::ProtectedUsers => "Protected Users",
        Area::Trust => "Trusts",
    }
}

/// The long name of one source id.
fn one_source_name(source: &str) -> &'static str {
    match source {
        "000" => {
            "Microsoft: Protect Remote Desktop credentials with Windows Defender Remote Credential Guard"
        }
        "003" => "Microsoft: Protected Users Security Group",
        "MS-2023" => "Microsoft Learn, later revision of the Remote Credential Guard page",
        "MS-RCG-2023" => "Microsoft Learn: Remote Credential Guard (revised 2023-08-16)",
        "MS-PU-2025" => "Microsoft Learn: Protected Users security group (revised 2025-06-27)",
        "MS-RDS-2024" => {
            "Microsoft Learn: Supported configurations for Remote Desktop Services VDI (2024-07-03)"
        }
        "MS-ENTRA" => "Microsoft Learn: Connect to remote Microsoft Entra joined device",
        "MS-2024-RDS" => {
            "Microsoft Learn: Supported configurations for Remote Desktop Services VDI"
        }
        "MS-2024-ENTRA" => "Microsoft Learn: Connect to remote Microsoft Entra joined device",
        "MS-CSP" => "Microsoft Learn: Policy CSP CredentialsDelegation / ADMX_CredSsp",
        "MS-2024-PU" | "MS-2025-PU" => "Microsoft Learn: Protected Users security group",
        "URA" => "User rights: Allow / Deny log on through Remote Desktop Services",
        "PTH" => "Restricted Admin and pass-the-hash (Microsoft Security Advisory 2871997)",
        "SOC" => "Public detections of DisableRestrictedAdmin changes (Sigma)",
        "AD" => "Active Directory trust semantics",
        _ => "guardplan planning rule",
    }
}

/// The long name of a source id, or of each of several (`003; MS-2025-PU`).
pub fn source_name(source: &str) -> String {
    let mut names: Vec<&str> = Vec::new();
    for id in source.split(';').map(str::trim) {
        let name = one_source_name(id);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join("; ")
}

/// Codes whose `quote` restates the rule because the source holds no sentence to quote; `explain` shows it
/// without quotation marks.
fn restated(code: Code) -> bool {
    matches!(code, Code::PolRaIgnored | Code::TrustSelectiveAuth)
}

/// The catalog as text: one line per code, grouped by area.
pub fn catalog_text() -> String {
    let mut out = String::new();
    let mut area = None;
    for r in CATALOG {
        if area != Some(r.area) {
            if area.is_some() {
                out.push('\n');
            }
            area = Some(r.area);
            out.push_str(&format!("{}\n", area_name(r.area)));
        }
        out.push_str(&format!(
            "  {:<28} {:<7} {}\n",
            r.code.as_str(),
            r.severity.as_str(),
            r.title
        ));
    }
    out.push_str("\n`guardplan explain CODE` tells why a code is raised and how to fix it.\n");
    out
}

/// The catalog as a Markdown table (the README's), one row per code in catalog order: code, severity, when it
/// is raised, and the source with its section.
pub fn catalog_markdown() -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("| code | severity | raised when | source |\n|---|---|---|---|\n");
    for r in CATALOG {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.code.as_str(),
            r.severity.as_str(),
            cell(r.title),
            cell(&r.citation())
        ));
    }
    out
}

fn rule_json(r: &RuleInfo) -> serde_json::Value {
    serde_json::json!({
        "code": r.code.as_str(),
        "severity": r.severity.as_str(),
        "area": area_name(r.area),
        "title": r.title,
        "source": r.source,
        "source_title": source_name(r.source),
        "source_section": r.source_section,
        "quote": r.quote,
        "fix": r.fix,
    })
}

/// The catalog as JSON: an array of rules in catalog order.
pub fn catalog_json() -> String {
    // Keys in name order, whatever order serde_json keeps them in (a dependency asks for insertion order).
    let rules: Vec<serde_json::Value> = CATALOG
        .iter()
        .map(|r| {
            let mut v = rule_json(r);
            v.sort_all_objects();
            v
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rules).unwrap_or_default();
    s.push('\n');
    s
}

/// What one code means, why (the source and its sentence), and how to fix it.
pub fn explain_text(code: Code) -> String {
    let r = code.info();
    let section = if r.source_section.is_empty() {
        String::new()
    } else {
        format!(", {}", r.source_section)
    };
    let quote = if restated(code) {
        format!("in short (not a quotation): {}", r.quote)
    } else {
        format!("\"{}\"", r.quote)
    };
    format!(
        "{code}  ({sev}, {area})\n\nWhat: {title}.\n\nWhy: {src} [{id}{section}]\n  {quote}\n\nFix: {fix}\n",
        sev = r.severity,
        area = area_name(r.area),
        title = r.title,
        src = source_name(r.source),
        id = r.source,
        fix = r.fix,
    )
}

/// Codes that look like a mistyped `input` (sharing a part of its name).
pub fn suggestions(input: &str) -> Vec<Code> {
    let upper = input.trim().to_ascii_uppercase().replace('_', "-");
    let parts: Vec<&str> = upper.split('-').filter(|p| p.len() > 1).collect();
    let mut found: Vec<(usize, Code)> = Code::all()
        .filter_map(|c| {
            let score = parts.iter().filter(|p| c.as_str().contains(**p)).count();
            (score > 0).then_some((score, c))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Lists the catalog.
pub fn run_rules(args: RulesArgs) -> CmdResult {
    super::write_stdout(match args.format {
        RulesFormat::Text => catalog_text(),
        RulesFormat::Json => catalog_json(),
    })
}

/// Explains one code.
pub fn run_explain(args: ExplainArgs) -> CmdResult {
    match args.code.parse::<Code>() {
        Ok(code) => super::write_stdout(explain_text(code)),
        Err(msg) => {
            let near = suggestions(&args.code);
            let hint = if near.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = near.iter().map(|c| c.as_str()).collect();
                format!("; did you mean {}?", names.join(", "))
            };
            Err(CliError::Usage(format!("{msg}{hint}")))
        }
    }
}
