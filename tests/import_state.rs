//! `guardplan import state`: host state refreshes exactly the facts it carries, and nothing else.

use assert_cmd::Command;
use guardplan::inventory::raw::RawInventory;
use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn guardplan() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/state")
        .join(name)
}

/// The inventory's value, without comments or layout.
fn facts(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let raw: RawInventory = toml::from_str(&text).unwrap();
    serde_json::to_value(&raw).unwrap()
}

fn host<'a>(v: &'a mut Value, name: &str) -> &'a mut serde_json::Map<String, Value> {
    v["host"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name}"))
        .as_object_mut()
        .unwrap()
}

fn sample(dir: &tempfile::TempDir) -> PathBuf {
    let p = dir.path().join("contoso.toml");
    std::fs::write(&p, guardplan::inventory::SAMPLE_TOML).unwrap();
    p
}

#[test]
fn the_sample_changes_exactly_the_facts_the_collection_carries() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let out = dir.path().join("refreshed.toml");
    let mut expected = facts(&inv);
    guardplan()
        .args(["import", "state"])
        .arg(fixture("contoso-state.json"))
        .arg("--merge")
        .arg(&inv)
        .arg("-o")
        .arg(&out)
        .arg("--no-timestamp")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "~ host SRV-APP-01: disable_restricted_admin unset -> 0; allow_protected_creds false -> true; \
             administrators + CORP\\Domain Admins; remote_desktop_users + CORP\\t1-heidi",
        ))
        .stdout(predicate::str::contains(
            "~ host HD-CON-01: build 22631 -> 26100; laps false -> true",
        ))
        .stderr(predicate::str::contains(
            "WS-LEGACY-01: not collected: Connecting to remote server",
        ))
        .stderr(predicate::str::contains(
            "NEW-HOST-99: not in the inventory",
        ));
    let srv = host(&mut expected, "SRV-APP-01");
    srv.insert(
        "administrators".into(),
        json!(["CORP\\Domain Admins", "Tier1-Admins"]),
    );
    srv.insert("disable_restricted_admin".into(), json!(0));
    srv.insert("allow_protected_creds".into(), json!(true));
    srv.insert(
        "remote_desktop_users".into(),
        json!(["App-Owners", "CORP\\t1-heidi"]),
    );
    let hd = host(&mut expected, "HD-CON-01");
    hd.insert("build".into(), json!(26100));
    hd.insert("laps".into(), json!(true));
    assert_eq!(facts(&out), expected);
}

#[test]
fn importing_the_same_state_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    for expect in ["changes reported by the hosts", "no changes"] {
        guardplan()
            .args(["import", "state"])
            .arg(fixture("contoso-state.json"))
            .arg("-o")
            .arg(&inv)
            .arg("--no-timestamp")
            .assert()
            .code(0)
            .stdout(predicate::str::contains(expect));
    }
}

#[test]
fn comments_written_by_the_administrator_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    guardplan()
        .args(["import", "state"])
        .arg(fixture("contoso-state.json"))
        .arg("-o")
        .arg(&inv)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&inv).unwrap();
    assert!(
        text.contains("# The VDI pool cannot use Remote Credential Guard at all."),
        "{text}"
    );
}

#[test]
fn the_plan_made_for_the_earlier_inventory_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let plan = dir.path().join("rollout.plan.toml");
    guardplan()
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&plan)
        .assert()
        .code(0);
    guardplan()
        .arg("check")
        .arg(&inv)
        .arg("--plan")
        .arg(&plan)
        .assert()
        .stderr(predicate::str::contains("stale").not());
    guardplan()
        .args(["import", "state"])
        .arg(fixture("contoso-state.json"))
        .arg("-o")
        .arg(&inv)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("now stale"));
    guardplan()
        .arg("check")
        .arg(&inv)
        .arg("--plan")
        .arg(&plan)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the plan is stale"));
}

fn refused(json: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let before = std::fs::read(&inv).unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, json).unwrap();
    let a = guardplan()
        .args(["import", "state"])
        .arg(&state)
        .arg("-o")
        .arg(&inv)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&inv).unwrap(), before, "nothing is written");
    a
}

const HEAD: &str = "{\"format\": \"guardplan-host-state\", \"version\": 1, \"hosts\": [\n";

#[test]
fn hostile_names_are_refused_with_a_position() {
    refused(&format!("{HEAD}{{\"name\": \"SRV-APP-01\\u202e\"}}]}}"))
        .stderr(predicate::str::contains("state.json:2:"))
        .stderr(predicate::str::contains("U+202E"));
    refused(&format!("{HEAD}{{\"name\": \"SRV;calc\"}}]}}"))
        .stderr(predicate::str::contains("host name `SRV;calc`"));
    refused(&format!(
        "{HEAD}{{\"name\": \"SRV-APP-01\", \"local_groups\": {{\"administrators\": \
         [{{\"sid\": \"S-1-5-32-544\", \"name\": \"CORP\\\\evil\\u0007\"}}], \"remote_desktop_users\": []}}}}]}}"
    ))
    .stderr(predicate::str::contains("U+0007"));
    refused(&format!(
        "{HEAD}{{\"name\": \"SRV-APP-01\", \"local_groups\": {{\"administrators\": \
         [{{\"sid\": \"$(calc)\"}}], \"remote_desktop_users\": []}}}}]}}"
    ))
    .stderr(predicate::str::contains("not a security identifier"));
}

#[test]
fn malformed_files_exit_2_with_a_position() {
    refused(
        "{\"format\": \"guardplan-host-state\",\n  \"version\": 1,\n  \"hosts\": [ {\"name\": ",
    )
    .stderr(predicate::str::contains("state.json:3:"));
    refused("{\"format\": \"something-else\", \"version\": 1, \"hosts\": []}")
        .stderr(predicate::str::contains("is not `guardplan-host-state`"));
    refused(&format!("{HEAD}{{\"name\": \"A\", \"registry\": 5}}]}}"))
        .stderr(predicate::str::contains("state.json:2:"));
    refused(&format!("{HEAD}{{\"name\": \"A\", \"colour\": 5}}]}}"))
        .stderr(predicate::str::contains("unknown field `colour`"));
    refused(&"[".repeat(100_000)).stderr(predicate::str::contains("state.json:1:"));
}

#[test]
fn collect_writes_the_script_with_a_byte_order_mark_and_the_host_list() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("collect.ps1");
    let list = dir.path().join("hosts.txt");
    let inv = sample(&dir);
    guardplan()
        .arg("collect")
        .arg("-o")
        .arg(&script)
        .arg("--inventory")
        .arg(&inv)
        .arg("--host-list")
        .arg(&list)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("read-only"));
    let bytes = std::fs::read(&script).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    assert!(bytes[3..].is_ascii());
    let hosts = std::fs::read_to_string(&list).unwrap();
    assert!(hosts.contains("\r\nJUMP-T0-01\r\n"), "{hosts}");
    // A host list needs its inventory.
    guardplan()
        .arg("collect")
        .arg("--host-list")
        .arg(&list)
        .assert()
        .code(2);
}
