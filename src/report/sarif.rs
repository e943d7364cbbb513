//! SARIF 2.1.0 for code scanning: rule metadata from the catalog, results located at the line in the inventory
//! or plan that each finding is about (URIs relative to the repository root, `%SRCROOT%`, so a pull request
//! shows them inline).
//!
//! Code scanning ignores `suppressions`: a waived finding left in `results` would open an alert. Waived findings
//! are therefore left out of the log (the Markdown comment lists them with their waiver).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Report, ReportFinding};
use crate::finding::Severity;
use crate::rules::{CATALOG, RuleInfo, catalog::Area};

/// The SARIF schema this output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the project and its documentation live (`driver.informationUri`).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The base of every result's URI: the root of the repository that holds the inputs.
pub const SRCROOT: &str = "%SRCROOT%";

/// The Microsoft page a catalog source refers to (`000` and `MS-2023`: Remote Credential Guard; `003`: the
/// Protected Users group); planning rules point at the project's README.
pub fn help_uri(source: &str) -> String {
    // A source of several ids (`MS-RCG-2023; MS-CSP`) points at the page of the first.
    match source.split(';').next().unwrap_or(source).trim() {
        "000" | "MS-2023" | "MS-RCG-2023" => {
            "https://learn.microsoft.com/windows/security/identity-protection/remote-credential-guard".into()
        }
        "003" | "MS-PU-2025" | "MS-2024-PU" | "MS-2025-PU" => "https://learn.microsoft.com/windows-server/security/credentials-protection-and-management/protected-users-security-group".into(),
        _ => format!("{INFORMATION_URI}#finding-codes"),
    }
}

/// GitHub's `security-severity` (a CVSS-like score: 7.0-8.9 high, 4.0-6.9 medium) for blocks and warnings;
/// actions and information carry none.
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Block => Some("8.0"),
        Severity::Warn => Some("5.0"),
        Severity::Action | Severity::Info => None,
    }
}

/// SARIF level of a severity: block -> error, action and warn -> warning, info -> note.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Block => "error",
        Severity::Action | Severity::Warn => "warning",
        Severity::Info => "note",
    }
}

fn area_tag(a: Area) -> &'static str {
    match a {
        Area::RemoteGuard => "remote-credential-guard",
        Area::RestrictedAdmin => "restricted-admin",
        Area::Policy => "client-policy",
        Area::ProtectedUsers => "protected-users",
        Area::Trust => "trust",
    }
}

/// `RCG-CLIENT-OS` -> `RcgClientOs`.
fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

fn source_text(r: &RuleInfo) -> String {
    let mut s = format!("Source: {}.", r.citation());
    if !r.quote.is_empty() {
        s.push_str(&format!(" \"{}\"", r.quote));
    }
    s
}

fn help_text(r: &RuleInfo) -> String {
    if r.fix.is_empty() {
        format!("Run `guardplan explain {}` for the fix.", r.code)
    } else {
        r.fix.to_string()
    }
}

fn rule(r: &RuleInfo) -> Value {
    let id = r.code.as_str();
    let mut properties =
        json!({ "tags": ["security", area_tag(r.area)], "severity": r.severity.as_str() });
    if let (Some(score), Some(obj)) = (security_severity(r.severity), properties.as_object_mut()) {
        obj.insert("security-severity".into(), json!(score));
    }
    json!({
        "id": id,
        "name": rule_name(id),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": format!("{} {}", r.title, source_text(r)) },
        "help": {
            "text": help_text(r),
            "markdown": format!("**{id}** ({}): {}\n\n{}\n\n**Fix:** {}", r.severity, r.title, source_text(r), help_text(r)),
        },
        "helpUri": help_uri(r.source),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": properties,
    })
}

/// A stable identity of a finding across runs, for alert tracking: code, path and mode, or for an estate-wide
/// finding its subjects.
fn fingerprint(f: &ReportFinding) -> String {
    let mode = f.mode.map_or("", |m| m.as_str());
    let mut hash = Sha256::new();
    match &f.path {
        Some(p) => hash.update(format!("{}|{p}|{mode}", f.code)),
        None => {
            // The subjects joined by commas, fed piece by piece rather than joined first.
            hash.update(format!("{}||{mode}|", f.code));
            for (i, s) in f.subjects.iter().enumerate() {
                if i > 0 {
                    hash.update(",");
                }
                hash.update(s);
            }
        }
    }
    let digest = hash.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn result(r: &Report, f: &ReportFinding) -> Value {
    let mut text = String::new();
    if let Some(p) = &f.path {
        text.push_str(&format!("Path `{p}`"));
        if let Some(m) = f.mode {
            text.push_str(&format!(" under {m}"));
        }
        text.push_str(": ");
    } else if let Some(m) = f.mode {
        text.push_str(&format!("Under {m}: "));
    }
    text.push_str(&f.message);
    let counts = f.counts_text();
    if !counts.is_empty() {
        text.push_str(&format!(" ({counts})"));
    }
    let rule_index = CATALOG.iter().position(|x| x.code == f.code).unwrap_or(0);
    let mut v = json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": r.uri(&f.location), "uriBaseId": SRCROOT },
                "region": { "startLine": f.location.line, "startColumn": f.location.col },
            }
        }],
        "partialFingerprints": { "guardplanFinding/v1": fingerprint(f) },
        "properties": {
            "path": f.path,
            "mode": f.mode.map(|m| m.as_str()),
            "count": f.subjects.len(),
        },
    });
    if let (Some(score), Some(props)) = (
        security_severity(f.severity),
        v.get_mut("properties").and_then(Value::as_object_mut),
    ) {
        props.insert("security-severity".into(), json!(score));
    }
    v
}

