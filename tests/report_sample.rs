//! Snapshots of every report format for the embedded sample, and their structure.

use guardplan::commands::check::{CheckFormat, build_report, render};
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
