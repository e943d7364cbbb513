//! `guardplan verify`: Remote Desktop logons against the stages of a plan, in both XML forms Windows writes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn guardplan() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/verify")
        .join(name)
}

/// The events as `wevtutil qe Security /f:xml` writes them: UTF-8, `<Event>` after `<Event>`, no root.
const WEVTUTIL: &str = "events-wevtutil.xml";
/// The same events as `Get-WinEvent | ForEach-Object { $_.ToXml() } > file` writes them: UTF-16 LE, CRLF.
const GET_WINEVENT: &str = "events-getwinevent.xml";

fn verify(through: &str, events: &[&Path], format: &str) -> assert_cmd::assert::Assert {
    let mut cmd = guardplan();
    cmd.arg("verify")
        .arg(fixture("estate.toml"))
        .arg("--plan")
        .arg(fixture("rollout.plan.toml"))
        .args(["--through", through, "--format", format])
        .args(events);
    cmd.assert()
}

fn json(through: &str, events: &str) -> (i32, serde_json::Value) {
    let a = verify(through, &[&fixture(events)], "json");
    let out = a.get_output();
    let code = out.status.code().unwrap_or(-1);
    let v = serde_json::from_slice(&out.stdout).expect("JSON output");
    (code, v)
}

fn sessions(v: &serde_json::Value, path: &str) -> [u64; 3] {
    let p = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == path)
        .unwrap_or_else(|| panic!("no path {path} in {v}"));
    let s = &p["sessions"];
    ["standard", "remote-guard", "restricted-admin"].map(|k| s[k].as_u64().unwrap())
}

#[test]
fn both_xml_forms_give_the_counts_and_the_one_violation() {
    for form in [WEVTUTIL, GET_WINEVENT] {
        let (code, v) = json("helpdesk", form);
        assert_eq!(code, 1, "{form}: a violation exits 1");
        assert_eq!(v["events"], 7, "{form}");
        assert_eq!(v["logons"], 5, "{form}: type 10 only");
        assert_eq!(sessions(&v, "admin-servers"), [1, 1, 0], "{form}");
        assert_eq!(sessions(&v, "helpdesk-workstations"), [0, 0, 2], "{form}");
        let violations = v["violations"].as_array().unwrap();
        assert_eq!(violations.len(), 1, "{form}: {v}");
        let x = &violations[0];
        assert_eq!(x["path"], "admin-servers");
        assert_eq!(x["planned"], "remote-guard");
        assert_eq!(x["seen"], "standard");
        assert_eq!(x["user"], "CORP\\alice");
        assert_eq!(x["client"], "PAW-01");
        assert_eq!(x["target"], "SRV-01.corp.example.com");
        assert_eq!(x["time"], "2026-11-30T10:05:27.3318154Z");
        let unmatched = v["unmatched"].as_array().unwrap();
        assert_eq!(unmatched.len(), 1, "{form}");
        assert_eq!(unmatched[0]["user"], "CORP\\mallory");
        assert_eq!(unmatched[0]["client"], "10.0.0.66");
        assert_eq!(v["unmatched_logons"], 1);
    }
}

#[test]
fn both_forms_give_the_same_report() {
    let a = verify("helpdesk", &[&fixture(WEVTUTIL)], "text");
    let b = verify("helpdesk", &[&fixture(GET_WINEVENT)], "text");
    assert_eq!(a.get_output().stdout, b.get_output().stdout);
}

#[test]
fn paths_of_later_stages_are_counted_but_not_checked() {
    let (code, v) = json("enable-targets", WEVTUTIL);
    assert_eq!(code, 0, "no path is switched yet: {v}");
    assert_eq!(v["violations"].as_array().unwrap().len(), 0);
    assert_eq!(sessions(&v, "admin-servers"), [1, 1, 0]);
    assert!(v["paths"][0]["planned"].is_null());
}

#[test]
fn several_files_add_up() {
    let a = verify(
        "helpdesk",
        &[&fixture(WEVTUTIL), &fixture(GET_WINEVENT)],
        "json",
    );
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["logons"], 10);
    assert_eq!(v["violations_total"], 2);
    assert_eq!(v["unmatched"][0]["logons"], 2);
}

#[test]
fn text_and_markdown_name_the_violation() {
    verify("helpdesk", &[&fixture(WEVTUTIL)], "text")
        .code(1)
        .stdout(predicate::str::contains(
            "admin-servers: planned remote-guard, seen standard: CORP\\alice from PAW-01 to SRV-01.corp.example.com at 2026-11-30T10:05:27.3318154Z",
        ));
    verify("helpdesk", &[&fixture(WEVTUTIL)], "markdown")
        .code(1)
        .stdout(predicate::str::contains("## Verification through stage helpdesk"))
        .stdout(predicate::str::contains(
            "| admin-servers | remote-guard | standard | CORP\\\\alice | PAW-01 | SRV-01.corp.example.com |",
        ));
}

