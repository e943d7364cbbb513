//! Generated scripts: deterministic, and no inventory content can inject a command.

use crate::plan_common;

use guardplan::inventory::Inventory;
use guardplan::plan::scripts::{self, ScriptError, ps_quote};
use guardplan::plan::{Workspace, io};
use plan_common::TODAY;

/// The shared estate, with SRV-01 explicitly refusing Restricted Admin today.
fn estate() -> Inventory {
    let mut inv = plan_common::inventory();
    inv.hosts[1].disable_restricted_admin = Some(1);
    inv
}

fn workspace(inv: Inventory) -> Workspace {
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
         [[stage]]\nname = \"targets\"\nhosts = [\"*\"]\n\
         [[stage]]\nname = \"pilot\"\npaths = [\"tier1\"]\n\
         [[stage]]\nname = \"protect\"\nusers = [\"*\"]\n\
         [[stage]]\nname = \"enforce\"\nclients = [\"host:PAW-01\"]\n\
         [[decision]]\npath = \"tier1\"\nmode = \"remote-guard\"\n",
        io::fingerprint(&inv)
    );
    let plan = io::parse("p.toml", &text).expect("plan parses");
    Workspace::new(inv, Some(plan), TODAY)
}

fn all_text(files: &[scripts::ScriptFile]) -> String {
    files
        .iter()
        .map(|f| format!("=== {}\n{}", f.name, f.content))
        .collect()
}

#[test]
fn every_stage_gets_scripts_and_rollbacks() {
    let ws = workspace(estate());
    let files = scripts::stage_scripts(&ws).expect("scripts");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for want in [
        "01-targets.ps1",
        "01-targets.rollback.ps1",
        "01-targets.targets-restricted-admin.reg",
        "01-targets.targets-protected-creds.rollback.reg",
        "02-pilot.ps1",
        "03-protect.ps1",
        "03-protect.rollback.ps1",
        "04-enforce.ps1",
        "04-enforce.clients-type2.reg",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let text = all_text(&files);
    // Hosts are named by FQDN, with the values each one gets.
    let sets = crate::plan_common::host_sets(&text);
    assert!(sets.contains(&(
        "SRV-01.corp.contoso.com".into(),
        "AllowProtectedCreds = 1; DisableRestrictedAdmin = 0".into()
    )));
    assert!(sets.contains(&(
        "PAW-01.corp.contoso.com".into(),
        "RestrictedRemoteAdministration = 1; RestrictedRemoteAdministrationType = 2".into()
    )));
    assert!(text.contains("\"AllowProtectedCreds\"=dword:00000001"));
    assert!(text.contains("\"RestrictedRemoteAdministrationType\"=dword:00000002"));
    // A refresh can only put a GPO's value back: no gpupdate; GPO-managed values are reported instead.
    assert!(!text.contains("gpupdate.exe /force"));
    assert!(text.contains("RSOP_RegistryPolicySetting"));
    assert!(text.contains("@{ Target = 'SRV-01.corp.contoso.com'; Switch = '/remoteGuard' }"));
    assert!(text.contains("'{0}-525' -f $domain.DomainSID"));
    assert!(text.contains("Add-ADGroupMember"));
    assert!(text.contains("Remove-ADGroupMember"));
    assert!(text.contains("ProtectedUserFailures-DomainController"));
    // The account's password age is checked against the date the domain had AES keys.
    assert!(text.contains("$account.PasswordLastSet -lt $aesSince"));
    // SRV-01 had DisableRestrictedAdmin = 1: its .reg rollback sets 1 again, the plain one deletes the value
    // only for hosts that had none.
    let was1 = files
        .iter()
        .find(|f| f.name == "01-targets.targets-restricted-admin.rollback-was-1.reg")
        .expect("rollback for hosts that had 1");
    assert!(
        was1.content
            .contains("\"DisableRestrictedAdmin\"=dword:00000001")
    );
    assert!(was1.content.contains("SRV-01.corp.contoso.com"));
    let plain = files
        .iter()
        .find(|f| f.name == "01-targets.targets-restricted-admin.rollback.reg")
        .expect("rollback for hosts that had no value");
    assert!(plain.content.contains("\"DisableRestrictedAdmin\"=-"));
    assert!(plain.content.contains("PAW-01.corp.contoso.com"));
    assert!(!plain.content.contains("SRV-01"));
    assert_eq!(
        scripts::stage_scripts(&ws).expect("again"),
        files,
        "deterministic"
    );

    let dir = tempfile::tempdir().expect("dir");
    let written = scripts::write_scripts(&ws, dir.path()).expect("written");
    assert_eq!(written.len(), files.len());
}

/// PowerShell's quote characters: ASCII `'` and the typographic ones it accepts as the same.
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Parses one string expression the way PowerShell would read it: `'...'` (quotes doubled) or `( TERM + TERM ..)`
/// with `'...'` and `[char]0xHHHH` terms. Returns the value and the rest of the line.
fn ps_string(s: &str) -> Option<(String, &str)> {
    fn literal(s: &str) -> Option<(Vec<u16>, &str)> {
        let mut chars = s.char_indices();
        let (_, q) = chars.next()?;
        if !is_quote(q) {
            return None;
        }
        let mut out = String::new();
        let mut chars = chars.peekable();
        while let Some((i, c)) = chars.next() {
            if is_quote(c) {
                if let Some(&(_, n)) = chars.peek().filter(|(_, n)| is_quote(*n)) {
                    out.push(n);
                    chars.next();
                    continue;
                }
                return Some((out.encode_utf16().collect(), &s[i + c.len_utf8()..]));
            }
            out.push(c);
        }
        None
    }
    if !s.starts_with('(') {
        let (units, rest) = literal(s)?;
        return Some((String::from_utf16(&units).ok()?, rest));
    }
    let mut rest = &s[1..];
    let mut units = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix("[char]0x") {
            let hex = r.get(..4)?;
            units.push(u16::from_str_radix(hex, 16).ok()?);
            rest = &r[4..];
        } else {
            let (u, r) = literal(rest)?;
            units.extend(u);
            rest = r;
        }
        if let Some(r) = rest.strip_prefix(" + ") {
            rest = r;
        } else {
            let r = rest.strip_prefix(')')?;
            return Some((String::from_utf16(&units).ok()?, r));
        }
    }
}

