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

#[test]
fn plan_init_force_replaces_an_existing_plan() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = dir.path().join("estate.toml");
    std::fs::write(&inv, guardplan::inventory::SAMPLE_TOML).expect("inventory");
    let plan = dir.path().join("rollout.plan.toml");
    std::fs::write(&plan, "# an older plan\n").expect("write");
    let init = |force: bool| {
        let mut cmd = guardplan();
        cmd.args(["plan", "init"]).arg(&inv).arg("-o").arg(&plan);
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    init(false).code(2).stderr(contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&plan).expect("read"),
        "# an older plan\n",
        "refused, and untouched"
    );
    init(true).success();
    let (written, _) = guardplan::plan::io::load(&plan).expect("a plan");
    let inventory = guardplan::inventory::load_file(&inv).expect("loads");
    assert_eq!(
        written.inventory.fingerprint,
        guardplan::plan::io::fingerprint(&inventory)
    );
    assert_eq!(written.decisions.len(), inventory.paths.len());
}

#[test]
fn diff_exits_1_when_a_new_blocker_appears() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = dir.path().join("contoso.toml");
    std::fs::write(&inv, guardplan::inventory::SAMPLE_TOML).expect("inventory");
    let old = dir.path().join("old.plan.toml");
    guardplan()
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&old)
        .assert()
        .success();
    // tier1-server-admin moves from restricted-admin to remote-guard, which SRV-LEGACY-01 cannot take.
    let text = std::fs::read_to_string(&old).expect("read");
    let from = "path = \"tier1-server-admin\"\nmode = \"restricted-admin\"";
    assert!(text.contains(from), "{text}");
    let new = dir.path().join("new.plan.toml");
    std::fs::write(
        &new,
        text.replace(
            from,
            "path = \"tier1-server-admin\"\nmode = \"remote-guard\"",
        ),
    )
    .expect("write");
    let diff = |a: &std::path::Path, b: &std::path::Path| {
        let mut cmd = guardplan();
        cmd.arg("diff").arg(a).arg(b).arg("--inventory").arg(&inv);
        cmd.assert()
    };
    diff(&old, &new)
        .code(1)
        .stdout(contains("New blockers:"))
        .stdout(contains("RCG-TARGET-OS"))
        .stdout(contains("SRV-LEGACY-01"));
    // The way back resolves them: exit 0.
    diff(&new, &old)
        .code(0)
        .stdout(contains("Resolved blockers:"))
        .stdout(contains("RCG-TARGET-OS"));
    // Without the inventory no blocker is judged: exit 0.
    guardplan()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .assert()
        .code(0)
        .stdout(contains("-> remote-guard"));
}

#[test]
fn the_terminal_shows_500_problems_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = dir.path().join("typos.toml");
    let mut text = String::from(
        "version = 1\n\n[[domain]]\ndns = \"corp.example.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n",
    );
    for i in 0..620 {
        text.push_str(&format!(
            "\n[[host]]\nname = \"SRV{i:03}\"\ndomain = \"corp.example.com\"\njoin = \"ad\"\nos = \"server-2022\"\nlpas = true\n"
        ));
    }
    std::fs::write(&inv, text).expect("write");
    let out = guardplan().arg("check").arg(&inv).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("unknown field `lpas`").count(), 500, "{err}");
    assert!(err.contains("... and 120 more"), "{err}");
    assert!(err.contains("620 problems found"), "{err}");
    // The first shown is the first in the file, the last shown the 500th.
    assert!(err.contains("typos.toml:13:1:"), "{err}");
    let last_line = 7 + 499 * 7 + 6;
    assert!(err.contains(&format!("typos.toml:{last_line}:1:")), "{err}");
    assert!(!err.contains(&format!("typos.toml:{}:1:", last_line + 7)));
}
