//! Import from a real Samba Active Directory domain controller: provisioned once per test binary, filled
//! with samba-tool and ldbmodify, exported with ldbsearch (LDIF) and read live over LDAP on 127.0.0.1 of a
//! network namespace of the daemon's own.
//!
//! Needs the Debian packages `samba`, `ldb-tools`, `openssl`, `util-linux` (unshare, nsenter) and `iproute2`.
//! Root is not needed. For an ordinary user the domain is provisioned without the sysvol share's file ACLs,
//! whose owners only root may give (the tests read the directory database, never the share), and the daemon
//! runs as root of a user namespace of its own, which may listen on the LDAP ports 389 and 636 (Samba cannot
//! move them) of its own network namespace; that needs unprivileged user namespaces, which most Linux
//! distributions allow. Under CI (`CI=true`) a missing tool, or user namespaces refused, fails the tests;
//! elsewhere each says it was skipped and why.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Proc, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use guardplan::inventory::raw::{AccountKind, Delegation, EncryptionType, HostRole, OsFamily};
use guardplan::inventory::{Inventory, load_file};

const REALM: &str = "CORP.EXAMPLE.TEST";
const DNS: &str = "corp.example.test";
const BASE: &str = "DC=corp,DC=example,DC=test";
const ADMIN_PASS: &str = "Adm1n-Pass-Word!";
const USER_PASS: &str = "Us3r-Pass-Word!";

/// The provisioned domain (a directory under the target's temporary folder).
struct Dc {
    dir: PathBuf,
}

fn have(tool: &str) -> bool {
    Proc::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The `samba` daemon: on the `PATH`, or in an `sbin` folder, which an ordinary user's `PATH` often leaves out
/// (Debian installs it as `/usr/sbin/samba`).
fn samba_daemon() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("samba"))
        .find(|p| p.is_file())
}

