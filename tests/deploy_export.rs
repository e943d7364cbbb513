//! Group Policy and Intune exports of the example plan on the sample estate: every artefact is snapshotted,
//! registry.pol files read back to exactly the values the plan sets, XML is well-formed, JSON parses and names
//! the settings by their settings-catalog ids, and no Entra-joined device gets a GPO.

use guardplan::inventory::JoinType;
use guardplan::plan::actions::{self, Action};
use guardplan::plan::artefact::Artefact;
use guardplan::plan::preg::{self, PolData, PolEntry};
use guardplan::plan::{gpo, intune};

use crate::plan_common::sample_workspace;

/// A snapshot name from an artefact path (braces and slashes are not welcome in file names).
fn snap_name(prefix: &str, path: &str) -> String {
    let clean: String = path
        .chars()
        .map(|c| match c {
            '/' => '_',
            '{' | '}' => '-',
            c => c,
        })
        .collect();
    format!("{prefix}__{clean}")
}

fn well_formed(f: &Artefact) {
    let text = f.as_text().expect("XML is UTF-8");
    let mut r = quick_xml::Reader::from_str(text);
    let mut depth = 0i32;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{}: not well-formed XML: {e}", f.path),
        }
    }
    assert_eq!(depth, 0, "{}: unbalanced elements", f.path);
}

