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