/// The rows `@{ Key = VALUE; .. }` of a script's lists, each key with its value (strings evaluated); `None` when a
/// row does not parse back to exactly that shape, that is when something escaped its literal.
fn ps_rows(text: &str) -> Option<Vec<Vec<(String, String)>>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let Some(mut rest) = line.strip_prefix("    @{ ") else {
            continue;
        };
        // A group of hosts: its names follow on their own lines.
        if line.ends_with("= @(") {
            continue;
        }
        let mut row = Vec::new();
        loop {
            let (key, r) = rest.split_once(" = ")?;
            let (value, r) = match ps_string(r) {
                Some(v) => v,
                // A nested table of constant keys and numbers (`Set = @{ A = 1; B = 0 }`).
                None if r.starts_with("@{") => {
                    let end = r.find(" }")? + 2;
                    (r[..end].to_string(), &r[end..])
                }
                None => {
                    let end = r.find([';', ' '])?;
                    (r[..end].to_string(), &r[end..])
                }
            };
            row.push((key.to_string(), value));
            if let Some(r) = r.strip_prefix("; ") {
                rest = r;
            } else if r == " }" {
                break;
            } else {
                return None;
            }
        }
        rows.push(row);
    }
    Some(rows)
}

/// Account names that are legal in Active Directory and hostile or fragile in a script read in a code page.
const TRICKY_ACCOUNTS: &[&str] = &[
    "o'brien",
    "o\u{2019}brien",
    "a{b}%",
    "\u{0451}-(\u{0451}\u{0451})}#",
    "\u{0451}'-(\u{0451})-'",
    "\u{0414}\u{043C}\u{0438}\u{0442}\u{0440}\u{0438}\u{0439}",
    "\u{0142}\u{0151}\u{00D1}.admin",
    "\u{5C71}\u{7530}\u{592A}\u{90CE}",
    "\u{20000}\u{5C71}",
    "\u{201A}\u{2018}x",
];