#[test]
fn gpo_export_of_the_sample_plan() {
    let ws = sample_workspace();
    let files = gpo::gpo_export(&ws, "contoso").expect("GPO export");
    let list = gpo::gpos(&ws, "contoso").expect("GPOs");

    // One GPO per stage, domain and policy: the stages that change targets or clients, and no other.
    let mut stages: Vec<&str> = list.iter().map(|g| g.stage.1.as_str()).collect();
    stages.dedup();
    assert_eq!(stages, ["enable-targets", "enforce"]);
    for (s, st) in ws.plan.stages.iter().enumerate() {
        let changes = ws.assessment().stages[s]
            .actions
            .iter()
            .any(|a| matches!(a, Action::EnableTarget { .. } | Action::ClientPolicy { .. }));
        assert_eq!(
            changes,
            stages.contains(&st.name.as_str()),
            "stage {}",
            st.name
        );
    }

    let inv = &ws.inventory;
    for g in &list {
        let dir = format!(
            "{{{}}}",
            g.backup_id.hyphenated().to_string().to_uppercase()
        );
        // Every host of a GPO is an AD-joined or hybrid member of its domain, never an Entra-joined device.
        for (name, fqdn) in &g.hosts {
            let h = inv
                .hosts
                .iter()
                .find(|h| &h.name == name)
                .expect("host exists");
            assert!(matches!(h.join, JoinType::Ad | JoinType::Hybrid), "{name}");
            assert_eq!(fqdn, &format!("{name}.{}", g.domain));
        }
        // registry.pol read back is exactly what the plan asks of these hosts.
        let pol = files
            .iter()
            .find(|f| f.path == format!("{dir}/DomainSysvol/GPO/Machine/registry.pol"));
        let read = pol.map(|f| preg::read(&f.bytes).expect("registry.pol reads back"));
        let key = r"Software\Policies\Microsoft\Windows\CredentialsDelegation".to_string();
        let dword = |value: &str, v: u32| PolEntry {
            key: key.clone(),
            value: value.into(),
            data: PolData::Dword(v),
        };
        let stage_actions = &ws.assessment().stages[g.stage.0 - 1].actions;
        let mine = |a: &&Action| {
            let h = match a {
                Action::EnableTarget { host, .. } | Action::ClientPolicy { host, .. } => *host,
                _ => return false,
            };
            g.hosts
                .iter()
                .any(|(n, _)| *n == inv.hosts[h as usize].name)
        };
        match g.kind {
            gpo::GpoKind::Targets {
                restricted_admin,
                protected_creds,
            } => {
                let acts: Vec<&Action> = stage_actions.iter().filter(mine).collect();
                assert!(!acts.is_empty());
                let any_pc = acts.iter().any(|a| {
                    matches!(
                        a,
                        Action::EnableTarget {
                            protected_creds: true,
                            ..
                        }
                    )
                });
                let any_ra = acts.iter().any(|a| {
                    matches!(
                        a,
                        Action::EnableTarget {
                            restricted_admin: true,
                            ..
                        }
                    )
                });
                assert_eq!((restricted_admin, protected_creds), (any_ra, any_pc));
                assert_eq!(
                    read.clone().unwrap_or_default(),
                    if any_pc {
                        vec![dword("AllowProtectedCreds", 1)]
                    } else {
                        vec![]
                    },
                    "{}",
                    g.name
                );
                let pref = files.iter().find(|f| {
                    f.path
                        == format!(
                            "{dir}/DomainSysvol/GPO/Machine/Preferences/Registry/Registry.xml"
                        )
                });
                assert_eq!(pref.is_some(), any_ra);
                if let Some(p) = pref {
                    let text = p.as_text().expect("text");
                    assert!(text.contains(r#"hive="HKEY_LOCAL_MACHINE" key="SYSTEM\CurrentControlSet\Control\Lsa" name="DisableRestrictedAdmin" type="REG_DWORD" value="00000000""#));
                    assert!(text.contains(r#"removePolicy="1""#));
                }
            }
            gpo::GpoKind::Clients(t) => {
                for a in stage_actions.iter().filter(mine) {
                    let Action::ClientPolicy { policy, .. } = a else {
                        panic!("{a:?} in a client GPO")
                    };
                    assert_eq!(actions::policy_type(*policy), Some(t));
                }
                assert_eq!(
                    read.clone().expect("client GPO has a registry.pol"),
                    vec![
                        dword("RestrictedRemoteAdministration", 1),
                        dword("RestrictedRemoteAdministrationType", t)
                    ]
                );
            }
        }
        // Backup.xml names the files that are there, and the IDs Import-GPO looks for.
        let backup = files
            .iter()
            .find(|f| f.path == format!("{dir}/Backup.xml"))
            .and_then(Artefact::as_text)
            .expect("Backup.xml");
        assert!(backup.contains(&format!(
            "<ID><![CDATA[{{{}}}]]></ID>",
            g.gpo_id.hyphenated().to_string().to_uppercase()
        )));
        assert_eq!(backup.contains("registry.pol"), read.is_some());
        let info = files
            .iter()
            .find(|f| f.path == format!("{dir}/bkupInfo.xml"))
            .and_then(Artefact::as_text)
            .expect("bkupInfo.xml");
        assert!(info.contains(&format!("<ID><![CDATA[{dir}]]></ID>")));
    }
    // No Entra-joined or workgroup device is in any GPO script.
    for h in inv.hosts.iter().filter(|h| !gpo::gpo_managed(h.join)) {
        for f in files.iter().filter(|f| f.path.ends_with(".ps1")) {
            assert!(
                !f.as_text()
                    .expect("text")
                    .contains(&format!("'{}'", h.name)),
                "{} in {}",
                h.name,
                f.path
            );
        }
    }

    let mut listing = String::new();
    for f in &files {
        listing.push_str(&format!("{}\n", f.path));
        if f.path.ends_with(".xml") {
            well_formed(f);
        }
        match f.as_text().filter(|_| !f.path.ends_with(".pol")) {
            Some(text) => insta::assert_snapshot!(snap_name("gpo", &f.path), text),
            None => insta::assert_snapshot!(
                snap_name("gpo", &f.path),
                format!("{:#?}", preg::read(&f.bytes).expect("reads"))
            ),
        }
    }
    insta::assert_snapshot!("gpo_listing", listing);
    assert_eq!(gpo::gpo_export(&ws, "contoso").expect("again"), files);
    // Another plan name gives other GUIDs and names.
    let other = gpo::gpos(&ws, "other").expect("GPOs");
    assert!(
        other
            .iter()
            .zip(&list)
            .all(|(a, b)| a.gpo_id != b.gpo_id && a.backup_id != b.backup_id && a.name != b.name)
    );
}

#[test]
fn intune_export_of_the_sample_plan() {
    let ws = sample_workspace();
    let files = intune::intune_export(&ws, "contoso").expect("Intune export");
    let inv = &ws.inventory;
    let mut listing = String::new();
    for f in &files {
        listing.push_str(&format!("{}\n", f.path));
        let text = f.as_text().expect("text");
        if f.path.ends_with(".json") {
            let v: serde_json::Value = serde_json::from_str(text).expect("JSON parses");
            if v["@odata.type"] == "#microsoft.graph.deviceManagementScript" {
                // DisableRestrictedAdmin, which no CSP sets, as a platform script run as SYSTEM.
                use base64::Engine as _;
                let script = base64::engine::general_purpose::STANDARD
                    .decode(v["scriptContent"].as_str().expect("content"))
                    .expect("base64");
                assert_eq!(script, intune::RESTRICTED_ADMIN_SCRIPT.as_bytes());
                assert_eq!(v["runAsAccount"], "system");
            } else if f.path.ends_with(".policy.json") {
                let inst = &v["settings"][0]["settingInstance"];
                let id = inst["settingDefinitionId"].as_str().expect("id");
                assert!(
                    id == intune::ALLOW_PROTECTED_CREDS || id == intune::RESTRICT_DELEGATION,
                    "{id}"
                );
                assert_eq!(v["platforms"], "windows10");
                assert_eq!(v["technologies"], "mdm");
                // As Graph exports them: the template references are present (null outside a template).
                assert!(inst["settingInstanceTemplateReference"].is_null());
                assert!(inst.get("settingInstanceTemplateReference").is_some());
                assert!(
                    inst["choiceSettingValue"]
                        .get("settingValueTemplateReference")
                        .is_some()
                );
                if id == intune::RESTRICT_DELEGATION {
                    let t = f
                        .path
                        .strip_suffix(".policy.json")
                        .and_then(|p| p.rsplit("type").next())
                        .expect("type in the name");
                    let child = &inst["choiceSettingValue"]["children"][0];
                    assert_eq!(
                        child["settingDefinitionId"],
                        intune::RESTRICT_DELEGATION_MODE
                    );
                    assert_eq!(
                        child["choiceSettingValue"]["value"],
                        format!("{}_{t}", intune::RESTRICT_DELEGATION_MODE)
                    );
                }
            }
            if f.path.ends_with(".group.json") {
                assert_eq!(v["securityEnabled"], true);
                assert_eq!(v["mailEnabled"], false);
            }
        }
        if f.path.ends_with(".ps1") {
            // Only Entra-joined and hybrid devices are named.
            for h in &inv.hosts {
                if text.contains(&format!("'{}'", h.name)) {
                    assert!(intune::intune_managed(h.join), "{} in {}", h.name, f.path);
                }
            }
        }
        insta::assert_snapshot!(snap_name("intune", &f.path), text);
    }
    // The sample's Entra-joined client TAB-EXEC-01 is enforced through Intune.
    let script = files
        .iter()
        .find(|f| f.path == "08-enforce.intune.ps1")
        .and_then(Artefact::as_text)
        .expect("enforce script");
    assert!(script.contains("'TAB-EXEC-01'"));
    // Devices are found and added 20 to a $batch, and throttling waits for Retry-After.
    for f in files.iter().filter(|f| f.path.ends_with(".ps1")) {
        let text = f.as_text().expect("text");
        assert!(
            text.contains("'https://graph.microsoft.com/v1.0/$batch'"),
            "{}",
            f.path
        );
        assert!(text.contains("$i += 20"), "{}", f.path);
        assert!(
            text.contains("RetryAfter") && text.contains("'Retry-After'"),
            "{}",
            f.path
        );
        assert!(
            !text.contains("Get-Device "),
            "{}: one look-up per device",
            f.path
        );
    }
    insta::assert_snapshot!("intune_listing", listing);
}

#[test]
fn preg_round_trips_any_records() {
    use proptest::prelude::*;
    let entry = (
        "[A-Za-z0-9 \\\\_.\u{e9}\u{4e2d}]{1,40}",
        "[A-Za-z0-9 _.**]{0,20}",
        prop_oneof![
            any::<u32>().prop_map(PolData::Dword),
            "[^\u{0}]{0,30}".prop_map(PolData::Sz),
        ],
    )
        .prop_map(|(key, value, data)| PolEntry { key, value, data });
    proptest!(|(entries in proptest::collection::vec(entry, 0..8))| {
        let bytes = preg::write(&entries);
        prop_assert_eq!(&bytes[..8], b"PReg\x01\0\0\0");
        prop_assert_eq!(preg::read(&bytes).expect("reads back"), entries);
    });
}

#[test]
fn cli_writes_gpo_and_intune_directories() {
    let dir = tempfile::tempdir().expect("dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for format in ["gpo", "intune"] {
        let out = dir.path().join(format);
        assert_cmd::Command::cargo_bin("guardplan")
            .expect("binary")
            .current_dir(root)
            .args([
                "export",
                "assets/contoso.toml",
                "--plan",
                "plans/contoso.plan.toml",
                "--format",
                format,
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        assert!(out.join(format!("08-enforce.{format}.ps1")).is_file());
    }
    assert!(dir.path().join("gpo/manifest.xml").is_file());
    assert_cmd::Command::cargo_bin("guardplan")
        .expect("binary")
        .current_dir(root)
        .args([
            "export",
            "assets/contoso.toml",
            "--plan",
            "plans/contoso.plan.toml",
            "--format",
            "gpo",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-o DIR"));
}

#[test]
fn a_plan_file_name_that_cannot_name_a_gpo_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let plan = dir.path().join("my plan.toml");
    std::fs::copy(root.join("plans/contoso.plan.toml"), &plan).expect("copy");
    assert_cmd::Command::cargo_bin("guardplan")
        .expect("binary")
        .arg("export")
        .arg(root.join("assets/contoso.toml"))
        .arg("--plan")
        .arg(&plan)
        .args(["--format", "gpo", "-o"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("rename the plan file"));
    assert!(!dir.path().join("out").exists(), "nothing written");
}

/// "Remote host allows delegation of nonexportable credentials" is "required on the remote hosts to support Remote
/// Credential Guard and Restricted Admin mode" (Microsoft's current page): every target of a restricted-admin
/// decision that lacks it gets `AllowProtectedCreds` = 1 from every export that manages it, and the scripts,
/// the GPO and the Intune exports name the same hosts.
#[test]
fn every_export_sets_allow_protected_creds_on_restricted_admin_targets() {
    use guardplan::Mode;
    use guardplan::plan::scripts;
    let ws = sample_workspace();
    let inv = &ws.inventory;
    let mut wanted: Vec<u32> = Vec::new();
    for d in ws
        .plan
        .decisions
        .iter()
        .filter(|d| d.mode == Mode::RestrictedAdmin)
    {
        let p = &inv.paths[inv.index.paths[d.path.as_str()] as usize];
        wanted.extend(
            p.to.iter()
                .copied()
                .filter(|t| !inv.hosts[*t as usize].allow_protected_creds),
        );
    }
    wanted.sort_unstable();
    wanted.dedup();
    assert!(
        wanted.len() >= 3,
        "the sample has restricted-admin targets without AllowProtectedCreds"
    );
    let prepared: Vec<u32> = (ws.assessment().stages.iter())
        .flat_map(|s| &s.actions)
        .filter_map(|a| match a {
            Action::EnableTarget {
                host,
                protected_creds: true,
                ..
            } => Some(*host),
            _ => None,
        })
        .collect();
    let gpos = gpo::gpos(&ws, "contoso").expect("GPOs");
    let intune = intune::intune_export(&ws, "contoso").expect("Intune export");
    let scripts = scripts::stage_scripts(&ws).expect("scripts");
    for h in wanted {
        let host = &inv.hosts[h as usize];
        let name = host.name.as_str();
        // Targets a decision leaves out as an exception are not prepared for its mode.
        if !prepared.contains(&h) {
            continue;
        }
        let by_script = scripts
            .iter()
            .any(|f| f.name.ends_with("targets-protected-creds.reg") && f.content.contains(name));
        // Entra-joined devices take it from Intune only (the script names them as such).
        assert_eq!(by_script, host.join != JoinType::Entra, "{name}: .reg");
        let by_gpo = gpos.iter().any(|g| {
            matches!(
                g.kind,
                gpo::GpoKind::Targets {
                    protected_creds: true,
                    ..
                }
            ) && g.hosts.iter().any(|(n, _)| n == name)
        });
        assert_eq!(by_gpo, gpo::gpo_managed(host.join), "{name}: GPO");
        // The stage's Intune script adds the devices to the group the targets policy is assigned to.
        let by_intune = intune.iter().any(|f| {
            f.path.ends_with(".intune.ps1")
                && f.as_text().is_some_and(|t| {
                    t.lines().any(|l| {
                        l.contains(intune::ALLOW_PROTECTED_CREDS)
                            && l.contains(&format!("'{name}'"))
                    })
                })
        });
        assert_eq!(
            by_intune,
            intune::intune_managed(host.join),
            "{name}: Intune"
        );
    }
}

#[test]
fn the_planners_export_menu_writes_every_format_the_command_line_has() {
    let dir = crate::tui_support::tempdir();
    let plan = dir.path().join("contoso.plan.toml");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("plans/contoso.plan.toml"), &plan).expect("copy the plan");
    let mut app = crate::tui_support::sample_with_plan(&plan);
    for key in ["g", "i", "j"] {
        crate::tui_support::keys(&mut app, &format!("e{key}"));
        assert!(app.overlay.is_none(), "{key}: the menu closes");
    }
    // The same files as `guardplan export --format gpo|intune`, from the same code.
    for (sub, files) in [
        (
            "contoso-gpo",
            gpo::gpo_export(&app.ws, "contoso").expect("GPO export"),
        ),
        (
            "contoso-intune",
            intune::intune_export(&app.ws, "contoso").expect("Intune export"),
        ),
    ] {
        assert!(!files.is_empty());
        for f in &files {
            let written = std::fs::read(dir.path().join(sub).join(&f.path))
                .unwrap_or_else(|e| panic!("{sub}/{}: {e}", f.path));
            assert_eq!(written, f.bytes, "{sub}/{}", f.path);
        }
    }
    let json = std::fs::read_to_string(dir.path().join("contoso.json")).expect("JSON report");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON parses");
    assert!(v.is_object());
}