/// Renders the findings that apply to what would be rolled out and that no waiver accepts.
pub fn render(r: &Report) -> String {
    let rules: Vec<Value> = CATALOG.iter().map(rule).collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| f.applies && !f.waived())
        .map(|f| result(r, f))
        .collect();
    let mut doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "guardplan",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": [],
                }
            },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "The root of the repository that holds the inventory and the plan." } }
            },
            "columnKind": "unicodeCodePoints",
            "results": [],
        }]
    });
    // `json!` would copy the arrays it is given: move them in instead.
    for (slot, items) in [
        ("/runs/0/tool/driver/rules", rules),
        ("/runs/0/results", results),
    ] {
        if let Some(v) = doc.pointer_mut(slot) {
            *v = Value::Array(items);
        }
    }
    // Bidirectional and invisible characters of free text are written as `\uXXXX` escapes.
    // Keys in name order, whatever order serde_json keeps them in (a dependency asks for insertion order).
    doc.sort_all_objects();
    let mut out = Vec::new();
    let _ = serde_json::to_writer_pretty(crate::safe_text::VisibleJson(&mut out), &doc);
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

/// Checks the structure code scanning requires of a SARIF log: version, one run with the tool's version and
/// information URI and its rules (id, name, descriptions, help and help URI, default level), and results whose
/// `ruleIndex` matches their `ruleId`, with a known level, a message, no suppression (code scanning ignores them)
/// and a location at a URI relative to `%SRCROOT%` and a line.
pub fn validate(text: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let need = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };
    need(v["version"] == "2.1.0", "version is not 2.1.0")?;
    need(
        v["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0")),
        "no 2.1.0 $schema",
    )?;
    let runs = v["runs"].as_array().ok_or("no runs")?;
    need(runs.len() == 1, "not exactly one run")?;
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    for key in ["name", "version", "informationUri"] {
        need(driver[key].is_string(), &format!("no tool.driver.{key}"))?;
    }
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("no rules")?;
    let levels = ["error", "warning", "note"];
    for r in rules {
        let id = r["id"].as_str().ok_or("rule without id")?;
        for key in ["name", "shortDescription", "fullDescription", "help"] {
            need(!r[key].is_null(), &format!("rule {id} has no {key}"))?;
        }
        for key in ["shortDescription", "fullDescription", "help"] {
            need(
                r[key]["text"].is_string(),
                &format!("rule {id} has no {key}.text"),
            )?;
        }
        need(
            r["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://")),
            &format!("rule {id} has no helpUri"),
        )?;
        let level = r["defaultConfiguration"]["level"].as_str().unwrap_or("");
        need(
            levels.contains(&level),
            &format!("rule {id} has level `{level}`"),
        )?;
    }
    for res in run["results"].as_array().ok_or("no results")? {
        let id = res["ruleId"].as_str().ok_or("result without ruleId")?;
        let idx = res["ruleIndex"]
            .as_u64()
            .ok_or("result without ruleIndex")? as usize;
        need(
            rules.get(idx).is_some_and(|r| r["id"] == id),
            &format!("{id}: ruleIndex {idx} is another rule"),
        )?;
        need(
            levels.contains(&res["level"].as_str().unwrap_or("")),
            &format!("{id}: unknown level"),
        )?;
        need(
            res["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            &format!("{id}: no message"),
        )?;
        need(
            res.get("suppressions").is_none(),
            &format!("{id}: a waived finding is a result (code scanning would open an alert)"),
        )?;
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"]
            .as_str()
            .ok_or(format!("{id}: no uri"))?;
        need(
            !uri.is_empty() && !uri.starts_with('/') && !uri.contains(':') && !uri.contains('\\'),
            &format!("{id}: `{uri}` is not a relative URI"),
        )?;
        need(
            loc["artifactLocation"]["uriBaseId"] == SRCROOT,
            &format!("{id}: `{uri}` is not relative to {SRCROOT}"),
        )?;
        need(
            loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            &format!("{id}: no startLine"),
        )?;
    }
    Ok(())
}
