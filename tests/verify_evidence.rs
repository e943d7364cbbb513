//! `guardplan verify` on real Windows logs (EVTX-ATTACK-SAMPLES, see `tests/fixtures/verify/real/SOURCE.md`)
//! and on events shaped like the ones Windows writes: the client of a logon after Network Level
//! Authentication, sessions rather than events, no pass without evidence, and `.evtx` read directly.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use guardplan::finding::Mode;
use guardplan::verify::{self, Logon, Verdict, Verifier};
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/verify")
        .join(name)
}

/// The real logs and their record counts by python-evtx.
const REAL: [(&str, u64); 2] = [("DE_RDP_Tunneling_4624", 18), ("DE_RDP_Tunnel_5156", 101)];

/// An event as both readers must agree on it. python-evtx rounds `SystemTime` to the microsecond and writes logon
/// identifiers zero-padded (`0x00000000000003e7`), the evtx crate to 100 ns and unpadded (`0x3e7`): compared
/// to the second and as numbers.
fn comparable(l: &Logon) -> Logon {
    let id = |s: &str| {
        let h = s.trim_start_matches("0x").trim_start_matches('0');
        if s.is_empty() {
            String::new()
        } else {
            format!("0x{h}")
        }
    };
    let mut time = l.time.trim_end_matches('Z').to_string();
    if let Some(dot) = time.find('.') {
        time.truncate(dot);
    }
    Logon {
        at: 0,
        time,
        logon_id: id(&l.logon_id),
        linked_logon_id: id(&l.linked_logon_id),
        ..l.clone()
    }
}

fn read_evtx(path: &Path) -> (u64, Vec<Logon>) {
    let mut out = Vec::new();
    let n = verify::evtx::read_records(std::fs::File::open(path).unwrap(), |l| {
        out.push(comparable(l))
    })
    .unwrap();
    (n, out)
}

fn read_xml(path: &Path) -> (u64, Vec<Logon>) {
    let mut out = Vec::new();
    let input =
        std::io::BufReader::new(verify::events::decoded(std::fs::File::open(path).unwrap()));
    let n = verify::read_logons(input, |l| out.push(comparable(l))).unwrap();
    (n, out)
}

#[test]
fn real_logs_count_as_an_independent_reader_does_and_evtx_equals_its_export() {
    for (name, records) in REAL {
        let (n, evtx) = read_evtx(&fixture(&format!("real/{name}.evtx")));
        let (m, xml) = read_xml(&fixture(&format!("real/{name}.xml")));
        assert_eq!(n, records, "{name}.evtx: python-evtx counts {records}");
        assert_eq!(m, records, "{name}.xml");
        assert!(!evtx.is_empty(), "{name}: logons read");
        assert_eq!(
            evtx, xml,
            "{name}: the .evtx and its export give the same events"
        );
    }
}

const INV: &str = r#"
version = 1
[[domain]]
dns = "example.corp"
netbios = "EXAMPLE"
functional_level = "2016"
[[user]]
name = "IEUser"
domain = "example.corp"
[[host]]
name = "pc01.example.corp"
domain = "example.corp"
join = "ad"
os = "windows-10"
build = 19045
roles = ["paw"]
addresses = ["10.0.2.17"]
[[host]]
name = "pc02.example.corp"
domain = "example.corp"
join = "ad"
os = "windows-10"
build = 19045
[[host]]
name = "PC03"
domain = "example.corp"
join = "ad"
os = "windows-10"
build = 19045
[[path]]
name = "admin"
purpose = "admin"
who = ["user:IEUser"]
from = ["host:pc01.example.corp"]
to = ["host:pc02.example.corp"]
"#;

fn verify_events(events: &[&Path]) -> verify::Verification {
    let inv = guardplan::inventory::load_str("inv.toml", INV).unwrap();
    let mut v = Verifier::new(&inv, vec![Some(Mode::RemoteGuard)], "pilot");
    for e in events {
        verify::read_file(e, &mut v).unwrap();
    }
    v.finish()
}

