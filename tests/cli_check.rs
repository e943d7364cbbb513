//! The command-line contract of `guardplan check` and `guardplan export`: exit codes, formats, determinism.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn guardplan() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

const HEADER: &str = r#"version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "SRV-01"
domain = "corp.contoso.com"
join = "ad"
os = "server-2022"
roles = ["server"]
"#;

/// A service account in Protected Users: its authentication fails, whatever mode is rolled out.
const SERVICE_IN_PROTECTED_USERS: &str = r#"
[[host]]
name = "PAW-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[user]]
name = "svc-backup"
domain = "corp.contoso.com"
kind = "service"
protected_users = true

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[path]]
name = "tier1-admin"
purpose = "admin"
who = ["user:CORP\\alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-01"]
"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

#[test]
fn clean_inventory_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(&dir, "estate.toml", HEADER);
    guardplan()
        .arg("check")
        .arg(&inv)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS  0 block"));
}

#[test]
fn unwaived_block_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        &dir,
        "estate.toml",
        &format!("{HEADER}{SERVICE_IN_PROTECTED_USERS}"),
    );
    for format in ["text", "json", "sarif", "markdown"] {
        guardplan()
            .args(["check", "--format", format])
            .arg(&inv)
            .assert()
            .code(1);
    }
}

#[test]
fn input_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(&dir, "broken.toml", "version = 1\n[[domain]\n");
    guardplan()
        .arg("check")
        .arg(&broken)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.toml:2:"));
    guardplan()
        .args(["check", "does-not-exist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist.toml"));
    guardplan()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    guardplan()
        .args(["check", "--deny", "info"])
        .assert()
        .code(2);
}

#[test]
fn json_report_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        &dir,
        "estate.toml",
        &format!("{HEADER}{SERVICE_IN_PROTECTED_USERS}"),
    );
    let out = guardplan()
        .args(["check", "--format", "json"])
        .arg(&inv)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["result"], "fail");
    for key in ["block", "action", "warn", "info", "waived"] {
        assert!(v["summary"][key].is_u64(), "summary.{key}");
    }
    let paths = v["paths"].as_array().expect("paths");
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0]["name"], "tier1-admin");
    for mode in [
        "standard",
        "remote-guard",
        "restricted-admin",
        "prefer-remote-guard",
    ] {
        assert!(
            paths[0]["modes"][mode]["verdict"].is_string(),
            "modes.{mode}"
        );
        assert!(paths[0]["modes"][mode]["codes"].is_array());
    }
    for key in ["purpose", "recommended", "chosen", "rationale"] {
        assert!(paths[0].get(key).is_some(), "paths[].{key}");
    }
    for f in v["findings"].as_array().expect("findings") {
        for key in [
            "code", "severity", "path", "mode", "subjects", "count", "message", "source", "waived",
        ] {
            assert!(f.get(key).is_some(), "findings[].{key}");
        }
        assert_eq!(
            f["count"].as_u64(),
            Some(f["subjects"].as_array().unwrap().len() as u64)
        );
    }
}

#[test]
fn every_format_is_deterministic_and_plain_without_a_terminal() {
    for format in ["text", "json", "sarif", "markdown"] {
        let run = || {
            guardplan()
                .args(["check", "--format", format])
                .output()
                .unwrap()
        };
        let (a, b) = (run(), run());
        assert_eq!(a.stdout, b.stdout, "{format} differs between runs");
        assert_eq!(a.status.code(), b.status.code());
        assert!(!a.stdout.contains(&0x1b), "{format} has escape codes");
        assert!(!a.stdout.is_empty());
    }
}

/// The embedded sample inventory in a fresh directory with a plan made for it by `plan init`.
fn sample_with_plan() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "contoso.toml", guardplan::inventory::SAMPLE_TOML);
    guardplan()
        .current_dir(dir.path())
        .args(["plan", "init", "contoso.toml", "-o", "contoso.plan.toml"])
        .assert()
        .success();
    dir
}

/// `guardplan check contoso.toml --plan contoso.plan.toml --format FORMAT` in `dir`.
fn check_plan(dir: &tempfile::TempDir, format: &str) -> std::process::Output {
    guardplan()
        .current_dir(dir.path())
        .args([
            "check",
            "contoso.toml",
            "--plan",
            "contoso.plan.toml",
            "--format",
            format,
        ])
        .output()
        .unwrap()
}