#[test]
fn an_unknown_stage_is_a_usage_error() {
    verify("nope", &[&fixture(WEVTUTIL)], "text")
        .code(2)
        .stderr(predicate::str::contains(
            "use one of prerequisites, enable-targets",
        ));
}

fn broken(text: &[u8]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events.xml");
    std::fs::write(&p, text).unwrap();
    let a = verify("helpdesk", &[&p], "text");
    drop(dir);
    a
}

#[test]
fn malformed_files_exit_2_with_a_position() {
    let good = std::fs::read_to_string(fixture(WEVTUTIL)).unwrap();
    // Cut short in the middle of the third event.
    let third = good.match_indices("</System>").nth(2).unwrap().0;
    let cut = &good[..third];
    let a = broken(cut.as_bytes()).code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("events.xml:1:"), "{err}");
    assert!(err.contains("cut short"), "{err}");
    // A wrong logon type on line 2, column 3.
    broken(b"<Event><System><EventID>4624</EventID></System>\n<EventData><Data Name='LogonType'>ten</Data></EventData></Event>")
        .code(2)
        .stderr(predicate::str::contains("events.xml:2:12: error: event 4624 with LogonType `ten`"));
    broken(b"\n\n  <Event><System></Sys></Event>")
        .code(2)
        .stderr(predicate::str::contains(
            "events.xml:3:18: error: closing tag </Sys>",
        ));
    broken(b"TimeCreated,User\n2026-11-30,alice\n")
        .code(2)
        .stderr(predicate::str::contains("not an export of Windows events"));
    broken(&[0xFF, 0xFE, 0x3C, 0x00, 0x00, 0xD8])
        .code(2)
        .stderr(predicate::str::contains("events.xml:"));
    broken(&b"<a>".repeat(200))
        .code(2)
        .stderr(predicate::str::contains("nested deeper"));
}

#[test]
fn a_missing_file_exits_2() {
    verify("helpdesk", &[Path::new("/nonexistent/events.xml")], "text")
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/events.xml"));
}

/// The planner's stages view, with the fixture's events, on stage `jumps` rows below the first.
fn stages_screen(jumps: usize) -> String {
    use crate::tui_support::{app_for, keys, screen};
    let inv = guardplan::inventory::load_file(&fixture("estate.toml")).unwrap();
    let observed = guardplan::verify::Observed::read(&inv, &[fixture(WEVTUTIL)]).unwrap();
    let mut app = app_for(inv, Some(&fixture("rollout.plan.toml")), None);
    app.observed = Some(observed);
    keys(&mut app, "4");
    keys(&mut app, &"j".repeat(jumps));
    screen(&mut app, 160, 40)
}

#[test]
fn the_planner_shows_each_stage_verification() {
    // enable-targets: no path switched yet.
    let s = stages_screen(1);
    assert!(s.contains("Verification from events"), "{s}");
    assert!(s.contains("5 Remote Desktop logons: no violations"), "{s}");
    assert!(s.contains("(no path is switched yet)"), "{s}");
    // helpdesk: both paths switched, the admin path has the one plain RDP session.
    let s = stages_screen(3);
    assert!(
        s.contains("5 Remote Desktop logons: 1 did not use the planned mode"),
        "{s}"
    );
    assert!(
        s.contains(
            "admin-servers (remote-guard): standard 1, remote-guard 1, restricted-admin 0; 1 violation"
        ),
        "{s}"
    );
    assert!(
        s.contains(
            "helpdesk-workstations (restricted-admin): standard 0, remote-guard 0, restricted-admin 2"
        ),
        "{s}"
    );
    assert!(s.contains("1 logon no path explains"), "{s}");
}

#[test]
fn the_markdown_export_ends_with_the_verification() {
    let dir = fixture("");
    let export = |format: &str| {
        let mut cmd = guardplan();
        cmd.arg("export")
            .arg(dir.join("estate.toml"))
            .arg("--plan")
            .arg(dir.join("rollout.plan.toml"))
            .args(["--format", format, "--through", "helpdesk", "--events"])
            .arg(dir.join(GET_WINEVENT));
        cmd
    };
    let out = export("markdown").assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let at = text
        .find("## Verification through stage helpdesk")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(at > 0, "the plan report comes first");
    assert!(text[at..].contains("**1 violation**"), "{text}");
    // Written to a file, the same text.
    let file = dir.join("review.md");
    export("markdown")
        .arg("-o")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    export("json")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use --format markdown"));
}
