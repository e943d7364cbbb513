//! Reports and inventories checked against their JSON Schemas by an independent validator: SARIF against the
//! official SARIF 2.1.0 schema (OASIS, errata 01, in `tests/fixtures/sarif/`), inventories against
//! `assets/inventory.schema.json`, the schema editors use.

use std::path::Path;

use assert_cmd::Command;
use guardplan::check::{CheckFormat, build_report, render};
use guardplan::finding::Severity;
use serde_json::Value;

use crate::plan_common::TODAY;

fn validator(schema_text: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema_text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn sarif_schema() -> jsonschema::Validator {
    validator(include_str!("fixtures/sarif/sarif-schema-2.1.0.json"))
}

/// Every way `instance` breaks the schema, one per line with where.
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid_sarif(what: &str, text: &str) {
    let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errs = errors(&sarif_schema(), &log);
    assert!(
        errs.is_empty(),
        "{what} breaks the SARIF 2.1.0 schema:\n{}",
        errs.join("\n")
    );
}

#[test]
fn sarif_reports_follow_the_official_schema() {
    let sample = build_report(None, None, Severity::Block, TODAY).expect("the sample checks");
    assert_valid_sarif("the sample", &render(&sample, CheckFormat::Sarif));
    let planned = build_report(
        Some(Path::new("assets/contoso.toml")),
        Some(Path::new("plans/contoso.plan.toml")),
        Severity::Block,
        TODAY,
    )
    .expect("the sample plan checks");
    assert_valid_sarif("the sample plan", &render(&planned, CheckFormat::Sarif));
}

#[test]
fn a_sarif_report_with_waived_findings_follows_the_official_schema() {
    // A waiver adds suppressions to the results it accepts.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("contoso.toml"),
        guardplan::inventory::SAMPLE_TOML,
    )
    .expect("write");
    let guardplan = || {
        let mut cmd = Command::cargo_bin("guardplan").expect("binary");
        cmd.current_dir(dir.path())
            .env("GUARDPLAN_TODAY", "2026-06-01");
        cmd
    };
    guardplan()
        .args(["plan", "init", "contoso.toml", "-o", "p.plan.toml"])
        .assert()
        .success();
    let report = |plan: &str| {
        let out = guardplan()
            .args(["check", "contoso.toml", "--plan", plan, "--format", "sarif"])
            .output()
            .expect("run");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let before: Value = serde_json::from_str(&report("p.plan.toml")).expect("JSON");
    let first = &before["runs"][0]["results"][0];
    let code = first["ruleId"].as_str().expect("a finding");
    let mut plan = std::fs::read_to_string(dir.path().join("p.plan.toml")).expect("read");
    plan.push_str(&format!(
        "\n[[waiver]]\ncode = \"{code}\"\nscope = \"*\"\nreason = \"accepted for the pilot\"\n"
    ));
    std::fs::write(dir.path().join("w.plan.toml"), plan).expect("write");
    let text = report("w.plan.toml");
    // Code scanning ignores suppressions, so a waived finding is left out of the results.
    let after: Value = serde_json::from_str(&text).expect("JSON");
    let count = |v: &Value| {
        v["runs"][0]["results"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|r| r["ruleId"] == code).count())
    };
    assert!(count(&before) > 0);
    assert_eq!(
        count(&after),
        0,
        "the waived finding is still a result:\n{text}"
    );
    assert_valid_sarif("a report with a waiver", &text);
}

#[test]
fn the_official_schema_rejects_what_a_reader_would() {
    // Without this the checks above could pass on a schema that accepts anything.
    let sample = build_report(None, None, Severity::Block, TODAY).expect("the sample checks");
    let good: Value =
        serde_json::from_str(&render(&sample, CheckFormat::Sarif)).expect("SARIF is JSON");
    let schema = sarif_schema();
    assert!(errors(&schema, &good).is_empty());
    let broken = |change: fn(&mut Value)| {
        let mut v = good.clone();
        change(&mut v);
        v
    };
    for (what, bad) in [
        (
            "a level SARIF does not know",
            broken(|v| v["runs"][0]["results"][0]["level"] = "fatal".into()),
        ),
        (
            "a run without its tool",
            broken(|v| {
                v["runs"][0].as_object_mut().map(|r| r.remove("tool"));
            }),
        ),
        (
            "another SARIF version",
            broken(|v| v["version"] = "2.0.0".into()),
        ),
        (
            "a line number below 1",
            broken(|v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                    0.into()
            }),
        ),
    ] {
        assert!(!errors(&schema, &bad).is_empty(), "{what} passes");
    }
}

fn inventory_schema() -> jsonschema::Validator {
    validator(include_str!("../assets/inventory.schema.json"))
}

/// An inventory's TOML as the JSON the schema describes.
fn as_json(text: &str) -> Result<Value, toml::de::Error> {
    toml::from_str(text)
}

#[test]
fn the_sample_inventory_follows_its_schema() {
    let schema = inventory_schema();
    let sample = as_json(guardplan::inventory::SAMPLE_TOML).expect("TOML");
    let errs = errors(&schema, &sample);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let mut broken = sample.clone();
    broken["host"][0]["os"] = "windows-12".into();
    assert!(!errors(&schema, &broken).is_empty(), "an unknown OS passes");
}

/// Problems of the file's shape, which the schema describes, as the loader words them; the others (unknown
/// names, duplicates, trust topology, name rules) need the whole estate and are the loader's alone.
const SHAPE_PROBLEMS: &[&str] = &[
    "unknown field",
    "unknown top-level key",
    "unknown variant",
    "invalid type",
    "missing field",
    "missing key",
];

#[test]
fn the_inventory_schema_agrees_with_the_loader_on_the_bad_inputs() {
    let schema = inventory_schema();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/bad_inputs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let (mut accepted, mut rejected) = (0, 0);
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let expect: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        // Inputs that are not TOML at all (syntax, nesting too deep) never reach a schema.
        let Ok(json) = as_json(&text) else {
            assert!(
                expect
                    .iter()
                    .all(|e| !SHAPE_PROBLEMS.iter().any(|p| e.contains(p))),
                "{name}: not TOML, but the loader found a shape problem"
            );
            continue;
        };
        let errs = errors(&schema, &json);
        if expect == ["ok"] {
            assert!(
                errs.is_empty(),
                "{name} loads but breaks the schema:\n{}",
                errs.join("\n")
            );
            accepted += 1;
        } else if expect
            .iter()
            .any(|e| SHAPE_PROBLEMS.iter().any(|p| e.contains(p)))
        {
            assert!(
                !errs.is_empty(),
                "{name}: the schema accepts what the loader refuses: {expect:?}"
            );
            rejected += 1;
        }
    }
    assert!(
        accepted >= 1 && rejected >= 8,
        "{accepted} accepted, {rejected} rejected"
    );
}
