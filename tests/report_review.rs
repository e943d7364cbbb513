//! What a pull-request review gets: SARIF that code scanning places from any working directory, and the
//! Markdown comment.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn guardplan() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn write(path: &Path, text: &str) -> PathBuf {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create fixture folder");
    }
    std::fs::write(path, text).expect("write fixture");
    path.to_path_buf()
}

/// An Entra ID joined target: remote-guard is blocked on its only path.
const ESTATE: &str = r#"version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "PAW-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[host]]
name = "SRV-01"
join = "entra"
os = "server-2022"
roles = ["server"]

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

fn sarif_uris(out: &[u8]) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(out).expect("SARIF on stdout");
    v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                a["uri"].as_str().unwrap_or_default().to_string(),
                a["uriBaseId"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_uris_are_relative_to_the_git_root_from_any_directory() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(&repo.path().join("estate/prod.toml"), ESTATE);
    let plans = repo.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    let out = guardplan()
        .current_dir(&plans)
        .args(["check", "../estate/prod.toml", "--format", "sarif"])
        .output()
        .unwrap();
    let uris = sarif_uris(&out.stdout);
    assert!(!uris.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    for (uri, base) in &uris {
        assert_eq!(uri, "estate/prod.toml");
        assert_eq!(base, "%SRCROOT%");
    }
}

#[test]
fn repo_root_overrides_the_git_root() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let inv = write(&repo.path().join("estate/prod.toml"), ESTATE);
    let out = guardplan()
        .args(["check", "--format", "sarif", "--repo-root"])
        .arg(repo.path().join("estate"))
        .arg(&inv)
        .output()
        .unwrap();
    let uris = sarif_uris(&out.stdout);
    assert!(!uris.is_empty());
    assert!(uris.iter().all(|(uri, _)| uri == "prod.toml"), "{uris:?}");
}

#[test]
fn the_comment_says_what_the_change_does_against_the_base_plan() {
    let dir = tempfile::tempdir().unwrap();
    let head = std::fs::read_to_string("plans/contoso.plan.toml").unwrap();
    let decision = "path = \"helpdesk-workstations\"\nmode = \"restricted-admin\"";
    assert!(head.contains(decision));
    let base = write(
        &dir.path().join("base.plan.toml"),
        &head.replace(
            decision,
            "path = \"helpdesk-workstations\"\nmode = \"standard\"",
        ),
    );
    let out = guardplan()
        .args([
            "check",
            "assets/contoso.toml",
            "--plan",
            "plans/contoso.plan.toml",
        ])
        .args(["--format", "markdown", "--base-plan"])
        .arg(&base)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let change = text
        .find("### What this change does to the rollout")
        .unwrap();
    assert!(text.find("**Blocks the merge:**").unwrap() < change);
    assert!(change < text.find("<details>").unwrap());
    assert!(
        text.contains(
            "path `helpdesk-workstations`: `standard` (switch) → `restricted-admin` (switch)"
        ),
        "{text}"
    );
    // One path leaves standard for restricted-admin.
    let row = |label: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("no row {label}: {text}"));
        line.split('|').map(|c| c.trim().to_string()).collect()
    };
    let std_row = row("paths on `standard` (credentials reach the target)");
    let ra_row = row("paths on `restricted-admin`");
    let n = |s: &str| s.parse::<i64>().unwrap();
    assert_eq!(n(&std_row[2]) - n(&std_row[3]), 1);
    assert_eq!(n(&ra_row[3]) - n(&ra_row[2]), 1);
}

#[test]
fn the_base_plan_needs_a_plan() {
    guardplan()
        .args([
            "check",
            "--format",
            "markdown",
            "--base-plan",
            "plans/contoso.plan.toml",
        ])
        .assert()
        .code(2);
}

#[test]
fn an_input_error_comment_stays_under_the_comment_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv = String::from("version = 1\n");
    for i in 0..3000 {
        inv.push_str(&format!(
            "\n[[host]]\nname = \"HOST-{i:05}-WITH-A-NAME-FAR-TOO-LONG\"\ndomain = \"nowhere.example\"\njoin = \"ad\"\nos = \"windows-11\"\n"
        ));
    }
    let path = write(&dir.path().join("estate.toml"), &inv);
    let out = guardplan()
        .args([
            "check",
            "--format",
            "markdown",
            "--report-url",
            "https://ci.example/run/1",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.chars().count() > 65_536,
        "the fixture must overflow a comment"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("<!-- guardplan-check -->\n## guardplan: ❌ input error"));
    assert!(text.chars().count() <= 65_536, "{}", text.chars().count());
    assert!(text.contains("estate.toml:"), "errors name the file");
    assert!(
        text.contains(
            "more errors): the job's log has every error ([run](https://ci.example/run/1))"
        ),
        "{}",
        &text[text.len() - 300..]
    );
    // The code block is closed.
    assert_eq!(text.lines().filter(|l| l.starts_with("```")).count(), 2);
}