fn run(cmd: &mut Proc) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Dc {
    fn conf(&self) -> PathBuf {
        self.dir.join("etc/smb.conf")
    }
    fn sam(&self) -> PathBuf {
        self.dir.join("private/sam.ldb")
    }
    fn tool(&self, args: &[&str]) -> String {
        run(Proc::new("samba-tool")
            .args(args)
            .arg("-s")
            .arg(self.conf()))
    }
    fn ldb(&self, tool: &str, ldif: &str) {
        let file = self.dir.join("change.ldif");
        std::fs::write(&file, ldif).expect("write ldif");
        run(Proc::new(tool).arg("-H").arg(self.sam()).arg(&file));
    }
    /// Exports the domain partition and the crossRef objects as two LDIF files.
    fn export(&self, into: &Path) -> (PathBuf, PathBuf) {
        let domain = run(Proc::new("ldbsearch")
            .arg("-H")
            .arg(self.sam())
            .args(["-b", BASE])
            .arg("(|(objectClass=domainDNS)(objectClass=trustedDomain)(objectClass=user)(objectClass=group))")
            .args(guardplan::import::ldap::ATTRIBUTES));
        let config = run(Proc::new("ldbsearch")
            .arg("-H")
            .arg(self.sam())
            .args(["-b", &format!("CN=Partitions,CN=Configuration,{BASE}")])
            .args([
                "(&(objectClass=crossRef)(nETBIOSName=*))",
                "objectClass",
                "nETBIOSName",
                "dnsRoot",
            ]));
        let (a, b) = (into.join("domain.ldif"), into.join("config.ldif"));
        std::fs::write(&a, domain).expect("write");
        std::fs::write(&b, config).expect("write");
        (a, b)
    }
    /// A copy of the domain that a test may change without disturbing the others.
    fn copy(&self, name: &str) -> Dc {
        let dir = self
            .dir
            .with_file_name(format!("{}-{name}", file_name(&self.dir)));
        let _ = std::fs::remove_dir_all(&dir);
        run(Proc::new("cp").arg("-a").arg(&self.dir).arg(&dir));
        let conf = std::fs::read_to_string(dir.join("etc/smb.conf")).expect("conf");
        let from = self.dir.display().to_string();
        let to = dir.display().to_string();
        std::fs::write(dir.join("etc/smb.conf"), conf.replace(&from, &to)).expect("conf");
        Dc { dir }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_root() -> bool {
    run(Proc::new("id").arg("-u")).trim() == "0"
}

/// Why the Samba tests cannot run here (`None` when they can): a missing tool, or an ordinary user who may not
/// make a user namespace; either fails them under CI.
fn cannot_run() -> Option<String> {
    let missing: Vec<&str> = [
        "samba-tool",
        "ldbsearch",
        "ldbmodify",
        "ldbadd",
        "openssl",
        "unshare",
        "nsenter",
        "ip",
        "python3",
    ]
    .into_iter()
    .filter(|t| !have(t))
    .chain(samba_daemon().is_none().then_some("samba"))
    .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} not installed (apt-get install samba ldb-tools openssl util-linux iproute2)",
            missing.join(", ")
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        return Some(why);
    }
    let userns = || {
        Proc::new("unshare")
            .args(["--map-root-user", "--net", "true"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !is_root() && !userns() {
        let why = "this user may not make a user namespace (`unshare --map-root-user --net true` fails), in \
                   which the Samba daemon listens on the LDAP ports: allow unprivileged user namespaces \
                   (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0) \
                   or run the tests as root";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        return Some(why.into());
    }
    None
}

/// `samba-tool domain provision` for an ordinary user: samba-tool itself, except that it does not set the file
/// ACLs of the sysvol share, which give its folders to the domain's groups (`chown`, which only root may do).
/// The tests read the directory database (ldbsearch, LDAP), never the sysvol share.
const PROVISION_AS_USER: &str = "import runpy, shutil, sys, samba.provision
assert hasattr(samba.provision, 'setsysvolacl'), 'samba.provision.setsysvolacl is gone: update the tests'
samba.provision.setsysvolacl = lambda *args, **kwargs: None
sys.argv = ['samba-tool'] + sys.argv[1:]
runpy.run_path(shutil.which('samba-tool'), run_name='__main__')
";

/// Provisions and fills the domain once; `None` (with the reason printed) when it cannot run here.
fn dc() -> Option<&'static Dc> {
    static DC: OnceLock<Result<Dc, String>> = OnceLock::new();
    match DC.get_or_init(|| cannot_run().map_or_else(|| Ok(provision()), Err)) {
        Ok(dc) => Some(dc),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Removes the domains that earlier runs of this test binary left behind (their process is gone).
fn remove_stale_domains(tmp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(dirs) = std::fs::read_dir(tmp) else {
        return;
    };
    for d in dirs.flatten() {
        let name = d.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("samba-dc-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = std::fs::remove_dir_all(d.path());
        }
    }
}

fn provision() -> Dc {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    remove_stale_domains(&tmp);
    let dir = tmp.join(format!("samba-dc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut provision = if is_root() {
        Proc::new("samba-tool")
    } else {
        let mut python = Proc::new("python3");
        python.args(["-c", PROVISION_AS_USER]);
        python
    };
    run(provision
        .args(["domain", "provision", "--targetdir"])
        .arg(&dir)
        .args([
            &format!("--realm={REALM}"),
            "--domain=CORP",
            "--server-role=dc",
            "--dns-backend=NONE",
            "--use-rfc2307",
            &format!("--adminpass={ADMIN_PASS}"),
        ]));
    let dc = Dc { dir };
    // Provisioning sets the Administrator's password while it creates the domain, as often a second before the
    // Read-only Domain Controllers group (from which the import dates the domain's AES keys) as in the same one.
    // Set again, as an administrator of a new domain would, it has AES keys whatever the timing.
    dc.tool(&[
        "user",
        "setpassword",
        "Administrator",
        &format!("--newpassword={ADMIN_PASS}"),
    ]);
    for u in ["alice", "bob", "carol", "dave", "erin", "svcsql", "svcweb"] {
        dc.tool(&["user", "add", u, USER_PASS]);
    }
    dc.tool(&[
        "spn",
        "add",
        "MSSQLSvc/sql01.corp.example.test:1433",
        "svcsql",
    ]);
    dc.tool(&["spn", "add", "HTTP/web01.corp.example.test", "svcweb"]);
    for c in ["WS01", "SRV01", "OLD01", "KIOSK01"] {
        dc.tool(&["computer", "create", c]);
    }
    dc.tool(&["group", "add", "Tier0-Admins"]);
    dc.tool(&["group", "addmembers", "Tier0-Admins", "erin,alice"]);
    dc.tool(&["group", "addmembers", "Domain Admins", "alice"]);
    dc.tool(&[
        "group",
        "addmembers",
        "Protected Users",
        "alice,svcsql,Tier0-Admins,KIOSK01$",
    ]);
    // Computers are created disabled and without an operating system; give them what Windows writes.
    let computer = |cn: &str, os: &str, ver: &str| {
        format!(
            "dn: CN={cn},CN=Computers,{BASE}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 4096\n-\n\
             replace: operatingSystem\noperatingSystem: {os}\n-\nreplace: operatingSystemVersion\noperatingSystemVersion: {ver}\n\n"
        )
    };
    let user = |cn: &str, changes: &str| {
        format!("dn: CN={cn},CN=Users,{BASE}\nchangetype: modify\n{changes}\n\n")
    };
    let ldif = [
        computer("WS01", "Windows 10 Enterprise", "10.0 (19045)"),
        computer("SRV01", "Windows Server 2022 Standard", "10.0 (20348)"),
        computer("OLD01", "Windows 7 Professional", "6.1 (7601)"),
        computer("KIOSK01", "Windows 11 Enterprise", "10.0 (22631)"),
        // alice: AES only; carol: DES only and sensitive; svcweb: unconstrained; dave: constrained.
        user("alice", "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24"),
        user("carol", "replace: userAccountControl\nuserAccountControl: 3146240"),
        user("svcweb", "replace: userAccountControl\nuserAccountControl: 524800"),
        user(
            "dave",
            "replace: msDS-AllowedToDelegateTo\nmsDS-AllowedToDelegateTo: cifs/srv01.corp.example.test",
        ),
        user("bob", "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 4"),
    ]
    .concat();
    dc.ldb("ldbmodify", &ldif);
    dc.tool(&["group", "addmembers", "Protected Users", "carol"]);
    // A group managed service account and an outbound trust with SID filtering, added to the database.
    dc.ldb(
        "ldbadd",
        &format!(
            "dn: CN=gmsa-app,CN=Managed Service Accounts,{BASE}\nobjectClass: msDS-GroupManagedServiceAccount\n\
             sAMAccountName: gmsa-app$\ndNSHostName: gmsa-app.{DNS}\nmsDS-ManagedPasswordInterval: 30\nuserAccountControl: 4096\n\n\
             dn: CN=partner.example.org,CN=System,{BASE}\nobjectClass: trustedDomain\ntrustPartner: partner.example.org\n\
             flatName: PARTNER\ntrustDirection: 2\ntrustType: 2\ntrustAttributes: 4\n"
        ),
    );
    dc
}

fn import(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.arg("import").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "import failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Imports the two LDIF files of [`Dc::export`] into `out`.
fn import_ldif(a: &Path, b: &Path, out: &str) -> String {
    let (a, b) = (a.to_str().expect("path"), b.to_str().expect("path"));
    import(&["ldif", a, b, "-o", out, "--no-timestamp"], &[])
}

fn user<'a>(inv: &'a Inventory, name: &str) -> &'a guardplan::inventory::model::User {
    inv.users
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("no user {name}"))
}

/// What every import of the provisioned domain must give, however it was read.
fn assert_estate(inv: &Inventory) {
    let d = inv.domains.iter().find(|d| d.dns == DNS).expect("domain");
    assert_eq!(d.netbios, "CORP");
    // Samba provisions at the 2008 R2 level (msDS-Behavior-Version 4).
    assert_eq!(
        d.functional_level,
        guardplan::inventory::raw::FunctionalLevel::W2008R2
    );
    let t = &inv.trusts[0];
    assert_eq!(inv.trusts.len(), 1);
    assert_eq!(inv.domains[t.trusting as usize].dns, DNS);
    assert_eq!(inv.domains[t.trusted as usize].dns, "partner.example.org");
    assert_eq!(t.sid_filtering, Some(true));

    let host = |n: &str| {
        inv.hosts
            .iter()
            .find(|h| h.name == n)
            .unwrap_or_else(|| panic!("no host {n}"))
    };
    assert_eq!(
        (host("WS01").os.family, host("WS01").os.build),
        (OsFamily::Windows10, 19045)
    );
    assert_eq!(*host("WS01").roles, [HostRole::Workstation]);
    assert_eq!(host("SRV01").os.family, OsFamily::Server2022);
    assert_eq!(*host("SRV01").roles, [HostRole::Server]);
    assert_eq!(host("OLD01").os.family, OsFamily::Windows7);
    // The Samba DC itself reports operatingSystem "Samba": not a Windows host, so not imported.
    assert_eq!(inv.hosts.len(), 4);

    let alice = user(inv, "alice");
    assert!(alice.protected_users);
    assert!(
        alice
            .roles
            .contains(&guardplan::inventory::raw::UserRole::Admin),
        "Domain Admins by RID 512"
    );
    assert_eq!(
        *alice.etypes,
        [EncryptionType::Aes128, EncryptionType::Aes256]
    );
    assert!(
        user(inv, "erin").protected_users,
        "through Tier0-Admins nested in Protected Users"
    );
    assert!(!user(inv, "bob").protected_users);
    assert_eq!(*user(inv, "bob").etypes, [EncryptionType::Rc4]);
    let carol = user(inv, "carol");
    assert!(carol.not_delegated && carol.protected_users);
    assert_eq!(*carol.etypes, [EncryptionType::Des]);
    assert_eq!(user(inv, "svcsql").kind, AccountKind::Service);
    assert_eq!(user(inv, "svcweb").delegation, Delegation::Unconstrained);
    assert_eq!(user(inv, "dave").delegation, Delegation::Constrained);
    assert_eq!(
        user(inv, "gmsa-app$").kind,
        AccountKind::ManagedServiceAccount
    );
    let kiosk = user(inv, "KIOSK01$");
    assert_eq!(kiosk.kind, AccountKind::Computer);
    assert!(kiosk.protected_users);
    assert!(
        inv.users
            .iter()
            .all(|u| u.name != "krbtgt" && u.name != "Guest")
    );
}

#[test]
fn ldbsearch_export_imports() {
    let Some(dc) = dc() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = dc.export(tmp.path());
    let out = tmp.path().join("corp.toml");
    import_ldif(&a, &b, out.to_str().expect("p"));
    let inv = load_file(&out).expect("the import loads");
    assert_estate(&inv);
}

#[test]
fn findings_follow_from_the_imported_directory() {
    let Some(dc) = dc() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = dc.export(tmp.path());
    let out = tmp.path().join("corp.toml");
    import_ldif(&a, &b, out.to_str().expect("p"));
    // The access paths are the administrator's part: carol administers SRV01 from the Windows 7 machine.
    let text = std::fs::read_to_string(&out).expect("read")
        + "\n[[path]]\nname = \"carol-admin\"\npurpose = \"admin\"\nwho = [\"user:carol\"]\nfrom = [\"host:OLD01\"]\nto = [\"host:SRV01\"]\n";
    let inv = guardplan::inventory::load_str("corp.toml", &text).expect("loads");
    let graph = guardplan::graph::TrustGraph::new(&inv);
    let ev = guardplan::rules::evaluate(&inv, &graph);
    let has = |code: &str, user: Option<&str>| {
        ev.findings.iter().any(|f| {
            f.code.as_str() == code
                && user.is_none_or(|n| {
                    f.subjects.iter().any(|s| {
                        matches!(s, guardplan::Subject::User(u) if inv.users[*u as usize].name == n)
                    })
                })
        })
    };
    assert!(
        has("PU-SERVICE-ACCOUNT", Some("svcsql")),
        "SPN account in Protected Users"
    );
    assert!(
        !has("PU-SERVICE-ACCOUNT", Some("gmsa-app$")),
        "not a member"
    );
    assert!(has("PU-COMPUTER-ACCOUNT", Some("KIOSK01$")));
    assert!(has("PU-DFL", Some("alice")), "the domain is at 2008 R2");
    // The built-in Administrator (RID 500) is in Domain Admins and not protected, but Protected Users would not
    // protect it (PU-BUILTIN-ADMIN): it is no candidate.
    assert!(
        !has("PU-CANDIDATE", Some("Administrator")),
        "the built-in Administrator is proposed for Protected Users"
    );
    // carol has DES keys only, but her domain is at the 2008 R2 functional level: the domain controller
    // protections, pre-authentication without DES/RC4 among them, do not apply there.
    assert!(
        !has("PU-WEAK-ETYPES", Some("carol")),
        "DC protections need 2012 R2"
    );
    assert!(has("PU-DFL", Some("carol")), "DES only, below 2012 R2");
    assert!(!has("PU-WEAK-ETYPES", Some("alice")), "AES");
    assert!(has("RCG-CLIENT-OS", None), "Windows 7 client");
    assert!(has("RA-NO-LAPS", None), "SRV01 has no LAPS");
}

/// The import has no local group data: it leaves the keys out, and the rules read them as unknown, knowing
/// that joining the domain put Domain Admins into every computer's Administrators.
#[test]
fn a_domain_admin_on_a_domain_joined_windows_11_host_gets_a_protective_mode() {
    let Some(dc) = dc() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = dc.export(tmp.path());
    let out = tmp.path().join("corp.toml");
    import_ldif(&a, &b, out.to_str().expect("p"));
    let imported = std::fs::read_to_string(&out).expect("read");
    assert!(
        !imported.contains("administrators =") && !imported.contains("remote_desktop_users ="),
        "no local group data in LDAP: the keys are left out"
    );
    assert!(
        !imported.contains("aes_keys = false"),
        "every password was set after the domain had AES keys"
    );
    // Administrator (Domain Admins) and bob (no group) connect from the Windows 11 kiosk to itself.
    let text = imported
        + "\n[[path]]\nname = \"da-admin\"\npurpose = \"admin\"\nwho = [\"user:Administrator\"]\nfrom = [\"host:KIOSK01\"]\nto = [\"host:KIOSK01\"]\n"
        + "\n[[path]]\nname = \"bob-admin\"\npurpose = \"admin\"\nwho = [\"user:bob\"]\nfrom = [\"host:KIOSK01\"]\nto = [\"host:KIOSK01\"]\n";
    let inv = guardplan::inventory::load_str("corp.toml", &text).expect("loads");
    let kiosk = inv.host_named("KIOSK01").expect("KIOSK01");
    let kiosk = &inv.hosts[kiosk as usize];
    assert_eq!(kiosk.os.family, OsFamily::Windows11);
    assert!(!kiosk.administrators_given && !kiosk.remote_desktop_users_given);
    let graph = guardplan::graph::TrustGraph::new(&inv);
    let ev = guardplan::rules::evaluate(&inv, &graph);
    let pid = |name: &str| inv.index.paths[name] as usize;
    let codes = |name: &str, mode: guardplan::Mode| -> Vec<&str> {
        ev.findings_of(pid(name) as u32, mode)
            .map(|f| f.code.as_str())
            .collect()
    };
    let da = &ev.paths[pid("da-admin")];
    assert!(
        matches!(
            da.recommended,
            Some(
                guardplan::Mode::RemoteGuard
                    | guardplan::Mode::PreferRemoteGuard
                    | guardplan::Mode::RestrictedAdmin
            )
        ),
        "a protective mode for a Domain Admin: {:?} {:?}",
        da.recommended,
        da.rationale
    );
    for mode in [
        guardplan::Mode::RemoteGuard,
        guardplan::Mode::RestrictedAdmin,
    ] {
        let c = codes("da-admin", mode);
        assert!(
            !c.iter().any(|c| matches!(
                *c,
                "RCG-NO-RDP-RIGHT" | "RA-NOT-ADMIN" | "RDP-RIGHTS-UNKNOWN"
            )),
            "{mode}: {c:?}"
        );
    }
    // bob is in no local group the directory knows: unknown, not refused.
    let bob = codes("bob-admin", guardplan::Mode::RestrictedAdmin);
    assert!(bob.contains(&"RDP-RIGHTS-UNKNOWN"), "{bob:?}");
    assert!(!bob.contains(&"RA-NOT-ADMIN"), "{bob:?}");
}

#[test]
fn reimport_after_directory_changes() {
    let Some(dc) = dc() else { return };
    let dc = dc.copy("reimport");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("corp.toml");
    let out_s = out.to_str().expect("p");
    let (a, b) = dc.export(tmp.path());
    import_ldif(&a, &b, out_s);
    // The administrator adds a path and client facts.
    let text = std::fs::read_to_string(&out).expect("read").replace(
        "[[host]]\nname = \"WS01\"\n",
        "# helpdesk console on the first floor\n[[host]]\nname = \"WS01\"\nrdp_client = \"uwp\"\ndc_line_of_sight = false\n",
    ) + "\n[[path]]\nname = \"helpdesk\"\npurpose = \"helpdesk\"\nwho = [\"user:bob\"]\nfrom = [\"host:WS01\"]\nto = [\"host:SRV01\"]\n";
    std::fs::write(&out, text).expect("write");

    dc.tool(&["user", "add", "frank", USER_PASS]);
    dc.tool(&["user", "delete", "dave"]);
    dc.tool(&["group", "removemembers", "Protected Users", "svcsql"]);
    let (a, b) = dc.export(tmp.path());
    let stdout = import_ldif(&a, &b, out_s);
    assert!(stdout.contains(&format!("+ user frank@{DNS}")), "{stdout}");
    assert!(stdout.contains(&format!("- user dave@{DNS}")), "{stdout}");
    assert!(
        stdout.contains(&format!("~ user svcsql@{DNS}: member_of - protected users")),
        "{stdout}"
    );

    let inv = load_file(&out).expect("the re-import loads");
    let ws = inv.hosts.iter().find(|h| h.name == "WS01").expect("WS01");
    assert_eq!(ws.rdp_client, guardplan::inventory::raw::RdpClient::Uwp);
    assert!(!ws.dc_line_of_sight);
    assert_eq!(inv.paths.len(), 1);
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .contains("# helpdesk console on the first floor\n")
    );
    let _ = std::fs::remove_dir_all(&dc.dir);
}

/// The `samba` daemon on a copy of the domain, in a network namespace of its own (and, for an ordinary user, a
/// user namespace whose root it is): its LDAP ports 389 and 636 are those of its own loopback, so neither
/// another program nor another run of these tests can hold them. Stopped (and the copy removed) when dropped.
struct Daemon {
    child: Child,
    dc: Dc,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dc.dir);
    }
}

