//! Import from a real Samba Active Directory domain controller: provisioned once per test binary, filled
//! with samba-tool and ldbmodify, exported with ldbsearch (LDIF) and read live over LDAP on 127.0.0.1.
//!
//! Needs the Debian packages `samba` and `ldb-tools`. Under CI (`CI=true`) their absence fails the tests;
//! elsewhere each test says it was skipped and why.

use std::net::TcpStream;
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

/// Provisions and fills the domain once; `None` (with the reason printed) when Samba is not installed.
fn dc() -> Option<&'static Dc> {
    static DC: OnceLock<Option<Dc>> = OnceLock::new();
    DC.get_or_init(|| {
        let missing: Vec<&str> = ["samba-tool", "samba", "ldbsearch", "ldbmodify", "ldbadd"]
            .into_iter()
            .filter(|t| !have(t))
            .collect();
        if !missing.is_empty() {
            let why = format!(
                "{} not installed (apt-get install samba ldb-tools)",
                missing.join(", ")
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("skipped: {why}");
            return None;
        }
        Some(provision())
    })
    .as_ref()
    .or_else(|| {
        eprintln!("skipped: Samba is not installed");
        None
    })
}

fn provision() -> Dc {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("samba-dc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    run(Proc::new("samba-tool")
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
    assert_eq!(host("WS01").roles, vec![HostRole::Workstation]);
    assert_eq!(host("SRV01").os.family, OsFamily::Server2022);
    assert_eq!(host("SRV01").roles, vec![HostRole::Server]);
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
        alice.etypes,
        vec![EncryptionType::Aes128, EncryptionType::Aes256]
    );
    assert!(
        user(inv, "erin").protected_users,
        "through Tier0-Admins nested in Protected Users"
    );
    assert!(!user(inv, "bob").protected_users);
    assert_eq!(user(inv, "bob").etypes, vec![EncryptionType::Rc4]);
    let carol = user(inv, "carol");
    assert!(carol.not_delegated && carol.protected_users);
    assert_eq!(carol.etypes, vec![EncryptionType::Des]);
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
    assert!(
        has("PU-CANDIDATE", Some("Administrator")),
        "in Domain Admins, not protected"
    );
    assert!(has("PU-WEAK-ETYPES", Some("carol")), "DES only");
    assert!(!has("PU-WEAK-ETYPES", Some("alice")), "AES");
    assert!(has("RCG-CLIENT-OS", None), "Windows 7 client");
    assert!(has("RA-NO-LAPS", None), "SRV01 has no LAPS");
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

/// The `samba` daemon on the copy, stopped when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn live_ldap_import_matches_the_ldif_import() {
    let Some(dc) = dc() else { return };
    let uid = run(Proc::new("id").arg("-u"));
    if uid.trim() != "0" {
        eprintln!("skipped: the samba daemon needs root to listen on port 389");
        return;
    }
    if TcpStream::connect(("127.0.0.1", 389)).is_ok() {
        let why = "something already listens on 127.0.0.1:389";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let dc = dc.copy("ldap");
    let conf = std::fs::read_to_string(dc.conf()).expect("conf");
    let extra = format!(
        "\tinterfaces = 127.0.0.1\n\tbind interfaces only = yes\n\tserver services = ldap\n\ttls enabled = no\n\t\
         ldap server require strong auth = no\n\tlog file = {}/samba.log\n\tpid directory = {}\n",
        dc.dir.display(),
        dc.dir.display()
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
    let child = Proc::new("samba")
        .args(["-F", "-M", "single", "-s"])
        .arg(dc.conf())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start samba");
    let _daemon = Daemon(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", 389)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "samba did not listen on 127.0.0.1:389 within 60 s (log: {}/samba.log)",
            dc.dir.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("live.toml");
    let ldap = |out: &Path, password: &str| {
        let mut cmd = Command::cargo_bin("guardplan").expect("binary");
        cmd.args([
            "import",
            "ldap",
            "ldap://127.0.0.1",
            "--base",
            BASE,
            "--insecure-plain",
        ])
        .args([
            "--bind",
            &format!("Administrator@{DNS}"),
            "--no-timestamp",
            "-o",
        ])
        .arg(out)
        .env("GUARDPLAN_LDAP_PASSWORD", password);
        cmd.output().expect("run")
    };
    let res = ldap(&out, ADMIN_PASS);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(!text.contains(ADMIN_PASS), "the password is never written");
    let inv = load_file(&out).expect("the live import loads");
    assert_estate(&inv);

    // A wrong password is an error, and nothing is written.
    let bad = tmp.path().join("bad.toml");
    let res = ldap(&bad, "wrong");
    assert_eq!(res.status.code(), Some(2));
    assert!(!bad.exists());
    drop(_daemon);
    let _ = std::fs::remove_dir_all(&dc.dir);
}