#[test]
fn a_real_tunnelled_logon_names_no_client_and_proves_nothing() {
    for (name, _) in REAL {
        for ext in ["evtx", "xml"] {
            let v = verify_events(&[&fixture(&format!("real/{name}.{ext}"))]);
            assert_eq!(v.logons, 1, "{name}.{ext}: one type 10 logon");
            // WorkstationName is PC02, the target itself; IpAddress is 127.0.0.1: no client.
            assert_eq!(v.unidentified_logons, 1, "{name}.{ext}: {v:?}");
            assert_eq!(v.unidentified[0].address, "-");
            // Version 0: the mode is unknown, not standard.
            assert_eq!(v.unreadable_modes, 1, "{name}.{ext}");
            assert_eq!(v.paths[0].sessions.standard, 0);
            assert_eq!(v.verdict, Verdict::NotVerified, "{name}.{ext}");
            assert_eq!(v.paths[0].status, "not verified");
        }
    }
}

/// One event in the shape `wevtutil qe Security /f:xml` writes.
#[allow(clippy::too_many_arguments)]
fn event(
    computer: &str,
    user: &str,
    logon_type: u32,
    ws: &str,
    ip: &str,
    ra: &str,
    rcg: &str,
    ids: (&str, &str),
) -> String {
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
         <Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4624</EventID><Version>3</Version>\
         <TimeCreated SystemTime='2026-12-01T09:00:00.0000000Z'/><Computer>{computer}</Computer></System>\
         <EventData><Data Name='TargetUserName'>{user}</Data><Data Name='TargetDomainName'>EXAMPLE</Data>\
         <Data Name='TargetLogonId'>{}</Data><Data Name='LogonType'>{logon_type}</Data>\
         <Data Name='WorkstationName'>{ws}</Data><Data Name='IpAddress'>{ip}</Data>\
         <Data Name='RestrictedAdminMode'>{ra}</Data><Data Name='RemoteCredentialGuard'>{rcg}</Data>\
         <Data Name='TargetLinkedLogonId'>{}</Data></EventData></Event>\n",
        ids.0, ids.1
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn an_nla_standard_logon_from_the_paw_is_a_violation_and_a_linked_pair_is_one_session() {
    let dir = tempfile::tempdir().unwrap();
    // After NLA, WorkstationName is the target; the PAW is known by its address.
    let nla = event(
        "PC02",
        "IEUser",
        10,
        "PC02",
        "::ffff:10.0.2.17",
        "%%1843",
        "%%1843",
        ("0x1a2", "0x1a3"),
    );
    let linked = event(
        "pc02.example.corp.",
        "IEUser",
        10,
        "PC02",
        "10.0.2.17",
        "%%1843",
        "%%1843",
        ("0x1a3", "0x1a2"),
    );
    let p = write(&dir, "e.xml", &format!("{nla}{linked}"));
    let v = verify_events(&[&p]);
    assert_eq!((v.logons, v.linked_logons), (1, 1), "{v:?}");
    assert_eq!(v.violations_total, 1);
    assert_eq!(v.violations[0].client, "pc01.example.corp");
    assert_eq!(v.verdict, Verdict::Violated);
    // The same connection seen only through its type 3 logon (an address the inventory does not give).
    let t3 = event(
        "PC02",
        "IEUser",
        3,
        "PC01",
        "192.0.2.9",
        "-",
        "-",
        ("0x1", "0x0"),
    );
    let t10 = event(
        "PC02",
        "IEUser",
        10,
        "PC02",
        "192.0.2.9",
        "%%1843",
        "%%1842",
        ("0x2", "0x0"),
    );
    for text in [format!("{t3}{t10}"), format!("{t10}{t3}")] {
        let v = verify_events(&[&write(&dir, "f.xml", &text)]);
        assert_eq!(v.paths[0].sessions.remote_guard, 1, "{v:?}");
        assert_eq!(v.unidentified_logons, 0);
        assert_eq!(v.verdict, Verdict::Pass);
    }
}

#[test]
fn a_client_outside_from_is_not_the_paths_session_and_short_names_resolve() {
    let dir = tempfile::tempdir().unwrap();
    // PC03 is an inventory host outside the path's `from`.
    let e = event(
        "PC02",
        "IEUser",
        10,
        "pc03.example.corp",
        "192.0.2.9",
        "%%1843",
        "%%1843",
        ("0x1", "0x0"),
    );
    let v = verify_events(&[&write(&dir, "e.xml", &e)]);
    assert_eq!(v.paths[0].sessions.total(), 0, "{v:?}");
    assert_eq!(v.unmatched_logons, 1);
    assert_eq!(v.unmatched[0].client, "PC03");
    assert_eq!(v.verdict, Verdict::NotVerified);
    // A short, upper-case `Computer` and client resolve to the FQDN-named hosts.
    let e = event(
        "PC02",
        "IEUser",
        10,
        "PC01",
        "-",
        "%%1843",
        "%%1842",
        ("0x1", "0x0"),
    );
    let v = verify_events(&[&write(&dir, "e.xml", &e)]);
    assert_eq!(v.paths[0].sessions.remote_guard, 1, "{v:?}");
    assert_eq!(v.verdict, Verdict::Pass);
}

#[test]
fn unknown_values_and_old_versions_are_not_standard() {
    let dir = tempfile::tempdir().unwrap();
    let ja = event(
        "PC02",
        "IEUser",
        10,
        "PC01",
        "10.0.2.17",
        "%%1843",
        "Ja",
        ("0x1", "0x0"),
    );
    let old = event(
        "PC02",
        "IEUser",
        10,
        "PC01",
        "10.0.2.17",
        "-",
        "-",
        ("0x2", "0x0"),
    )
    .replace("<Version>3</Version>", "<Version>0</Version>");
    let v = verify_events(&[&write(&dir, "e.xml", &format!("{ja}{old}"))]);
    assert_eq!(v.paths[0].sessions.unknown, 2, "{v:?}");
    assert_eq!(v.paths[0].sessions.standard, 0);
    assert_eq!(v.unknown_values.len(), 1);
    assert_eq!(
        (
            v.unknown_values[0].field,
            v.unknown_values[0].value.as_str()
        ),
        ("RemoteCredentialGuard", "Ja")
    );
    assert_eq!(v.unreadable_modes, 1);
    assert_eq!(v.verdict, Verdict::NotVerified);
}

fn guardplan() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn cli(through: &str, events: &[&Path]) -> assert_cmd::assert::Assert {
    guardplan()
        .arg("verify")
        .arg(fixture("estate.toml"))
        .arg("--plan")
        .arg(fixture("rollout.plan.toml"))
        .args(["--through", through])
        .args(events)
        .assert()
}

fn estate_event(
    computer: &str,
    user: &str,
    lt: u32,
    ws: &str,
    ip: &str,
    ra: &str,
    rcg: &str,
) -> String {
    event(computer, user, lt, ws, ip, ra, rcg, ("0x5", "0x0")).replace(">EXAMPLE<", ">CORP<")
}

#[test]
fn no_evidence_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    cli("helpdesk", &[&write(&dir, "empty.xml", "")])
        .code(3)
        .stdout(predicate::str::contains(
            "not verified: the events hold no Remote Desktop logon",
        ));
    let reconnect = estate_event(
        "SRV-01",
        "alice",
        7,
        "SRV-01",
        "10.0.0.11",
        "%%1843",
        "%%1842",
    );
    cli("pilot-clients", &[&write(&dir, "r.xml", &reconnect)])
        .code(3)
        .stdout(predicate::str::contains(", 1 reconnection"));
    // One path staged with a session, the other staged without one.
    let rcg = estate_event(
        "SRV-01",
        "alice",
        10,
        "SRV-01",
        "10.0.0.11",
        "%%1843",
        "%%1842",
    );
    let p = write(&dir, "s.xml", &rcg);
    cli("pilot-clients", &[&p])
        .code(0)
        .stdout(predicate::str::contains("verified: every staged path"));
    cli("helpdesk", &[&p])
        .code(3)
        .stdout(predicate::str::contains(
            "not verified: no session whose mode could be read on helpdesk-workstations",
        ));
    // An NLA logon in plain RDP from the PAW (known by its address): a violation.
    let std = estate_event(
        "SRV-01.corp.example.com",
        "alice",
        10,
        "SRV-01",
        "10.0.0.11",
        "%%1843",
        "%%1843",
    );
    cli("pilot-clients", &[&write(&dir, "v.xml", &std)])
        .code(1)
        .stdout(predicate::str::contains(
            "admin-servers: planned remote-guard, seen standard: CORP\\alice from PAW-01",
        ));
    // Unknown values are named on standard error.
    let ja = estate_event(
        "SRV-01",
        "alice",
        10,
        "SRV-01",
        "10.0.0.11",
        "Oui",
        "%%1843",
    );
    cli("pilot-clients", &[&write(&dir, "u.xml", &ja)])
        .code(3)
        .stderr(predicate::str::contains(
            "warning: RestrictedAdminMode `Oui` in 1 logon is not a value Windows writes",
        ));
}