impl Daemon {
    /// `guardplan` run in the daemon's network namespace.
    fn guardplan(&self) -> Command {
        let mut cmd = Command::new("nsenter");
        let ns = format!("/proc/{}/ns", self.child.id());
        if !is_root() {
            // Entering a network namespace takes a capability in the user namespace that owns it.
            cmd.arg(format!("--user={ns}/user"))
                .arg("--preserve-credentials");
        }
        cmd.arg(format!("--net={ns}/net"))
            .arg(env!("CARGO_BIN_EXE_guardplan"));
        cmd
    }

    /// Whether the daemon listens on TCP `port` (the kernel's socket table of its namespace).
    fn listens(&self, port: u16) -> bool {
        let local = format!(":{port:04X}");
        ["tcp", "tcp6"].iter().any(|t| {
            std::fs::read_to_string(format!("/proc/{}/net/{t}", self.child.id()))
                .unwrap_or_default()
                .lines()
                .skip(1)
                .any(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    // `st` 0A is LISTEN.
                    f.len() > 3 && f[1].ends_with(&local) && f[3] == "0A"
                })
        })
    }
}

/// Starts `samba` on a copy of the domain named `name`, with `extra` lines in `[global]`, in a new network
/// namespace, and waits until it listens on every port of `ports`.
fn start_daemon(dc: &Dc, name: &str, extra: &str, ports: &[u16]) -> Daemon {
    let dc = dc.copy(name);
    let conf = std::fs::read_to_string(dc.conf()).expect("conf");
    let extra = format!(
        "\tinterfaces = 127.0.0.1\n\tbind interfaces only = yes\n\tserver services = ldap\n\t\
         ldap server require strong auth = no\n\tlog file = {dir}/samba.log\n\tpid directory = {dir}\n{extra}",
        dir = dc.dir.display(),
    );
    let conf: String = conf
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("server services")
                && !l.trim_start().starts_with("log file")
        })
        .map(|l| {
            if l.trim() == "[global]" {
                format!("{l}\n{extra}")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dc.conf(), conf).expect("conf");
    // unshare runs the shell, and the shell runs samba, in place: the child's id is the daemon's.
    let namespaces: &[&str] = if is_root() {
        &["--net"]
    } else {
        &["--map-root-user", "--net"]
    };
    let child = Proc::new("unshare")
        .args(namespaces)
        .args(["--", "sh", "-c"])
        .arg("ip link set lo up && exec \"$0\" -F -M single -s \"$1\"")
        .arg(samba_daemon().expect("samba is installed"))
        .arg(dc.conf())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start samba");
    let mut daemon = Daemon { child, dc };
    let start = Instant::now();
    for port in ports {
        while !daemon.listens(*port) {
            let log = format!("{}/samba.log", daemon.dc.dir.display());
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!("samba ended ({status}) before it listened on port {port} (log: {log})");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "samba did not listen on port {port} within 60 s (log: {log})",
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    daemon
}

/// Runs `guardplan import ldap URL` as the domain administrator, with `args` before `-o OUT`.
fn import_ldap(url: &str, args: &[&str], out: &Path, password: &str) -> std::process::Output {
    let cmd = Command::cargo_bin("guardplan").expect("binary");
    import_ldap_with(cmd, url, args, out, password)
}

/// [`import_ldap`] with `cmd` as the program, such as `guardplan` in a daemon's network namespace.
fn import_ldap_with(
    mut cmd: Command,
    url: &str,
    args: &[&str],
    out: &Path,
    password: &str,
) -> std::process::Output {
    cmd.args(["import", "ldap", url, "--base", BASE]).args(args);
    if !args.contains(&"--timeout") {
        cmd.args(["--timeout", "10"]);
    }
    cmd.args([
        "--bind",
        &format!("Administrator@{DNS}"),
        "--no-timestamp",
        "-o",
    ])
    .arg(out)
    .env("GUARDPLAN_LDAP_PASSWORD", password)
    .timeout(Duration::from_secs(120));
    cmd.output().expect("run")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a successful live import into `out` that gives the estate and does not contain the password.
fn assert_live_import(res: &std::process::Output, out: &Path) {
    assert!(res.status.success(), "{}", stderr(res));
    let text = std::fs::read_to_string(out).expect("read");
    assert!(!text.contains(ADMIN_PASS), "the password is never written");
    let inv = load_file(out).expect("the live import loads");
    assert_estate(&inv);
}

#[test]
fn live_ldap_import_matches_the_ldif_import() {
    let Some(dc) = dc() else { return };
    let daemon = start_daemon(dc, "ldap", "\ttls enabled = no\n", &[389]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("live.toml");
    let plain = ["--insecure-plain"];
    assert_live_import(
        &import_ldap_with(
            daemon.guardplan(),
            "ldap://127.0.0.1",
            &plain,
            &out,
            ADMIN_PASS,
        ),
        &out,
    );

    // A wrong password is an error, and nothing is written.
    let bad = tmp.path().join("bad.toml");
    let res = import_ldap_with(
        daemon.guardplan(),
        "ldap://127.0.0.1",
        &plain,
        &bad,
        "wrong-Pass-9",
    );
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("bind as `Administrator@{DNS}` failed"))
            && err.contains("invalidCredentials"),
        "{err}"
    );
    assert!(
        !err.contains("wrong-Pass-9"),
        "the password is not in messages"
    );
    assert!(!bad.exists());
    drop(daemon);
}

/// Makes a CA named `name` in `dir` (`name.pem`, `name.key`) with openssl.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    let (pem, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    run(Proc::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&pem)
        .args(["-subj", &format!("/CN={name}")])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]));
    pem
}

