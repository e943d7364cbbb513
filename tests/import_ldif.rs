//! `guardplan import ldif` on an ldifde-style export (CRLF, folded lines, base64, binary SIDs, localised
//! group names), and re-import into an edited inventory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use guardplan::inventory::raw::{
    AccountKind, Delegation, EncryptionType, HostRole, OsFamily, TrustKind,
};
use guardplan::inventory::{Inventory, load_file};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/fabrikam.ldif")
}

fn import(args: &[&str]) -> (String, String) {
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .arg("import")
        .args(args)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "import failed:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

fn host<'a>(inv: &'a Inventory, name: &str) -> &'a guardplan::inventory::model::Host {
    inv.hosts
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("no host {name}"))
}

fn user<'a>(inv: &'a Inventory, name: &str) -> &'a guardplan::inventory::model::User {
    inv.users
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("no user {name}"))
}

#[test]
fn ldifde_export_maps_to_a_valid_inventory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate.toml");
    let fx = fixture();
    let (stdout, stderr) = import(&[
        "ldif",
        fx.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--no-timestamp",
    ]);
    assert!(stdout.contains("wrote"), "{stdout}");
    let text = std::fs::read_to_string(&out).expect("read");
    let inv = load_file(&out).expect("the import loads");

    // Header, safe defaults, no timestamp.
    assert!(text.starts_with(
        "#:schema ./inventory.schema.json\n# guardplan inventory imported from Active Directory.\n# Source: LDIF fabrikam.ldif\n"
    ));
    assert!(!text.contains("# Imported:"));
    assert!(text.contains("dc_line_of_sight: true"));
    assert!(text.contains("rdp_client: \"mstsc\""));
    assert!(text.contains("device_claims: false"));

    // Domain: NetBIOS name from the crossRef, level from msDS-Behavior-Version 7, PDC OS from fSMORoleOwner.
    let fab = inv
        .domains
        .iter()
        .find(|d| d.dns == "fabrikam.example")
        .expect("domain");
    assert_eq!(fab.netbios, "FABRIKAM");
    assert_eq!(
        fab.functional_level,
        guardplan::inventory::raw::FunctionalLevel::W2016
    );
    assert_eq!(fab.pdc_emulator_os, Some(OsFamily::Server2016));

    // Trusts: forest (two-way), parent-child to the child domain, external inbound with SID filtering and
    // selective authentication (CROSS_ORGANIZATION).
    let trust = |other: &str| {
        inv.trusts
            .iter()
            .find(|t| {
                inv.domains[t.trusting as usize].dns == other
                    || inv.domains[t.trusted as usize].dns == other
            })
            .unwrap_or_else(|| panic!("no trust with {other}"))
    };
    assert_eq!(trust("contoso.example").kind, TrustKind::Forest);
    assert_eq!(trust("emea.fabrikam.example").kind, TrustKind::ParentChild);
    let legacy = trust("legacy.example");
    assert_eq!(legacy.kind, TrustKind::External);
    assert!(!legacy.transitive && legacy.selective_auth);
    assert_eq!(legacy.sid_filtering, Some(true));
    // Inbound: the partner trusts fabrikam (fabrikam's accounts reach legacy's resources).
    assert_eq!(inv.domains[legacy.trusting as usize].dns, "legacy.example");
    let emea = inv
        .domains
        .iter()
        .find(|d| d.dns == "emea.fabrikam.example")
        .expect("child");
    assert_eq!(inv.domains[emea.forest as usize].dns, "fabrikam.example");

    // Hosts: OS family and build, roles, both kinds of LAPS.
    let dc = host(&inv, "DC01");
    assert_eq!(*dc.roles, [HostRole::DomainController]);
    let legacy_ws = host(&inv, "WS-LEGACY");
    assert_eq!(
        (legacy_ws.os.family, legacy_ws.os.build),
        (OsFamily::Windows10, 19045)
    );
    assert!(legacy_ws.laps);
    let new_ws = host(&inv, "WS-NEW");
    assert_eq!(
        (new_ws.os.family, new_ws.os.build),
        (OsFamily::Windows11, 22631)
    );
    assert!(new_ws.laps);
    let old = host(&inv, "SRV-OLD");
    assert_eq!(old.os.family, OsFamily::Server2008R2);
    assert_eq!(*old.roles, [HostRole::Server]);
    assert!(!old.laps);

    // Hostile names are reported and never written.
    assert!(inv.hosts.iter().all(|h| !h.name.contains(';')));
    assert!(!text.contains("BAD;NAME\""));
    assert!(stderr.contains("BAD;NAME"), "{stderr}");
    assert!(!text.contains('\u{202E}'));
    assert!(
        text.contains("adm\\u{202e}nimda"),
        "the skipped name is shown escaped"
    );

    // Protected Users by RID 525 under its French name; nesting through Tier0; admin role by RID 512.
    let ada = user(&inv, "ada.admin");
    assert!(ada.protected_users, "Tier0 is in Protected Users");
    assert!(
        ada.roles
            .contains(&guardplan::inventory::raw::UserRole::Admin)
    );
    assert!(ada.not_delegated);
    assert_eq!(
        *ada.etypes,
        [EncryptionType::Aes128, EncryptionType::Aes256]
    );
    let svc = user(&inv, "svc-sql");
    assert_eq!(svc.kind, AccountKind::Service);
    assert!(svc.protected_users);
    assert_eq!(svc.delegation, Delegation::Unconstrained);
    assert_eq!(*svc.etypes, [EncryptionType::Des]);
    assert_eq!(
        user(&inv, "gmsa-web$").kind,
        AccountKind::ManagedServiceAccount
    );
    // The built-in Administrator by its RID 500, whatever it was renamed to; no other account is.
    assert!(user(&inv, "fab-root").builtin_admin);
    assert!(text.contains("builtin_admin = true"), "{text}");
    assert!(
        inv.users
            .iter()
            .all(|u| u.builtin_admin == (u.name == "fab-root"))
    );
    // Disabled accounts are left out.
    assert!(inv.users.iter().all(|u| u.name != "Guest"));
    let pu = inv
        .groups
        .iter()
        .find(|g| g.name == "Utilisateurs protégés")
        .expect("PU group");
    assert!(pu.protected_users);
}