/// The estate with a service account in Protected Users, and a plan made for it by `plan init`, with `waiver`
/// appended to the plan.
fn blocked_estate_with_plan(waiver: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "estate.toml",
        &format!("{HEADER}{SERVICE_IN_PROTECTED_USERS}"),
    );
    guardplan()
        .current_dir(dir.path())
        .args(["plan", "init", "estate.toml", "-o", "estate.plan.toml"])
        .assert()
        .success();
    let plan = dir.path().join("estate.plan.toml");
    let text = std::fs::read_to_string(&plan).unwrap() + waiver;
    std::fs::write(&plan, text).unwrap();
    dir
}

/// `guardplan check estate.toml --plan estate.plan.toml --format json` in `dir`, on the day `today`.
fn check_blocked(dir: &tempfile::TempDir, today: &str) -> (Option<i32>, serde_json::Value) {
    let out = guardplan()
        .current_dir(dir.path())
        .env("GUARDPLAN_TODAY", today)
        .args(["check", "estate.toml", "--plan", "estate.plan.toml"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), v)
}

const WAIVER: &str = "\n[[waiver]]\ncode = \"PU-SERVICE-ACCOUNT\"\nscope = \"user:svc-backup\"\n\
reason = \"the backup job moves to a gMSA in March\"\nexpires = 2026-03-01\n";

#[test]
fn a_plan_is_checked_and_exits_by_its_blocks() {
    // Without a waiver the service account in Protected Users blocks: exit 1.
    let dir = blocked_estate_with_plan("");
    let (code, v) = check_blocked(&dir, "2026-02-01");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["plan"], "estate.plan.toml");
    assert_eq!(v["summary"]["result"], "fail");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "PU-SERVICE-ACCOUNT" && f["severity"] == "block"),
        "{v}"
    );
    assert!(v["stages"].as_array().is_some_and(|s| !s.is_empty()));

    // A waiver accepts it until it expires: exit 0 up to its last day, 1 from the next.
    let dir = blocked_estate_with_plan(WAIVER);
    for (today, expected, expired) in [
        ("2026-02-01", 0, false),
        ("2026-03-01", 0, false),
        ("2026-03-02", 1, true),
    ] {
        let (code, v) = check_blocked(&dir, today);
        assert_eq!(code, Some(expected), "on {today}: {v}");
        assert_eq!(v["waivers"][0]["expired"], expired, "on {today}: {v}");
    }
}

#[test]
fn guardplan_today_must_be_a_date() {
    let dir = blocked_estate_with_plan(WAIVER);
    guardplan()
        .current_dir(dir.path())
        .env("GUARDPLAN_TODAY", "next tuesday")
        .args(["check", "estate.toml", "--plan", "estate.plan.toml"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "GUARDPLAN_TODAY: `next tuesday` is not a date YYYY-MM-DD",
        ));
}

#[test]
fn a_stale_plan_exits_2() {
    let dir = sample_with_plan();
    let inv = dir.path().join("contoso.toml");
    let mut text = std::fs::read_to_string(&inv).unwrap();
    text.push_str("\n[[host]]\nname = \"NEW-SRV-01\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\n");
    std::fs::write(&inv, text).unwrap();
    for args in [
        &["check", "contoso.toml", "--plan", "contoso.plan.toml"][..],
        &[
            "export",
            "contoso.toml",
            "--plan",
            "contoso.plan.toml",
            "--format",
            "markdown",
        ][..],
    ] {
        guardplan()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("stale"));
    }
}

#[test]
fn export_writes_the_reports_of_check() {
    let dir = sample_with_plan();
    let base = ["contoso.toml", "--plan", "contoso.plan.toml", "--format"];
    for format in ["markdown", "json", "sarif"] {
        let checked = guardplan()
            .current_dir(dir.path())
            .arg("check")
            .args(base)
            .arg(format)
            .output()
            .unwrap();
        guardplan()
            .current_dir(dir.path())
            .arg("export")
            .args(base)
            .args([format, "-o", "report.out"])
            .assert()
            .code(0);
        let exported = std::fs::read(dir.path().join("report.out")).unwrap();
        assert_eq!(exported, checked.stdout, "{format}");
    }
}