/// A server certificate for the address 127.0.0.1 issued by the CA `ca` (`dc.pem`, `dc.key`).
fn make_server_cert(dir: &Path, ca: &Path) -> (PathBuf, PathBuf) {
    let (pem, key, csr, ext) = (
        dir.join("dc.pem"),
        dir.join("dc.key"),
        dir.join("dc.csr"),
        dir.join("dc.ext"),
    );
    run(Proc::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&csr));
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    run(Proc::new("openssl")
        .args(["x509", "-req", "-days", "30", "-CAcreateserial"])
        .arg("-in")
        .arg(&csr)
        .arg("-CA")
        .arg(ca)
        .arg("-CAkey")
        .arg(ca.with_extension("key"))
        .arg("-extfile")
        .arg(&ext)
        .arg("-out")
        .arg(&pem));
    (pem, key)
}

#[test]
fn ldaps_and_starttls_trust_the_given_ca_and_refuse_others() {
    let Some(dc) = dc() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let pki = tmp.path();
    let ca = make_ca(pki, "corp-root");
    let other_ca = make_ca(pki, "other-root");
    let (cert, key) = make_server_cert(pki, &ca);
    let tls = format!(
        "\ttls enabled = yes\n\ttls certfile = {}\n\ttls keyfile = {}\n\ttls cafile = {}\n",
        cert.display(),
        key.display(),
        ca.display()
    );
    let daemon = start_daemon(dc, "tls", &tls, &[389, 636]);
    let (ca_s, other_s) = (ca.to_str().expect("path"), other_ca.to_str().expect("path"));

    // LDAPS and StartTLS with the CA that issued the DC's certificate read the whole estate.
    for url in ["ldaps://127.0.0.1", "ldap://127.0.0.1"] {
        let out = tmp.path().join("tls.toml");
        let _ = std::fs::remove_file(&out);
        let res = import_ldap_with(
            daemon.guardplan(),
            url,
            &["--ca-cert", ca_s],
            &out,
            ADMIN_PASS,
        );
        assert_live_import(&res, &out);
    }

    // Another CA, or none (the system's roots only), is refused before the password is sent.
    for (url, args) in [
        ("ldaps://127.0.0.1", vec!["--ca-cert", other_s]),
        ("ldap://127.0.0.1", vec!["--ca-cert", other_s]),
        ("ldaps://127.0.0.1", vec![]),
    ] {
        let out = tmp.path().join("refused.toml");
        let res = import_ldap_with(daemon.guardplan(), url, &args, &out, ADMIN_PASS);
        let err = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{url} {args:?}: {err}");
        assert!(
            err.contains("certificate is not trusted") && err.contains("--ca-cert FILE"),
            "{url} {args:?}: {err}"
        );
        assert!(!out.exists());
    }

    // The certificate names 127.0.0.1 only: `localhost`, the same server under another name, is refused.
    let out = tmp.path().join("name.toml");
    let res = import_ldap_with(
        daemon.guardplan(),
        "ldaps://localhost",
        &["--ca-cert", ca_s],
        &out,
        ADMIN_PASS,
    );
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains("certificate does not name `localhost`"),
        "{err}"
    );
    assert!(!out.exists());
    drop(daemon);
}