#[test]
fn every_name_stays_in_its_literal_in_any_code_page() {
    for name in TRICKY_ACCOUNTS {
        let mut inv = estate();
        inv.users[0].name = name.to_string();
        let ws = workspace(inv);
        let files = scripts::stage_scripts(&ws).expect("a legal account name is accepted");
        for f in files.iter().filter(|f| f.name.ends_with(".ps1")) {
            let bytes = f.content.as_bytes();
            let body = bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or_else(|| panic!("{} has no byte order mark", f.name));
            assert!(body.is_ascii(), "{} has bytes above 0x7F", f.name);
            for enc in [encoding_rs::WINDOWS_1252, encoding_rs::UTF_8] {
                let (text, _) = enc.decode_without_bom_handling(bytes);
                let rows = ps_rows(&text).unwrap_or_else(|| {
                    panic!(
                        "{name:?}: a row of {} does not parse as {}:\n{text}",
                        f.name,
                        enc.name()
                    )
                });
                if f.name.starts_with("03-protect") {
                    let users: Vec<_> = rows.iter().filter(|r| r[0].0 == "Name").collect();
                    assert_eq!(
                        users,
                        vec![&vec![
                            ("Name".to_string(), name.to_string()),
                            ("Domain".to_string(), "corp.contoso.com".to_string())
                        ]],
                        "{name:?} in {} read as {}",
                        f.name,
                        enc.name()
                    );
                }
            }
        }
        assert!(
            files.iter().any(|f| f.name == "03-protect.ps1"),
            "enrollment script"
        );
    }
}

