//! `guardplan plan init` and `guardplan diff` from the command line.

use assert_cmd::Command;
use predicates::str::contains;

fn guardplan() -> Command {
    Command::cargo_bin("guardplan").expect("binary built")
}

#[test]
fn plan_init_writes_once_and_diff_reports_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = dir.path().join("estate.toml");
    std::fs::write(&inv, guardplan::inventory::SAMPLE_TOML).expect("inventory");
    let plan = dir.path().join("rollout.plan.toml");
    guardplan()
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&plan)
        .assert()
        .success()
        .stderr(contains("guardplan check"));
    let text = std::fs::read_to_string(&plan).expect("plan written");
    assert!(text.contains("path = \"estate.toml\""), "{text}");

    // An existing plan is never replaced without --force.
    guardplan()
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&plan)
        .assert()
        .code(2)
        .stderr(contains("--force"));

    let old = dir.path().join("old.plan.toml");
    std::fs::copy(&plan, &old).expect("copy");
    let edited = text.replacen("mode = \"standard\"", "mode = \"restricted-admin\"", 1)
        + "\n[[waiver]]\ncode = \"RA-NO-LAPS\"\nscope = \"*\"\nreason = \"LAPS rollout in Q3\"\nexpires = 2020-01-01\n";
    std::fs::write(&plan, edited).expect("edit");
    guardplan()
        .arg("diff")
        .arg(&old)
        .arg(&plan)
        .args(["--format", "markdown", "--today", "2026-06-01"])
        .assert()
        .success()
        .stdout(contains("### Modes"))
        .stdout(contains("-> restricted-admin"))
        .stdout(contains("added RA-NO-LAPS on *"))
        .stdout(contains("expired RA-NO-LAPS on *"));

    guardplan()
        .arg("diff")
        .arg(&old)
        .arg(&old)
        .assert()
        .success()
        .stdout(contains("No semantic changes."));
}

#[test]
fn diff_of_a_broken_plan_is_an_input_error_with_a_position() {
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.plan.toml");
    std::fs::write(&bad, "version = 1\n[inventory]\npath = 3\n").expect("write");
    guardplan()
        .arg("diff")
        .arg(&bad)
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("bad.plan.toml:3:"));
}
