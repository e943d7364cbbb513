//! Snapshots of every report format for the sample plan `plans/contoso.plan.toml`, and their structure.

use std::path::Path;

use guardplan::check::{CheckFormat, build_report, render};
use guardplan::finding::Severity;
use guardplan::report::{Report, sarif};

const INVENTORY: &str = "assets/contoso.toml";
const PLAN: &str = "plans/contoso.plan.toml";

fn sample_plan() -> Report {
    match build_report(
        Some(Path::new(INVENTORY)),
        Some(Path::new(PLAN)),
        Severity::Block,
        crate::plan_common::TODAY,
    ) {
        Ok(r) => r,
        Err(e) => panic!("the sample plan does not check: {e}"),
    }
}

#[test]
fn sample_plan_reports() {
    let r = sample_plan();
    insta::assert_snapshot!("plan_text", render(&r, CheckFormat::Text));
    insta::assert_snapshot!("plan_markdown", render(&r, CheckFormat::Markdown));
    insta::assert_snapshot!("plan_sarif", render(&r, CheckFormat::Sarif));
    insta::assert_snapshot!("plan_json", render(&r, CheckFormat::Json));
}

#[test]
fn sample_plan_sarif_points_into_the_plan_and_the_inventory() {
    let out = render(&sample_plan(), CheckFormat::Sarif);
    assert_eq!(sarif::validate(&out), Ok(()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines = |file: &str| std::fs::read_to_string(file).unwrap().lines().count() as u64;
    let mut files = std::collections::BTreeSet::new();
    for res in v["runs"][0]["results"].as_array().unwrap() {
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap().to_string();
        let line = loc["region"]["startLine"].as_u64().unwrap();
        assert!(line <= lines(&uri), "{uri}:{line} is past the end");
        files.insert(uri);
    }
    // Findings on a chosen mode point at the plan's decision; estate-wide ones at the inventory.
    assert!(files.contains(PLAN), "{files:?}");
    assert!(files.contains(INVENTORY), "{files:?}");
}

#[test]
fn sample_plan_markdown_leads_with_the_verdict() {
    let r = sample_plan();
    let out = render(&r, CheckFormat::Markdown);
    let ready = format!(
        "| Stages ready | {} of {} |",
        r.stages_ready(),
        r.stages.len()
    );
    assert!(out.contains(&ready), "{ready}");
    assert!(!r.stages.is_empty());
    for (i, s) in r.stages.iter().enumerate() {
        assert!(
            out.contains(&format!("#### {}. `{}`", i + 1, s.name)),
            "stage {}",
            s.name
        );
    }
    let verdict = out.find("## guardplan: ").unwrap();
    let approval = out
        .find("**Needs approval**")
        .or_else(|| out.find("**Nothing needs approval.**"))
        .unwrap();
    let counts = out.find("| Blockers |").unwrap();
    let stages = out.find("<details><summary>Stages").unwrap();
    let graph = out.find("```mermaid").unwrap();
    assert!(verdict < approval && approval < counts && counts < stages && stages < graph);
}

#[test]
fn the_json_verdict_matches_the_exit_code_rule() {
    let r = sample_plan();
    let v: serde_json::Value = serde_json::from_str(&render(&r, CheckFormat::Json)).unwrap();
    let unwaived_blocks = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["applies"] == true && f["waived"] == false && f["severity"] == "block")
        .count();
    assert_eq!(v["summary"]["block"], unwaived_blocks);
    let result = if unwaived_blocks > 0 { "fail" } else { "pass" };
    assert_eq!(v["summary"]["result"], result);
}

#[test]
fn the_sample_plan_exceptions_reach_every_report() {
    let r = sample_plan();
    let v: serde_json::Value = serde_json::from_str(&render(&r, CheckFormat::Json)).unwrap();
    let app = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "app-owners")
        .expect("app-owners");
    assert_eq!(app["chosen"], "remote-guard");
    assert_eq!(app["pairs"], 2);
    assert_eq!(app["pairs_protected"], 1);
    assert_eq!(app["modes"]["remote-guard"]["pairs_blocked"], 1);
    let e = &app["exceptions"][0];
    assert_eq!(e["targets"][0], "host:SRV-REPORT-01");
    assert_eq!(e["mode"], "standard");
    assert_eq!(e["pairs"], 1);
    assert_eq!(e["needed"], true);
    assert!(
        e["remediation"]
            .as_str()
            .unwrap()
            .starts_with("RCG-NO-RDP-RIGHT")
    );
    // The summary adds up the paths.
    let sum = |key: &str| -> u64 {
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[key].as_u64().unwrap())
            .sum()
    };
    assert_eq!(v["summary"]["pairs"].as_u64(), Some(sum("pairs")));
    assert_eq!(
        v["summary"]["pairs_protected"].as_u64(),
        Some(sum("pairs_protected"))
    );
    let servable = v["summary"]["pairs_servable"].as_u64().unwrap();
    assert!(sum("pairs_protected") <= servable);
    // Markdown lists the exception with its remediation, text gives the figures.
    let md = render(&r, CheckFormat::Markdown);
    assert!(md.contains("Exceptions (2)"), "{md}");
    assert!(
        md.contains("`app-owners` stays on `standard` for 1 pair: targets `host:SRV-REPORT-01`"),
        "{md}"
    );
    assert!(md.contains("  - Remediation: RCG-NO-RDP-RIGHT"), "{md}");
    let text = render(&r, CheckFormat::Text);
    assert!(
        text.contains(&format!(
            "pairs: {} of {servable} servable protected",
            sum("pairs_protected")
        )),
        "{text}"
    );
    // An excepted target blocks neither the check nor the stage order.
    assert!(
        !text.contains("SRV-REPORT-01 (1 of them in no stage)"),
        "{text}"
    );
}
