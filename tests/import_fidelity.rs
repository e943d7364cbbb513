//! What the importers read for the rules of December 2026: whether accounts have AES keys (`pwdLastSet`
//! against the creation of the domain's Read-only Domain Controllers group, RID 521), local groups only when
//! the source has them, and BloodHound's Remote Desktop logon right.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use guardplan::inventory::{Inventory, load_file};

fn import(kind: &str, source: &Path, out: &Path) -> (Inventory, String) {
    let res = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", kind])
        .arg(source)
        .arg("-o")
        .arg(out)
        .arg("--no-timestamp")
        .output()
        .expect("run");
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let text = std::fs::read_to_string(out).expect("read");
    (load_file(out).expect("the import loads"), text)
}

fn user<'a>(inv: &'a Inventory, name: &str) -> &'a guardplan::inventory::model::User {
    inv.users
        .iter()
        .find(|u| u.name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no user {name}"))
}

const SID: &str = "S-1-5-21-1000-2000-3000";

/// An LDIF export of one domain whose first Windows Server 2008 DC came on 2008-01-01: the Read-only Domain
/// Controllers group was created then.
fn ldif() -> String {
    let user = |name: &str, rid: u32, pwd_last_set: i64| {
        format!(
            "dn: CN={name},CN=Users,DC=old,DC=example\nobjectClass: top\nobjectClass: person\nobjectClass: user\n\
             sAMAccountName: {name}\nobjectSid: {SID}-{rid}\nuserAccountControl: 512\npwdLastSet: {pwd_last_set}\n\n"
        )
    };
    // FILETIME of 2007-06-01 and of 2010-06-01.
    let (y2007, y2010) = (128_251_296_000_000_000i64, 129_198_240_000_000_000i64);
    format!(
        "version: 1\n\n\
         dn: DC=old,DC=example\nobjectClass: top\nobjectClass: domain\nobjectClass: domainDNS\nobjectSid: {SID}\n\
         msDS-Behavior-Version: 7\n\n\
         dn: CN=Read-only Domain Controllers,CN=Users,DC=old,DC=example\nobjectClass: top\nobjectClass: group\n\
         sAMAccountName: Read-only Domain Controllers\nobjectSid: {SID}-521\nwhenCreated: 20080101000000.0Z\n\n\
         dn: CN=WS01,CN=Computers,DC=old,DC=example\nobjectClass: top\nobjectClass: user\nobjectClass: computer\n\
         sAMAccountName: WS01$\nobjectSid: {SID}-1200\nuserAccountControl: 4096\n\
         operatingSystem: Windows 11 Enterprise\noperatingSystemVersion: 10.0 (22631)\n\n{}{}{}",
        user("veteran", 1100, y2007),
        user("recent", 1101, y2010),
        user("never", 1102, 0),
    )
}

#[test]
fn ldif_aes_keys_follow_pwd_last_set_and_the_rodc_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("old.ldif");
    std::fs::write(&src, ldif()).expect("write");
    let out = dir.path().join("old.toml");
    let (inv, text) = import("ldif", &src, &out);
    assert!(!user(&inv, "veteran").aes_keys, "password set in 2007");
    assert!(user(&inv, "recent").aes_keys, "password set in 2010");
    assert!(
        user(&inv, "never").aes_keys,
        "pwdLastSet 0: not known, the default stays"
    );
    assert!(text.contains("aes_keys = false"));
    assert!(text.contains("Read-only Domain Controllers group, RID 521"));
    // No local group data in a directory export: the keys are left out, not written empty.
    let ws = &inv.hosts[inv.host_named("WS01").expect("WS01") as usize];
    assert!(!ws.administrators_given && !ws.remote_desktop_users_given);
    assert!(!text.contains("administrators ="), "{text}");
}

#[test]
fn ldif_without_the_rodc_group_keeps_the_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("old.ldif");
    let no_rodc = ldif().replace("whenCreated: 20080101000000.0Z\n", "");
    std::fs::write(&src, no_rodc).expect("write");
    let (inv, _) = import("ldif", &src, &dir.path().join("old.toml"));
    assert!(user(&inv, "veteran").aes_keys, "no date to compare with");
}

/// The BloodHound CE fixtures beside the repository, copied so that a test may change them (written anew, not
/// with `fs::copy`, which would keep a read-only fixture read-only for any user but root).
fn bloodhound_copy(into: &Path) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = root
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/data/bloodhound-ce/v6-ingest"))
        .find(|p| p.join("computers.json").is_file());
    let Some(src) = found else {
        let why = "the BloodHound CE fixtures are not beside the repository";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
        return None;
    };
    let dst = into.join("bh");
    std::fs::create_dir_all(&dst).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("read dir") {
        let e = e.expect("entry");
        let bytes = std::fs::read(e.path()).expect("read fixture");
        std::fs::write(dst.join(e.file_name()), bytes).expect("copy");
    }
    Some(dst)
}

#[test]
fn bloodhound_local_groups_user_rights_and_aes_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(bh) = bloodhound_copy(dir.path()) else {
        return;
    };
    // Administrator's password predates the Read-only Domain Controllers group (created 1568630581).
    let users = bh.join("users.json");
    let text = std::fs::read_to_string(&users).expect("read");
    assert!(text.contains("1568654366"));
    std::fs::write(&users, text.replacen("1568654366", "1500000000", 1)).expect("write");
    let (inv, toml) = import("bloodhound", &bh, &dir.path().join("bh.toml"));
    assert!(!user(&inv, "Administrator").aes_keys);
    assert!(user(&inv, "DFM").aes_keys);

    // WIN10: LocalGroups and the SeRemoteInteractiveLogonRight collected (Domain Users).
    let win10 = &inv.hosts[inv.host_named("WIN10").expect("WIN10") as usize];
    assert!(win10.administrators_given && win10.remote_desktop_users_given);
    let allowed = win10
        .rdp_logon_allowed
        .expect("the logon right was collected");
    let names: Vec<String> = inv.acls[allowed as usize]
        .iter()
        .map(|p| match p {
            guardplan::inventory::Principal::User(u) => inv.user_label(*u),
            guardplan::inventory::Principal::Group(g) => inv.group_label(*g),
        })
        .collect();
    assert_eq!(names, vec!["TESTLAB\\DOMAIN USERS".to_string()], "{toml}");
    // PRIMARY has no local group data: unknown, not empty, and no user right either.
    let primary = &inv.hosts[inv.host_named("PRIMARY").expect("PRIMARY") as usize];
    assert!(!primary.administrators_given && !primary.remote_desktop_users_given);
    assert!(primary.rdp_logon_allowed.is_none());
}