#[test]
fn reimport_keeps_hand_edits_and_reports_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate.toml");
    let fx = fixture();
    let fx = fx.to_str().expect("path");
    let out_s = out.to_str().expect("path");
    import(&["ldif", fx, "-o", out_s, "--no-timestamp"]);
    let first = std::fs::read_to_string(&out).expect("read");

    // The administrator edits the inventory: a comment, client facts, a tag, a role, a path.
    let edited = first
        .replace(
            "[[host]]\nname = \"WS-NEW\"\n",
            "# Ada's PAW, in the server room\n[[host]]\nname = \"WS-NEW\"\nrdp_client = \"uwp\"\ntags = [\"paw\"]\n",
        )
        .replace(
            "[[host]]\nname = \"DC01\"\n",
            "[[host]]\nname = \"DC01\"\ndc_line_of_sight = true\ndevice_claims = true\n",
        )
        + "\n[[path]]\nname = \"tier0\"\npurpose = \"admin\"\nwho = [\"user:ada.admin\"]\nfrom = [\"tag:paw\"]\nto = [\"role:domain-controller\"]\n";
    assert_ne!(edited, first, "the edits applied");
    std::fs::write(&out, &edited).expect("write");

    // The directory changes: SRV-OLD is upgraded, WS-LEGACY is gone, a new account appears.
    let changed = std::fs::read_to_string(fixture())
        .expect("read")
        .replace("Windows Server® 2008 R2 Standard", "Windows Server 2022 Standard")
        .replace("operatingSystemVersion: 6.1 (7601)", "operatingSystemVersion: 10.0 (20348)")
        .replace("sAMAccountName: WS-LEGACY$", "sAMAccountName: WS-LEGACY$\r\nuserAccountControl: 4098")
        .replace(
            "dn: CN=Old Guest",
            "dn: CN=Bea,OU=Admins,DC=fabrikam,DC=example\r\nobjectClass: user\r\nsAMAccountName: bea\r\nuserAccountControl: 512\r\n\r\ndn: CN=Old Guest",
        );
    // ldifde writes non-ASCII values as base64: re-encode the changed OS line plainly.
    let changed = changed.replace(
        &format!(
            "operatingSystem:: {}",
            base64_of("Windows Server® 2008 R2 Standard")
        ),
        "operatingSystem: Windows Server 2022 Standard",
    );
    let fx2 = dir.path().join("fabrikam-later.ldif");
    std::fs::write(&fx2, changed).expect("write");
    let fx2_s = fx2.to_str().expect("path");
    let (stdout, _) = import(&["ldif", fx2_s, "-o", out_s, "--no-timestamp"]);

    assert!(
        stdout.contains("~ host SRV-OLD: os \"server-2008r2\" -> \"server-2022\""),
        "{stdout}"
    );
    assert!(stdout.contains("- host WS-LEGACY"), "{stdout}");
    assert!(stdout.contains("+ user bea@fabrikam.example"), "{stdout}");

    let text = std::fs::read_to_string(&out).expect("read");
    let inv = load_file(&out).expect("the re-import loads");
    assert!(
        text.contains("# Ada's PAW, in the server room\n"),
        "comment kept"
    );
    let paw = host(&inv, "WS-NEW");
    assert_eq!(paw.rdp_client, guardplan::inventory::raw::RdpClient::Uwp);
    assert_eq!(*paw.tags, ["paw".to_string()]);
    assert!(host(&inv, "DC01").device_claims);
    assert_eq!(host(&inv, "SRV-OLD").os.family, OsFamily::Server2022);
    assert!(inv.hosts.iter().all(|h| h.name != "WS-LEGACY"));
    assert_eq!(inv.paths.len(), 1);
    assert_eq!(inv.paths[0].name, "tier0");

    // A third run with the same data changes nothing, and the file is stable.
    let (stdout, _) = import(&["ldif", fx2_s, "-o", out_s, "--no-timestamp"]);
    assert!(stdout.contains("no changes in the estate"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&out).expect("read"), text);
}