/// A one-connection LDAP server on 127.0.0.1 that reads the bind request, sends `reply` and then stays
/// silent until the client hangs up (at most 30 s). Returns the URL.
fn fake_server(reply: &'static [u8]) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
            let mut buf = [0u8; 512];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(reply);
            while conn.read(&mut buf).is_ok_and(|n| n > 0) {}
        }
    });
    (format!("ldap://127.0.0.1:{port}"), server)
}

#[test]
fn a_server_that_never_answers_the_bind_is_given_up() {
    let (url, server) = fake_server(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x.toml");
    let res = import_ldap(&url, &["--insecure-plain", "--timeout", "1"], &out, "pw");
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("no answer within 1 s"), "{err}");
    assert!(!out.exists());
    let _ = server.join();
}

#[test]
fn a_malformed_server_reply_is_an_error_not_a_crash() {
    // The bind is answered with an empty LDAP message (`30 00`), which the client cannot parse.
    let (url, server) = fake_server(&[0x30, 0x00]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x.toml");
    let res = import_ldap(&url, &["--insecure-plain"], &out, "pw");
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.starts_with(&format!("error: reading {url} failed:")),
        "{err}"
    );
    assert!(err.contains("guardplan import ldif"), "{err}");
    assert!(!out.exists());
    let _ = server.join();
}
