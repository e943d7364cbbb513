//! SARIF 2.1.0 for code scanning: rule metadata from the catalog, results located at the line in the inventory
//! or plan that each finding is about (relative URIs, so a pull request shows them inline).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Report, ReportFinding};
use crate::finding::Severity;
use crate::rules::{CATALOG, RuleInfo, catalog::Area};

/// The SARIF schema this output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

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
    json!({
        "id": id,
        "name": rule_name(id),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": format!("{} {}", r.title, source_text(r)) },
        "help": {
            "text": help_text(r),
            "markdown": format!("**{id}** ({}): {}\n\n{}\n\n**Fix:** {}", r.severity, r.title, source_text(r), help_text(r)),
        },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": { "tags": ["security", area_tag(r.area)], "severity": r.severity.as_str() },
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
                "artifactLocation": { "uri": r.uri(&f.location) },
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
    if let (Some(reason), Some(obj)) = (&f.waiver, v.as_object_mut()) {
        obj.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "status": "accepted", "justification": reason }]),
        );
    }
    v
}

/// Renders the findings that apply to what would be rolled out (waived ones as suppressed results).
pub fn render(r: &Report) -> String {
    let rules: Vec<Value> = CATALOG.iter().map(rule).collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| f.applies)
        .map(|f| result(r, f))
        .collect();
    let mut doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "guardplan",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": [],
                }
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
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Checks the structure code scanning requires of a SARIF log: version, one run with the tool's rules (id, name,
/// descriptions, help, default level), and results whose `ruleIndex` matches their `ruleId`, with a known level,
/// a message and a location at a relative URI and a line.
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
    need(
        run["tool"]["driver"]["name"].is_string(),
        "no tool.driver.name",
    )?;
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
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"]
            .as_str()
            .ok_or(format!("{id}: no uri"))?;
        need(
            !uri.is_empty() && !uri.starts_with('/') && !uri.contains(':') && !uri.contains('\\'),
            &format!("{id}: `{uri}` is not a relative URI"),
        )?;
        need(
            loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            &format!("{id}: no startLine"),
        )?;
    }
    Ok(())
}