#[test]
fn reimport_refuses_to_break_hand_written_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate.toml");
    let fx = fixture();
    import(&[
        "ldif",
        fx.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--no-timestamp",
    ]);
    let with_path = std::fs::read_to_string(&out).expect("read")
        + "\n[[path]]\nname = \"p\"\npurpose = \"admin\"\nwho = [\"user:ada.admin\"]\nfrom = [\"host:WS-LEGACY\"]\nto = [\"host:DC01\"]\n";
    std::fs::write(&out, &with_path).expect("write");
    let gone = std::fs::read_to_string(fixture()).expect("read").replace(
        "sAMAccountName: WS-LEGACY$",
        "sAMAccountName: WS-LEGACY$\r\nuserAccountControl: 4098",
    );
    let fx2 = dir.path().join("later.ldif");
    std::fs::write(&fx2, gone).expect("write");
    let out_cmd = Command::cargo_bin("guardplan")
        .expect("binary")
        .args([
            "import",
            "ldif",
            fx2.to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
        ])
        .output()
        .expect("run");
    assert_eq!(out_cmd.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out_cmd.stderr);
    assert!(stderr.contains("WS-LEGACY"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        with_path,
        "left untouched"
    );
}

#[test]
fn overlapping_exports_import_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fx = fixture();
    let fx = fx.to_str().expect("path");
    let once = dir.path().join("once.toml");
    let twice = dir.path().join("twice.toml");
    import(&[
        "ldif",
        fx,
        "-o",
        once.to_str().expect("path"),
        "--no-timestamp",
    ]);
    import(&[
        "ldif",
        fx,
        fx,
        "-o",
        twice.to_str().expect("path"),
        "--no-timestamp",
    ]);
    let body = |p: &Path| {
        let t = std::fs::read_to_string(p).expect("read");
        t.lines().skip(3).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(body(&once), body(&twice));
}

