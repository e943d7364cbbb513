//! `guardplan rules` and `guardplan explain`.

use assert_cmd::Command;
use predicates::prelude::*;

fn guardplan() -> Command {
    match Command::cargo_bin("guardplan") {
        Ok(c) => c,
        Err(e) => panic!("binary not built: {e}"),
    }
}

#[test]
fn rules_lists_every_code_as_text() {
    let out = guardplan().arg("rules").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for r in guardplan::rules::CATALOG {
        assert!(text.contains(r.code.as_str()), "{} missing", r.code);
    }
    assert!(text.contains("RCG-TARGET-ENTRA") && text.contains("block"));
}

#[test]
fn rules_as_json_carries_quote_and_fix() {
    let out = guardplan()
        .args(["rules", "--format", "json"])
        .assert()
        .success();
    let v: serde_json::Value = match serde_json::from_slice(&out.get_output().stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON: {e}"),
    };
    let rules = v.as_array().map(Vec::as_slice).unwrap_or_default();
    assert_eq!(rules.len(), guardplan::rules::CATALOG.len());
    for r in rules {
        for key in ["code", "severity", "title", "source", "quote", "fix"] {
            let s = r[key].as_str().unwrap_or_default();
            assert!(!s.is_empty(), "{key} empty in {r}");
        }
    }
    let entra = rules.iter().find(|r| r["code"] == "RCG-TARGET-ENTRA");
    assert!(entra.is_some_and(|r| r["severity"] == "block" && r["source"] == "000"));
}

#[test]
fn explain_quotes_the_source_and_gives_the_fix() {
    guardplan()
        .args(["explain", "rcg-target-entra"])
        .assert()
        .success()
        .stdout(predicate::str::contains("RCG-TARGET-ENTRA"))
        .stdout(predicate::str::contains(
            "Windows Defender Remote Credential Guard cannot be used when connecting to remote devices joined to Azure Active Directory.",
        ))
        .stdout(predicate::str::contains("Fix: Hybrid-join"));
    guardplan()
        .args(["explain", "RCG-HOST-NOT-ENABLED"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v DisableRestrictedAdmin /d 0 /t REG_DWORD",
        ));
}

#[test]
fn explain_unknown_code_is_a_usage_error_with_a_hint() {
    guardplan()
        .args(["explain", "RCG-TARGET-AZURE"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown finding code"))
        .stderr(predicate::str::contains("did you mean"))
        .stderr(predicate::str::contains("RCG-TARGET-"));
    guardplan()
        .args(["explain", "nothing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("guardplan rules"));
}

/// The README's table of codes is the catalog's: `GUARDPLAN_UPDATE_README=1` rewrites it.
#[test]
fn the_readme_lists_every_code_of_the_catalog() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (start, end) = (
        "<!-- finding-codes:start -->\n",
        "<!-- finding-codes:end -->",
    );
    let a = readme
        .find(start)
        .expect("README has a finding-codes section")
        + start.len();
    let b = a + readme[a..].find(end).expect("the section is closed");
    let table = guardplan::commands::rules::catalog_markdown();
    if std::env::var_os("GUARDPLAN_UPDATE_README").is_some() {
        let text = format!("{}{table}{}", &readme[..a], &readme[b..]);
        std::fs::write(path, text).expect("write README.md");
        return;
    }
    assert_eq!(
        &readme[a..b],
        table,
        "run with GUARDPLAN_UPDATE_README=1 to refresh"
    );
    for r in guardplan::rules::CATALOG {
        assert!(
            table.contains(&format!("| {} | {} |", r.code, r.severity.as_str())),
            "{}",
            r.code
        );
    }
}

/// `explain` gives the three codes of Microsoft's current pages with their sentences.
#[test]
fn explain_gives_the_codes_of_the_current_pages() {
    for (code, sentence) in [
        (
            "RA-HOST-NO-PROTECTED-CREDS",
            "If you disable or don't configure this setting, Restricted Admin and Remote Credential Guard mode aren't supported.",
        ),
        (
            "PU-BUILTIN-ADMIN",
            "is always exempt from authentication policies",
        ),
        ("PU-OLD-DC-PASSWORD", "is locked out of authentication"),
    ] {
        guardplan()
            .args(["explain", code])
            .assert()
            .success()
            .stdout(predicate::str::contains(code))
            .stdout(predicate::str::contains(sentence))
            .stdout(predicate::str::contains("Fix: "));
    }
    // Seed-only sources say so.
    for code in [
        "RCG-CLIENT-OS",
        "RCG-SUPPLIED-CREDS-OS",
        "RCG-CLIENT-NOT-DOMAIN",
        "RCG-TARGET-OS",
        "CLIENT-NO-SIGNIN",
    ] {
        guardplan()
            .args(["explain", code])
            .assert()
            .success()
            .stdout(predicate::str::contains("seed only"));
    }
    guardplan()
        .args(["explain", "POL-ENTRA-TARGET"])
        .assert()
        .success()
        .stdout(predicate::str::contains("this catalog's inference"));
    guardplan()
        .args(["explain", "PU-NO-PDC-2012R2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("the 2025 page no longer has"));
}
