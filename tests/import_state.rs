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

/// `guardplan import state STATE -o INVENTORY`.
fn import_state(state: &Path, inv: &Path) -> Command {
    let mut cmd = guardplan();
    cmd.args(["import", "state"])
        .arg(state)
        .arg("-o")
        .arg(inv)
        .arg("--no-timestamp");
    cmd
}

fn refused(json: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let before = std::fs::read(&inv).unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, json).unwrap();
    let a = import_state(&state, &inv).assert().code(2);
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

fn refused_bytes(bytes: &[u8]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let state = dir.path().join("state.json");
    std::fs::write(&state, bytes).unwrap();
    import_state(&state, &inv).assert().code(2)
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn a_field_or_a_host_given_twice_is_refused_where_it_is() {
    // The second value would silently win: `laps` false then true hides a host without LAPS.
    refused(&format!(
        "{HEAD}{{\"name\": \"SRV-APP-01\",\n \"laps\": false,\n \"laps\": true}}]}}"
    ))
    .stderr(predicate::str::contains("state.json:4:"))
    .stderr(predicate::str::contains("duplicate field `laps`"));
    refused(&format!(
        "{HEAD}{{\"name\": \"SRV-APP-01\", \"registry\": {{\"disable_restricted_admin\": 1, \
         \"allow_protected_creds\": null, \"restricted_remote_administration\": null, \
         \"restricted_remote_administration_type\": null, \"disable_restricted_admin\": 0}}}}]}}"
    ))
    .stderr(predicate::str::contains(
        "duplicate field `disable_restricted_admin`",
    ));
    refused(&format!(
        "{HEAD}{{\"name\": \"SRV-APP-01\", \"laps\": false}},\n{{\"name\": \"srv-app-01\", \"laps\": true}}]}}"
    ))
    .stderr(predicate::str::contains("state.json:3:"))
    .stderr(predicate::str::contains("host `srv-app-01` has a second record"));
    refused(
        "{\"format\": \"guardplan-host-state\", \"version\": 1, \"version\": 1, \"hosts\": []}",
    )
    .stderr(predicate::str::contains("duplicate field `version`"));
}

#[test]
fn utf16_is_read_only_when_it_is_valid() {
    let text = format!("{HEAD}{{\"name\": \"SRV-APP-01\", \"laps\": true}}]}}");
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let state = dir.path().join("state.json");
    std::fs::write(&state, utf16le(&text)).unwrap();
    import_state(&state, &inv).assert().code(0);
    // The collection as Windows PowerShell's Out-File writes it (UTF-16 LE, CRLF) reads as its UTF-8 form.
    let (utf8, utf16) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    for (file, out) in [
        ("contoso-state.json", &utf8),
        ("contoso-state-utf16.json", &utf16),
    ] {
        std::fs::write(out, guardplan::inventory::SAMPLE_TOML).unwrap();
        import_state(&fixture(file), out).assert().code(0);
    }
    assert_eq!(facts(&utf16), facts(&utf8));
    // A lone surrogate on line 2, column 14: refused there, never read as U+FFFD.
    let mut bad = utf16le(&format!("{HEAD}{{\"name\": \"SRV"));
    bad.extend([0x00, 0xD8]);
    bad.extend(utf16le("-APP-01\"}]}")[2..].iter());
    refused_bytes(&bad)
        .stderr(predicate::str::contains(
            "state.json:2:14: error: invalid UTF-16",
        ))
        .stderr(predicate::str::contains("0xD800"));
    // Big-endian, with a low surrogate first.
    let mut be = vec![0xFE, 0xFF];
    be.extend("{\"format\"".encode_utf16().flat_map(u16::to_be_bytes));
    be.extend([0xDC, 0x00]);
    refused_bytes(&be).stderr(predicate::str::contains(
        "state.json:1:10: error: invalid UTF-16",
    ));
    // Half a character at the end.
    let mut odd = utf16le("{");
    odd.push(b'"');
    refused_bytes(&odd).stderr(predicate::str::contains("half a character"));
}

#[test]
fn a_long_note_is_cut_with_the_count_of_what_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let state = dir.path().join("state.json");
    let note = "x".repeat(5_000_000);
    // An error the host reported, and a caption the note about an unknown version quotes.
    std::fs::write(
        &state,
        format!(
            "{HEAD}{{\"name\": \"SRV-APP-01\", \"errors\": [\"{note}\"], \"os\": {{\"caption\": \
             \"Windows {note}\", \"version\": \"99.1\", \"build\": 1}}}}]}}"
        ),
    )
    .unwrap();
    let out = import_state(&state, &inv).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.len() < 10_000, "{} bytes on standard error", err.len());
    assert_eq!(
        err.matches("(4998000 more characters cut)").count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.matches("(4998008 more characters cut)").count(),
        1,
        "{err}"
    );
    assert!(err.contains("SRV-APP-01: not collected: xxx"), "{err}");
    assert!(
        err.contains("SRV-APP-01: operating system not written"),
        "{err}"
    );
}

#[test]
fn the_build_and_product_type_decide_the_os_over_the_caption() {
    let dir = tempfile::tempdir().unwrap();
    let inv = sample(&dir);
    let state = dir.path().join("state.json");
    let os = |caption: &str, version: &str, build: u32, product: u32| {
        format!(
            "{HEAD}{{\"name\": \"SRV-APP-01\", \"os\": {{\"caption\": \"{caption}\", \"version\": \"{version}\", \
             \"build\": {build}, \"product_type\": {product}}}}}]}}"
        )
    };
    let run = |json: String| {
        std::fs::write(&state, json).unwrap();
        let out = import_state(&state, &inv).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let os = host(&mut facts(&inv), "SRV-APP-01")["os"].clone();
        (os, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // A caption that lies: the build of Server 2022 on a server product type stays a server.
    let (family, err) = run(os("Microsoft Windows 11 Pro", "10.0.20348", 20348, 3));
    assert_eq!(family, "server-2022");
    assert!(
        err.contains("caption `Microsoft Windows 11 Pro` says windows-11, but version 10.0 build 20348 of a server is server-2022"),
        "{err}"
    );
    // The numbers of a workstation make a workstation, whatever the caption says.
    let (family, err) = run(os("Microsoft Windows Server 2022", "10.0.22631", 22631, 1));
    assert_eq!(family, "windows-11");
    assert!(err.contains("written as windows-11"), "{err}");
    // Caption and numbers agree: no note.
    let (family, err) = run(os(
        "Microsoft Windows Server 2019 Standard",
        "10.0.17763",
        17763,
        2,
    ));
    assert_eq!(family, "server-2019");
    assert!(!err.contains("caption"), "{err}");
}