#[test]
fn broken_ldif_is_an_input_error_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.ldif");
    std::fs::write(&bad, "dn: CN=a,DC=x\nobjectSid:: ***\n").expect("write");
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldif", bad.to_str().expect("path"), "-o"])
        .arg(dir.path().join("o.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.ldif:2"), "{stderr}");
    assert!(!dir.path().join("o.toml").exists());
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn names_that_are_not_utf8_are_not_imported_lossily() {
    // `YWL/` is base64 of the bytes `a`, `b`, 0xFF.
    let text = "dn: CN=ab,CN=Users,DC=corp,DC=example\nobjectClass: user\nsAMAccountName:: YWL/\n\n\
                dn: CN=ok,CN=Users,DC=corp,DC=example\nobjectClass: user\nsAMAccountName: ok.admin\n";
    let entries = guardplan::import::ldif::parse("t.ldif", text).expect("parses");
    let dir = guardplan::import::entries::directory(&entries);
    let sams: Vec<&str> = dir.objects.iter().map(|o| o.sam.as_str()).collect();
    assert_eq!(sams, vec!["ok.admin"], "{:?}", dir.warnings);
    assert!(
        dir.warnings
            .iter()
            .any(|w| w.contains("CN=ab") && w.contains("not valid UTF-8")),
        "{:?}",
        dir.warnings
    );
}

/// Replaces `from` by `to` once in `text`, failing when `from` is not there (the edit would test nothing).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the inventory");
    text.replacen(from, to, 1)
}