#[test]
fn hostile_names_stop_generation() {
    let hostile = [
        "SRV;calc",
        "SRV`whoami`",
        "$(Invoke-Evil)",
        "SRV-01\nRemove-Item C:\\",
        "SRV'; Stop-Computer; '",
        "S\u{202E}10-VRS",
        "SRV\u{200B}01",
        "SRV\"01",
    ];
    for bad in hostile {
        let mut inv = estate();
        inv.hosts[1].name = bad.to_string();
        let ws = workspace(inv);
        let err = scripts::stage_scripts(&ws).expect_err("hostile host name refused");
        assert!(
            matches!(err, ScriptError::InvalidName { what: "host", .. }),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains("refusing to generate scripts"));
        let dir = tempfile::tempdir().expect("dir");
        assert!(scripts::write_scripts(&ws, dir.path()).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("list").count(),
            0,
            "nothing written"
        );
    }
    for bad in [
        "alice;rm",
        "x`y",
        "a\nb",
        "ad\u{202E}min",
        "a\"b",
        "a|b",
        "d$(x)",
    ] {
        let mut inv = estate();
        inv.users[0].name = bad.to_string();
        let err = scripts::stage_scripts(&workspace(inv)).expect_err("hostile account refused");
        assert!(
            matches!(
                err,
                ScriptError::InvalidName {
                    what: "account",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
    }
    let mut inv = estate();
    inv.domains[0].dns = "corp.contoso.com'; evil; '".into();
    let err = scripts::stage_scripts(&workspace(inv)).expect_err("hostile domain refused");
    assert!(
        matches!(err, ScriptError::InvalidName { what: "domain", .. }),
        "{err}"
    );
}

#[test]
fn quoting_functions() {
    assert_eq!(ps_quote("a'b"), "'a''b'");
    assert_eq!(ps_quote("$(x)`n"), "'$(x)`n'");
    assert_eq!(ps_quote("o\u{2019}b"), "('o' + [char]0x2019 + 'b')");
    assert_eq!(ps_quote("\u{0451}'x"), "('' + [char]0x0451 + '''x')");
    assert_eq!(ps_quote("\u{1D49C}"), "('' + [char]0xD835 + [char]0xDC9C)");
    assert_eq!(scripts::reg_quote("a\\b\"c"), "\"a\\\\b\\\"c\"");
}

#[test]
fn exporting_again_removes_the_scripts_of_stages_that_are_gone_and_nothing_else() {
    let dir = tempfile::tempdir().expect("dir");
    let ws = workspace(estate());
    let first = scripts::write_scripts(&ws, dir.path()).expect("written");
    assert!(first.iter().any(|p| p.ends_with("04-enforce.ps1")));
    // Files of the operator's own, beside the scripts.
    std::fs::write(dir.path().join("05-my-notes.ps1"), "# mine\n").expect("write");
    std::fs::write(dir.path().join("readme.txt"), "mine").expect("write");

    // The same plan without its last stage.
    let inv = estate();
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
         [[stage]]\nname = \"targets\"\nhosts = [\"*\"]\n\
         [[stage]]\nname = \"pilot\"\npaths = [\"tier1\"]\n\
         [[stage]]\nname = \"protect\"\nusers = [\"*\"]\n\
         [[decision]]\npath = \"tier1\"\nmode = \"remote-guard\"\n",
        io::fingerprint(&inv)
    );
    let plan = io::parse("p.toml", &text).expect("plan parses");
    let ws = Workspace::new(inv, Some(plan), TODAY);
    let second = scripts::write_scripts(&ws, dir.path()).expect("written");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut want: Vec<String> = second
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .chain(["05-my-notes.ps1".to_string(), "readme.txt".to_string()])
        .collect();
    want.sort();
    assert_eq!(left, want);
    assert!(!left.iter().any(|n| n.starts_with("04-enforce")));
}

/// Every generated script of the sample plan, and of the small estate.
fn every_script() -> Vec<(String, scripts::ScriptFile)> {
    let sample = plan_common::sample_workspace();
    let mut out = Vec::new();
    for (label, ws) in [("sample", sample), ("estate", workspace(estate()))] {
        for f in scripts::stage_scripts(&ws).expect("scripts") {
            out.push((label.to_string(), f));
        }
    }
    out
}

#[test]
fn reg_files_use_full_root_key_names() {
    for (label, f) in every_script()
        .into_iter()
        .filter(|(_, f)| f.name.ends_with(".reg"))
    {
        let keys: Vec<&str> = f.content.lines().filter(|l| l.starts_with('[')).collect();
        assert!(!keys.is_empty(), "{label} {}: no key", f.name);
        for k in keys {
            assert!(
                k.starts_with("[HKEY_LOCAL_MACHINE\\"),
                "{label} {}: {k}",
                f.name
            );
        }
        assert!(
            f.content
                .starts_with("Windows Registry Editor Version 5.00\r\n")
        );
    }
}

#[test]
fn entra_joined_devices_are_never_winrm_targets() {
    let inv =
        guardplan::inventory::load_str("assets/contoso.toml", guardplan::inventory::SAMPLE_TOML)
            .expect("sample loads");
    let entra: Vec<&str> = inv
        .hosts
        .iter()
        .filter(|h| h.join == guardplan::inventory::JoinType::Entra)
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(entra, ["TAB-EXEC-01", "LT-ENTRA-01", "LT-ENTRA-02"]);
    let mut pointed_to_intune = false;
    for (_, f) in every_script()
        .into_iter()
        .filter(|(_, f)| f.name.ends_with(".ps1"))
    {
        // WinRM targets are the `$Hosts` entries (and the domain controllers found at run time).
        for line in f.content.lines().filter(|l| l.contains("@{ Name = ")) {
            for e in &entra {
                assert!(!line.contains(e), "{}: {line}", f.name);
            }
        }
        pointed_to_intune |=
            f.content.contains("TAB-EXEC-01") && f.content.contains("--format intune");
    }
    assert!(
        pointed_to_intune,
        "the enforce stage points TAB-EXEC-01 to the Intune export"
    );
}

#[test]
fn every_apply_script_records_and_its_rollback_restores() {
    let all = every_script();
    for (label, f) in all
        .iter()
        .filter(|(_, f)| f.name.ends_with(".ps1") && !f.name.ends_with(".rollback.ps1"))
    {
        let stem = f.name.trim_end_matches(".ps1");
        let prior = format!("'{stem}.prior.json'");
        let rollback = &all
            .iter()
            .find(|(l, r)| l == label && r.name == format!("{stem}.rollback.ps1"))
            .expect("rollback exists")
            .1;
        for text in [&f.content, &rollback.content] {
            assert!(text.contains(&prior), "{label} {}: prior file", f.name);
            assert!(text.contains("$Prior = Read-Prior"));
            // Every host, account and file is tried; the summary ends with a non-zero exit on failure.
            assert!(text.contains("Add-Result"));
            assert!(text.trim_end().ends_with("if ($failed -gt 0) { exit 1 }"));
            assert!(text.contains("# Where: "));
            assert!(text.contains("# Rights: "));
        }
        let applies = [
            (
                "$HostGroups = @(",
                "$Prior.Hosts[$n] = $r.Before",
                "$before = $Prior.Hosts[$n]",
            ),
            (
                "$Users = @(",
                "Set-PriorOnce 'Users' $label $member",
                "if ($Prior.Users[$label])",
            ),
            (
                "$Shortcuts = @(",
                "Set-PriorOnce 'Files' $file $existed",
                "if ($Prior.Files[$file])",
            ),
        ];
        for (section, records, restores) in applies {
            if f.content.contains(section) {
                assert!(f.content.contains(records), "{label} {}: {records}", f.name);
                assert!(f.content.contains("Save-Prior"));
                assert!(f.content.contains("function Set-PriorOnce"));
                assert!(
                    rollback.content.contains(restores),
                    "{label} {}: {restores}",
                    rollback.name
                );
            }
        }
        // Modules used are required.
        if f.content.contains("Get-ADUser") {
            assert!(f.content.contains("#Requires -Modules ActiveDirectory"));
        }
    }
}

#[test]
fn accounts_without_aes_keys_are_not_enrolled() {
    let mut inv = estate();
    inv.users[0].etypes = [guardplan::inventory::EncryptionType::Rc4].into();
    let ws = workspace(inv);
    let held = scripts::enrollment_held(&ws);
    assert!(
        held.get(&0)
            .is_some_and(|why| why.contains("PU-WEAK-ETYPES")),
        "{held:?}"
    );
    let files = scripts::stage_scripts(&ws).expect("scripts");
    let ps = files
        .iter()
        .find(|f| f.name == "03-protect.ps1")
        .expect("the stage still says why");
    assert!(!ps.content.contains("$Users = @("), "nobody to enroll");
    assert!(
        ps.content
            .contains("#   corp.contoso.com\\alice.admin: PU-WEAK-ETYPES holds for it")
    );
    // With AES keys the same account is enrolled.
    let ws = workspace(estate());
    assert!(scripts::enrollment_held(&ws).is_empty());
    let files = scripts::stage_scripts(&ws).expect("scripts");
    let ps = files
        .iter()
        .find(|f| f.name == "03-protect.ps1")
        .expect("enrollment");
    assert!(
        ps.content
            .contains("$Users = @(\n    @{ Name = 'alice.admin'; Domain = 'corp.contoso.com' }\n)")
    );
}

#[test]
fn partner_forests_are_not_administered_unless_said_so() {
    use guardplan::inventory::{SAMPLE_TOML, load_str};
    let inv = load_str("assets/contoso.toml", SAMPLE_TOML).expect("sample loads");
    let administered: Vec<(&str, bool)> = inv
        .domains
        .iter()
        .map(|d| (d.dns.as_str(), d.administered))
        .collect();
    assert_eq!(
        administered,
        [
            ("corp.contoso.com", true),
            ("emea.corp.contoso.com", true),
            ("fabrikam.com", false),
            ("litware.com", false),
        ]
    );
    let text = SAMPLE_TOML.replacen(
        "dns = \"fabrikam.com\"\n",
        "dns = \"fabrikam.com\"\nadministered = true\n",
        1,
    );
    let text = text.replacen(
        "dns = \"corp.contoso.com\"\n",
        "dns = \"corp.contoso.com\"\nadministered = false\n",
        1,
    );
    let inv = load_str("assets/contoso.toml", &text).expect("loads");
    assert!(inv.domains[2].administered);
    assert!(!inv.domains[0].administered);
    assert!(inv.domains[1].administered, "only the domain that says so");

    // The sample plan's Protected Users script names no partner account and no partner domain controller.
    let sample = plan_common::sample_workspace();
    let files = scripts::stage_scripts(&sample).expect("scripts");
    let ps = files
        .iter()
        .find(|f| f.name.ends_with("-protected-users.ps1"))
        .expect("enrollment script");
    let (users, _) = ps
        .content
        .split_once("foreach ($u in $Users)")
        .expect("users");
    let users = users.rsplit("$Users = @(").next().expect("list");
    for partner in ["fab-grace", "lw-vendor", "fabrikam.com", "litware.com"] {
        assert!(!users.contains(partner), "{partner} in {users}");
    }
    assert!(
        ps.content
            .contains("#   fabrikam.com\\fab-grace: domain fabrikam.com is not administered")
    );
}

#[test]
fn workgroup_hosts_are_named_as_they_are_with_a_note_on_reaching_them() {
    let mut inv = estate();
    inv.hosts[1].join = guardplan::inventory::JoinType::Workgroup;
    inv.hosts[1].domain = None;
    let files = scripts::stage_scripts(&workspace(inv)).expect("scripts");
    let ps = files
        .iter()
        .find(|f| f.name == "01-targets.ps1")
        .expect("targets script");
    assert!(
        crate::plan_common::host_sets(&ps.content)
            .iter()
            .any(|(n, _)| n == "SRV-01")
    );
    assert!(
        ps.content
            .contains("# Workgroup hosts have no Kerberos: WinRM reaches them over HTTPS")
    );
    assert!(
        ps.content
            .contains("import the .reg files on them: SRV-01.")
    );
    // A domain member gets no such note.
    let files = scripts::stage_scripts(&workspace(estate())).expect("scripts");
    assert!(files.iter().all(|f| !f.content.contains("Workgroup hosts")));
}

#[test]
fn hosts_are_reached_in_throttled_batches_that_resume() {
    let ws = crate::plan_common::sample_workspace();
    let files = scripts::stage_scripts(&ws).expect("scripts");
    let apply = files
        .iter()
        .find(|f| f.name == "03-enable-targets.ps1")
        .expect("enablement script");
    let text = &apply.content;
    // One Invoke-Command per batch of hosts, at most $ThrottleLimit at once; never one host at a time.
    assert!(text.contains("Invoke-Command -ComputerName $Names -ThrottleLimit $ThrottleLimit"));
    assert!(text.contains("$answers = Invoke-Fanout $batch $ApplyBlock"));
    assert!(!text.contains("-ComputerName $h.Name -ScriptBlock $ApplyBlock"));
    // Prior values are written once per batch, not once per host; finished hosts are skipped on a new run.
    let set_prior = text.find("function Set-PriorOnce").expect("Set-PriorOnce");
    let body = &text[set_prior
        ..text[set_prior..]
            .find("\n}\n")
            .map_or(text.len(), |e| set_prior + e)];
    assert!(body.contains("-ge $BatchSize"), "{body}");
    assert!(text.contains("if ($Prior.Done.ContainsKey($n))"));
    assert!(text.contains("[int]$BatchSize = 500"));
}
