//! Snapshots of every report format for the embedded sample, and their structure.

use guardplan::check::{CheckFormat, build_report, render};
use guardplan::finding::Severity;
use guardplan::report::{Report, sarif};

fn sample() -> Report {
    match build_report(None, None, Severity::Block, crate::plan_common::TODAY) {
        Ok(r) => r,
        Err(e) => panic!("the embedded sample does not check: {e}"),
    }
}

#[test]
fn sample_reports() {
    let r = sample();
    insta::assert_snapshot!("sample_text", render(&r, CheckFormat::Text));
    insta::assert_snapshot!("sample_markdown", render(&r, CheckFormat::Markdown));
    insta::assert_snapshot!("sample_sarif", render(&r, CheckFormat::Sarif));
    insta::assert_snapshot!("sample_json", render(&r, CheckFormat::Json));
}

#[test]
fn sample_sarif_is_valid_and_points_into_the_sample() {
    let out = render(&sample(), CheckFormat::Sarif);
    assert_eq!(sarif::validate(&out), Ok(()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sample_lines = guardplan::inventory::SAMPLE_TOML.lines().count() as u64;
    for res in v["runs"][0]["results"].as_array().unwrap() {
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "assets/contoso.toml");
        let line = loc["region"]["startLine"].as_u64().unwrap();
        assert!(line >= 1 && line <= sample_lines, "line {line}");
    }
}

#[test]
fn sample_markdown_stays_within_github_limits() {
    let out = render(&sample(), CheckFormat::Markdown);
    // GitHub refuses comments over 65,536 characters.
    assert!(out.chars().count() < 65_536);
    let graph = out
        .split("```mermaid\n")
        .nth(1)
        .and_then(|g| g.split("```").next())
        .expect("a mermaid block");
    assert!(graph.lines().filter(|l| l.contains("--")).count() < 500);
}

/// The sample's JSON report.
fn sample_json() -> serde_json::Value {
    serde_json::from_str(&render(&sample(), CheckFormat::Json)).expect("JSON")
}

#[test]
fn the_text_report_counts_what_the_json_report_lists() {
    let r = sample();
    let v = sample_json();
    let text = render(&r, CheckFormat::Text);
    let s = &v["summary"];
    let applies = |sev: &str| {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["applies"] == true && f["waived"] == false && f["severity"] == sev)
            .count()
    };
    for sev in ["block", "action", "warn", "info"] {
        assert_eq!(s[sev], applies(sev), "summary.{sev}");
    }
    let headline = format!(
        "{}  {} block, {} action, {} warn, {} info",
        if s["result"] == "fail" {
            "FAIL"
        } else {
            "PASS"
        },
        s["block"],
        s["action"],
        s["warn"],
        s["info"]
    );
    assert!(text.contains(&headline), "no `{headline}` in:\n{text}");
    // Each BLOCK heading of the text names a block finding of the JSON, with its place in the file.
    for f in v["findings"].as_array().expect("findings") {
        if f["applies"] == true && f["severity"] == "block" {
            let at = format!(
                "{}:{}",
                f["location"]["file"].as_str().expect("file"),
                f["location"]["line"]
            );
            let code = f["code"].as_str().expect("code");
            assert!(
                text.lines().any(|l| l.contains(code)) && text.contains(&at),
                "{code} at {at} is not in the text report"
            );
        }
    }
}

#[test]
fn every_finding_that_applies_is_a_sarif_result_at_the_same_line() {
    let v = sample_json();
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&sample(), CheckFormat::Sarif)).expect("JSON");
    let mut from_json: Vec<(String, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["applies"] == true)
        .map(|f| {
            (
                f["code"].as_str().expect("code").to_string(),
                f["location"]["line"].as_u64().expect("line"),
            )
        })
        .collect();
    let mut from_sarif: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().expect("ruleId").to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .expect("line"),
            )
        })
        .collect();
    from_json.sort();
    from_sarif.sort();
    assert!(!from_json.is_empty());
    assert_eq!(from_json, from_sarif);
}

#[test]
fn recommendations_follow_microsofts_guidance_in_the_sample() {
    let v = sample_json();
    let paths = v["paths"].as_array().expect("paths");
    let verdict = |p: &serde_json::Value, mode: &str| p["modes"][mode]["verdict"].clone();
    let mut helpdesk = 0;
    for p in paths {
        let name = p["name"].as_str().expect("name");
        let modes = ["remote-guard", "restricted-admin", "prefer-remote-guard"];
        // A path where no mode serves a (user, target) pair has no recommendation, and is counted as such.
        let pairs = p["pairs"].as_u64().expect("pairs");
        let serves_none = |m: &str| p["modes"][m]["pairs_blocked"].as_u64() == Some(pairs);
        if modes.iter().all(|m| serves_none(m)) && verdict(p, "standard") == "block" {
            assert!(p["recommended"].is_null(), "{name}");
        }
        // A recommended mode serves pairs; what it blocks is the exception the plan would carry.
        if let Some(m) = p["recommended"].as_str().filter(|_| pairs > 0) {
            assert!(!serves_none(m), "{name}");
            let blocked = p["modes"][m]["pairs_blocked"]
                .as_u64()
                .expect("pairs_blocked");
            let excepted: u64 = p["exceptions"]
                .as_array()
                .expect("exceptions")
                .iter()
                .map(|e| e["pairs"].as_u64().expect("pairs"))
                .sum();
            assert!(excepted >= blocked, "{name}: {excepted} < {blocked}");
        }
        // "Microsoft recommends that Windows Defender Remote Credential Guard should not be used" for
        // helpdesk: Restricted Admin where it works, and RCG-HELPDESK raised under remote-guard.
        if p["purpose"] == "helpdesk" {
            helpdesk += 1;
            assert_ne!(p["recommended"], "remote-guard", "{name}");
            assert!(
                p["modes"]["remote-guard"]["codes"]
                    .as_array()
                    .expect("codes")
                    .iter()
                    .any(|c| c == "RCG-HELPDESK"),
                "{name}"
            );
            if verdict(p, "restricted-admin") != "block" {
                assert_eq!(p["recommended"], "restricted-admin", "{name}");
            }
        }
    }
    assert!(helpdesk >= 1, "the sample has no helpdesk path");
    let none = paths.iter().filter(|p| p["recommended"].is_null()).count();
    assert_eq!(v["summary"]["paths_without_mode"], none);
    assert_eq!(v["summary"]["paths"], paths.len());
}