#[test]
fn reimport_keeps_every_documented_hand_written_fact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate.toml");
    let out_s = out.to_str().expect("path");
    let fx = fixture();
    let fx = fx.to_str().expect("path");
    import(&["ldif", fx, "-o", out_s, "--no-timestamp"]);
    let first = std::fs::read_to_string(&out).expect("read");

    // What the README lists as kept: the description, host facts the directory does not hold, host roles
    // `paw` and `helpdesk-console`, user and group roles, a user's kind, and entries of other domains.
    let mut text = edit(
        &first,
        "description = \"Imported from Active Directory\"",
        "description = \"Fabrikam, reviewed by the security team\"",
    );
    text = edit(
        &text,
        "name = \"SRV-OLD\"\ndomain = \"fabrikam.example\"\njoin = \"ad\"\nos = \"server-2008r2\"\nroles = [\"server\"]\n",
        "name = \"SRV-OLD\"\ndomain = \"fabrikam.example\"\njoin = \"hybrid\"\nos = \"server-2008r2\"\nroles = [\"server\"]\n\
         kb2871997 = true\ndisable_restricted_admin = 0\nallow_protected_creds = true\nrds_vdi = true\nazure_vm = true\n",
    );
    text = edit(
        &text,
        "name = \"WS-NEW\"\ndomain = \"fabrikam.example\"\njoin = \"ad\"\nos = \"windows-11\"\nbuild = 22631\nroles = [\"workstation\"]\n",
        "name = \"WS-NEW\"\ndomain = \"fabrikam.example\"\njoin = \"ad\"\nos = \"windows-11\"\nbuild = 22631\n\
         roles = [\"workstation\", \"paw\"]\nclient_policy = \"require-remote-guard\"\noffline_signin = true\n",
    );
    text = edit(
        &text,
        "name = \"WS-LEGACY\"\ndomain = \"fabrikam.example\"\njoin = \"ad\"\nos = \"windows-10\"\nbuild = 19045\nroles = [\"workstation\"]\n",
        "name = \"WS-LEGACY\"\ndomain = \"fabrikam.example\"\njoin = \"ad\"\nos = \"windows-10\"\nbuild = 19045\nroles = [\"helpdesk-console\"]\n",
    );
    text = edit(
        &text,
        "name = \"ada.admin\"\ndomain = \"fabrikam.example\"\n",
        "name = \"ada.admin\"\ndomain = \"fabrikam.example\"\nroles = [\"admin\", \"helpdesk\"]\n",
    );
    text = edit(
        &text,
        "name = \"svc-sql\"\ndomain = \"fabrikam.example\"\nkind = \"service\"\n",
        "name = \"svc-sql\"\ndomain = \"fabrikam.example\"\nkind = \"person\"\n",
    );
    text = edit(
        &text,
        "name = \"Tier0\"\ndomain = \"fabrikam.example\"\n",
        "name = \"Tier0\"\ndomain = \"fabrikam.example\"\nroles = [\"admin\"]\n",
    );
    // A host and a user of a domain the export does not cover (imported from its own directory).
    text.push_str(
        "\n[[host]]\nname = \"CON-SRV-01\"\ndomain = \"contoso.example\"\njoin = \"ad\"\nos = \"server-2022\"\nroles = [\"server\"]\n\
         \n[[user]]\nname = \"con.admin\"\ndomain = \"contoso.example\"\nroles = [\"admin\"]\n",
    );
    std::fs::write(&out, &text).expect("write");
    load_file(&out).expect("the edited inventory loads");

    let check = |path: &Path| {
        let inv = load_file(path).expect("the re-import loads");
        let written = std::fs::read_to_string(path).expect("read");
        assert!(
            written.contains("description = \"Fabrikam, reviewed by the security team\""),
            "{written}"
        );
        let srv = host(&inv, "SRV-OLD");
        assert_eq!(srv.join, guardplan::inventory::raw::JoinType::Hybrid);
        assert!(srv.os.kb2871997 && srv.rds_vdi && srv.azure_vm);
        assert_eq!(srv.disable_restricted_admin, Some(0));
        assert!(srv.allow_protected_creds);
        let ws = host(&inv, "WS-NEW");
        assert!(ws.roles.contains(&HostRole::Paw), "{:?}", ws.roles);
        assert!(ws.offline_signin);
        assert_eq!(
            ws.client_policy,
            guardplan::inventory::raw::ClientPolicy::RequireRemoteGuard
        );
        assert!(
            host(&inv, "WS-LEGACY")
                .roles
                .contains(&HostRole::HelpdeskConsole)
        );
        let ada = user(&inv, "ada.admin");
        assert!(
            ada.roles
                .contains(&guardplan::inventory::raw::UserRole::Helpdesk)
        );
        assert_eq!(user(&inv, "svc-sql").kind, AccountKind::Person);
        let tier0 = inv
            .groups
            .iter()
            .find(|g| g.name == "Tier0")
            .expect("Tier0");
        assert!(
            tier0
                .roles
                .contains(&guardplan::inventory::raw::UserRole::Admin),
            "{written}"
        );
        host(&inv, "CON-SRV-01");
        user(&inv, "con.admin");
    };

    // Into the file itself (`-o` names one that exists).
    import(&["ldif", fx, "-o", out_s, "--no-timestamp"]);
    check(&out);
    // With --merge: the earlier file is read, a new one written, the earlier one untouched.
    let earlier = std::fs::read_to_string(&out).expect("read");
    let merged = dir.path().join("merged.toml");
    let merged_s = merged.to_str().expect("path");
    import(&[
        "ldif",
        fx,
        "--merge",
        out_s,
        "-o",
        merged_s,
        "--no-timestamp",
    ]);
    check(&merged);
    assert_eq!(std::fs::read_to_string(&out).expect("read"), earlier);
}