#[test]
fn export_scripts_needs_a_directory_and_writes_one_per_stage() {
    let dir = sample_with_plan();
    let base = [
        "export",
        "contoso.toml",
        "--plan",
        "contoso.plan.toml",
        "--format",
        "scripts",
    ];
    guardplan()
        .current_dir(dir.path())
        .args(base)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o DIR"));
    guardplan()
        .current_dir(dir.path())
        .args(base)
        .args(["-o", "stages"])
        .assert()
        .code(0);
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("stages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    // Each stage that changes something has its script and its rollback, named `NN-NAME`; the others none.
    let inv = guardplan::inventory::load_file(&dir.path().join("contoso.toml")).unwrap();
    let (plan, _) = guardplan::plan::io::load(&dir.path().join("contoso.plan.toml")).unwrap();
    let ws = guardplan::plan::Workspace::new(inv, Some(plan), crate::plan_common::TODAY);
    let mut with_scripts = 0;
    for (i, stage) in ws.plan.stages.iter().enumerate() {
        let base = format!("{:02}-{}", i + 1, stage.name);
        let has = |name: &str| written.iter().any(|f| *f == name);
        if ws.assessment().stages[i].actions.is_empty() {
            assert!(
                !written.iter().any(|f| f.starts_with(&base)),
                "{base} changes nothing: {written:?}"
            );
        } else {
            with_scripts += 1;
            assert!(has(&format!("{base}.ps1")), "{base}.ps1: {written:?}");
            assert!(
                has(&format!("{base}.rollback.ps1")),
                "{base}.rollback.ps1: {written:?}"
            );
        }
    }
    assert!(with_scripts >= 3, "{with_scripts} stages with scripts");
    // Nothing else: every file belongs to a stage, and is what the script generator gives.
    let expected: Vec<String> = guardplan::plan::scripts::stage_scripts(&ws)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(written, expected);
}

/// A helpdesk path to a workstation prepared for Restricted Admin, whose only finding is the missing LAPS.
fn helpdesk_estate(laps: bool) -> String {
    format!(
        r#"version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "HD-CON-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["helpdesk-console"]

[[host]]
name = "WS-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["workstation"]
disable_restricted_admin = 0
allow_protected_creds = true
laps = {laps}
administrators = ["CORP\\hd-dave"]

[[user]]
name = "hd-dave"
domain = "corp.contoso.com"
roles = ["helpdesk"]
protected_users = true

[[path]]
name = "helpdesk"
purpose = "helpdesk"
who = ["user:CORP\\hd-dave"]
from = ["host:HD-CON-01"]
to = ["host:WS-01"]
"#
    )
}

#[test]
fn deny_sets_the_lowest_failing_severity() {
    let dir = tempfile::tempdir().unwrap();
    let no_laps = write(&dir, "no-laps.toml", &helpdesk_estate(false));
    let laps = write(&dir, "laps.toml", &helpdesk_estate(true));
    let run = |inv: &PathBuf, deny: &[&str]| {
        guardplan()
            .arg("check")
            .arg(inv)
            .args(deny)
            .output()
            .unwrap()
            .status
            .code()
    };
    // RA-NO-LAPS is a warning: it fails only with --deny warn.
    assert_eq!(run(&no_laps, &[]), Some(0));
    assert_eq!(run(&no_laps, &["--deny", "action"]), Some(0));
    assert_eq!(run(&no_laps, &["--deny", "warn"]), Some(1));
    assert_eq!(run(&laps, &["--deny", "warn"]), Some(0));
    guardplan()
        .arg("check")
        .arg(&no_laps)
        .assert()
        .stdout(predicate::str::contains("PASS  0 block, 0 action, 1 warn"))
        .stdout(predicate::str::contains("RA-NO-LAPS"));
}

#[test]
fn plan_reports_are_deterministic() {
    let dir = sample_with_plan();
    for format in ["text", "json", "sarif", "markdown"] {
        let (a, b) = (check_plan(&dir, format), check_plan(&dir, format));
        assert!(!a.stdout.is_empty(), "{format}");
        assert_eq!(a.stdout, b.stdout, "{format} differs between runs");
    }
}

#[test]
fn json_and_sarif_spell_out_bidirectional_characters_of_free_text() {
    let dir = sample_with_plan();
    let plan = dir.path().join("contoso.plan.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    // A stage description that reverses what follows it in any viewer that honours the characters.
    let first =
        text.find("description = \"").expect("a stage description") + "description = \"".len();
    let edited = format!(
        "{}exe.\u{202E}txt\u{202C} {}",
        &text[..first],
        &text[first..]
    );
    std::fs::write(&plan, edited).unwrap();
    for format in ["json", "sarif"] {
        let out = check_plan(&dir, format);
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout.contains('\u{202E}'),
            "{format} writes U+202E as it is"
        );
    }
    let out = check_plan(&dir, "json");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("exe.\\u202etxt\\u202c"),
        "the escapes stand in the text"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let described = v["stages"].as_array().unwrap().iter().any(|s| {
        s["description"]
            .as_str()
            .unwrap_or("")
            .contains("exe.\u{202E}txt\u{202C}")
    });
    assert!(described, "the value is the description as written");
}
