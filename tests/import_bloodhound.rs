//! `guardplan import bloodhound` on BloodHound CE's public v6 ingest fixtures (folder and ZIP).

use std::io::Write;
use std::path::PathBuf;

use assert_cmd::Command;
use guardplan::inventory::raw::{AccountKind, HostRole, OsFamily, TrustDirection, TrustKind};
use guardplan::inventory::{Inventory, load_file};

/// The fixtures live in `shared/data/bloodhound-ce/v6-ingest` beside the repository (CI puts `../shared`
/// beside the clone).
fn fixtures() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = root
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/data/bloodhound-ce/v6-ingest"))
        .find(|p| p.join("computers.json").is_file());
    if found.is_none() {
        let why = "the BloodHound CE fixtures (../shared/data/bloodhound-ce/v6-ingest) are not beside the repository";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
    }
    found
}

fn import(source: &std::path::Path, out: &std::path::Path) -> (Inventory, String, String) {
    let res = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "bloodhound"])
        .arg(source)
        .arg("-o")
        .arg(out)
        .arg("--no-timestamp")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&res.stderr).into_owned();
    assert!(res.status.success(), "{stderr}");
    let text = std::fs::read_to_string(out).expect("read");
    (load_file(out).expect("the import loads"), text, stderr)
}

fn check(inv: &Inventory, text: &str, stderr: &str) {
    // The domain and both trusts (string forms of direction and type).
    let dom = inv
        .domains
        .iter()
        .find(|d| d.dns == "testlab.local")
        .expect("domain");
    assert_eq!(
        dom.functional_level,
        guardplan::inventory::raw::FunctionalLevel::W2012R2
    );
    assert_eq!(dom.netbios, "TESTLAB");
    assert_eq!(inv.trusts.len(), 2);
    let name = |d: u32| inv.domains[d as usize].dns.as_str();
    let ext = inv
        .trusts
        .iter()
        .find(|t| name(t.trusted) == "external.local" || name(t.trusting) == "external.local")
        .expect("external.local");
    assert_eq!(ext.direction, TrustDirection::TwoWay);
    assert_eq!(
        ext.kind,
        TrustKind::External,
        "type Unknown is written as the most restrictive"
    );
    assert!(!ext.transitive, "an external trust is never transitive");
    assert!(text.contains("which calls it transitive"));
    assert_eq!(ext.sid_filtering, Some(true));
    let out = inv
        .trusts
        .iter()
        .find(|t| name(t.trusted) == "test.local")
        .expect("test.local");
    assert_eq!(out.direction, TrustDirection::OneWay);
    assert_eq!(
        name(out.trusting),
        "testlab.local",
        "Outbound: testlab trusts test.local"
    );

    // Hosts: the two with an operating system; the DC; local groups from LocalGroups.
    let names: Vec<&str> = inv.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, vec!["PRIMARY", "WIN10"]);
    let dc = &inv.hosts[0];
    assert_eq!(*dc.roles, [HostRole::DomainController]);
    assert_eq!(dc.os.family, OsFamily::Server2012R2);
    let win10 = &inv.hosts[1];
    assert_eq!(win10.os.family, OsFamily::Windows10);
    assert!(text.contains("build not in the source"));
    assert!(
        stderr.contains("TESTMSA") && stderr.contains("UCCOMP"),
        "{stderr}"
    );
    let admins = &inv.acls[win10.administrators as usize];
    let labels: Vec<String> = admins
        .iter()
        .map(|p| match p {
            guardplan::inventory::model::Principal::User(u) => inv.users[*u as usize].name.clone(),
            guardplan::inventory::model::Principal::Group(g) => {
                inv.groups[*g as usize].name.clone()
            }
        })
        .collect();
    assert_eq!(labels.len(), 2);
    assert!(labels.contains(&"DFM".to_string()) && labels.contains(&"DOMAIN ADMINS".to_string()));
    assert_eq!(inv.acls[win10.remote_desktop_users as usize].len(), 1);

    // Users: enabled ones only; the gMSA; admins through Domain Admins (by RID).
    let user = |n: &str| inv.users.iter().find(|u| u.name == n);
    assert!(user("GUEST").is_none() && user("KRBTGT").is_none());
    assert_eq!(
        user("TESTGMSA$").expect("gmsa").kind,
        AccountKind::ManagedServiceAccount
    );
    // The built-in Administrator by its object identifier's RID 500, and no other account.
    assert!(user("ADMINISTRATOR").expect("ADMINISTRATOR").builtin_admin);
    assert!(text.contains("builtin_admin = true"));
    assert_eq!(inv.users.iter().filter(|u| u.builtin_admin).count(), 1);
    let admin = user("ADMIN").expect("ADMIN");
    assert!(
        admin
            .roles
            .contains(&guardplan::inventory::raw::UserRole::Admin)
    );
    let da = inv
        .groups
        .iter()
        .position(|g| g.name == "DOMAIN ADMINS")
        .expect("DA") as u32;
    assert!(admin.groups.contains(&da));
    let pu = inv
        .groups
        .iter()
        .find(|g| g.name == "PROTECTED USERS")
        .expect("PU");
    assert!(pu.protected_users);
    assert!(
        inv.users.iter().all(|u| !u.protected_users),
        "Protected Users is empty in the data"
    );
}

#[test]
fn folder_imports() {
    let Some(src) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (inv, text, stderr) = import(&src, &dir.path().join("bh.toml"));
    check(&inv, &text, &stderr);
}

#[test]
fn zip_imports_the_same() {
    let Some(src) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("collection.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("create"));
    let mut names: Vec<_> = std::fs::read_dir(&src)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        zip.start_file(
            format!("20240101_{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("start");
        zip.write_all(&std::fs::read(&p).expect("read"))
            .expect("write");
    }
    zip.finish().expect("finish");
    let (inv, text, stderr) = import(&zip_path, &dir.path().join("bh.toml"));
    check(&inv, &text, &stderr);
    let (_, folder_text, _) = import(&src, &dir.path().join("bh2.toml"));
    assert_eq!(
        text.lines().skip(3).collect::<Vec<_>>(),
        folder_text.lines().skip(3).collect::<Vec<_>>(),
        "same inventory apart from the source line"
    );
}