#[test]
fn what_the_directory_does_not_say_is_written_as_the_safe_default() {
    // WS-NEW without its build: Windows 11 from its name only.
    let ldif = std::fs::read_to_string(fixture()).expect("read").replace(
        "operatingSystem: Windows 10 Enterprise\r\noperatingSystemVersion: 10.0 (22631)\r\n",
        "operatingSystem: Windows 11 Enterprise\r\n",
    );
    assert!(!ldif.contains("10.0 (22631)"), "the fixture changed");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("fabrikam.ldif");
    std::fs::write(&src, ldif).expect("write");
    let out = dir.path().join("estate.toml");
    import(&[
        "ldif",
        src.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--no-timestamp",
    ]);
    let inv = load_file(&out).expect("loads");
    let text = std::fs::read_to_string(&out).expect("read");
    // The first Windows 11 release, never a newer build than the real one.
    let ws = host(&inv, "WS-NEW");
    assert_eq!((ws.os.family, ws.os.build), (OsFamily::Windows11, 22000));
    // Domains known only from a trust: the lowest functional level, with a comment.
    let contoso = inv
        .domains
        .iter()
        .find(|d| d.dns == "contoso.example")
        .expect("contoso.example");
    assert_eq!(
        contoso.functional_level,
        guardplan::inventory::raw::FunctionalLevel::W2003
    );
    assert!(text.contains("functional level not in the source: written as the lowest, 2003"));
    // No registry or policy state: the hosts count as not prepared.
    for key in [
        "kb2871997",
        "disable_restricted_admin",
        "allow_protected_creds",
        "client_policy",
        "[[path]]",
    ] {
        assert!(
            !text.lines().any(|l| l.starts_with(key)),
            "{key} is written:\n{text}"
        );
    }
    for h in &inv.hosts {
        assert!(!h.os.kb2871997 && !h.allow_protected_creds, "{}", h.name);
        assert_eq!(h.disable_restricted_admin, None, "{}", h.name);
    }
}

/// A disabled account stays in the import, marked `enabled = false`, when it is a member (here through Tier0,
/// nested in Domain Admins) of an administrators group; another disabled account is left out as before.
#[test]
fn disabled_members_of_administrators_groups_are_kept_and_marked() {
    let run = |dora_uac: u32| {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("fabrikam.ldif");
        let out = dir.path().join("estate.toml");
        let text = std::fs::read_to_string(fixture())
            .expect("read")
            .replacen(
                "member: CN=Ada Admin,OU=Admins,DC=fabrikam,DC=example",
                "member: CN=Ada Admin,OU=Admins,DC=fabrikam,DC=example\r\nmember: CN=Dora,OU=Admins,DC=fabrikam,DC=example",
                1,
            )
            .replacen(
                "dn: CN=Old Guest",
                &format!(
                    "dn: CN=Dora,OU=Admins,DC=fabrikam,DC=example\r\nobjectClass: user\r\nsAMAccountName: dora\r\nuserAccountControl: {dora_uac}\r\n\r\n\
                     dn: CN=Ned,OU=Admins,DC=fabrikam,DC=example\r\nobjectClass: user\r\nsAMAccountName: ned\r\nuserAccountControl: 514\r\n\r\n\
                     dn: CN=Old Guest"
                ),
                1,
            );
        std::fs::write(&src, text).expect("write");
        import(&[
            "ldif",
            src.to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
            "--no-timestamp",
        ]);
        let written = std::fs::read_to_string(&out).expect("read");
        let inv = load_file(&out).expect("the import loads");
        assert!(
            !inv.users.iter().any(|u| u.name == "ned"),
            "ned is left out"
        );
        let dora = user(&inv, "dora");
        (dora.enabled, dora.enabled_given, written)
    };
    let (enabled, given, text) = run(514);
    assert_eq!((enabled, given), (false, Some(false)));
    assert!(text.contains("enabled = false"), "{text}");
    // Near miss: Dora is enabled; nothing is written for it.
    let (enabled, given, _) = run(512);
    assert_eq!((enabled, given), (true, None));
}