#[test]
fn forged_fields_and_broken_utf16_are_refused_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let e = estate_event("SRV-01", "alice", 10, "PAW-01", "10.0.0.11", "%%1843", "%%1843").replace(
        "<Data Name='RemoteCredentialGuard'>%%1843</Data>",
        "<Data Name='RemoteCredentialGuard'>%%1843</Data>\n<Data Name='RemoteCredentialGuard'>%%1842</Data>",
    );
    cli("pilot-clients", &[&write(&dir, "d.xml", &e)])
        .code(2)
        .stderr(predicate::str::contains(
            "d.xml:2:1: error: RemoteCredentialGuard is given twice",
        ));
    let mut bytes = vec![0xFF, 0xFE];
    for u in "<Event>\n<x>".encode_utf16().chain([0xDC00]) {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = dir.path().join("s.xml");
    std::fs::write(&p, bytes).unwrap();
    cli("pilot-clients", &[&p])
        .code(2)
        .stderr(predicate::str::contains("s.xml:2:4: error: the UTF-16 text is not well formed: a lone surrogate 0xDC00 at byte 24"));
}

#[test]
fn evtx_and_xml_mix_in_one_run() {
    let evtx = fixture("real/DE_RDP_Tunneling_4624.evtx");
    let xml = fixture("events-wevtutil.xml");
    let out = cli("helpdesk", &[&evtx, &xml]).get_output().stdout.clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains(": 25 events, 6 Remote Desktop sessions"),
        "{text}"
    );
    // A file that is neither: refused with the reason.
    let dir = tempfile::tempdir().unwrap();
    let mut broken = std::fs::read(&evtx).unwrap();
    broken.truncate(100);
    cli("helpdesk", &[&write(&dir, "cut.evtx", "")]).code(3);
    let p = dir.path().join("cut.evtx");
    std::fs::write(&p, broken).unwrap();
    cli("helpdesk", &[&p])
        .code(2)
        .stderr(predicate::str::contains("cut.evtx"));
}

#[test]
fn damaged_evtx_files_end_in_an_error_or_events_never_a_crash() {
    let good = std::fs::read(fixture("real/DE_RDP_Tunneling_4624.evtx")).unwrap();
    // A fixed pseudo-random sequence of damages: bytes flipped in the header, chunk headers and records.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..1 + round % 8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % bytes.len() as u64) as usize;
            bytes[at] ^= (seed >> 32) as u8 | 1;
        }
        let read = std::panic::catch_unwind(|| {
            verify::evtx::read_records(std::io::Cursor::new(&bytes[..]), |_| {}).map(|_| ())
        });
        assert!(read.is_ok(), "round {round}: the reader panicked");
    }
}
