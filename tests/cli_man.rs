//! `guardplan man -o DIR`: a page per subcommand, with examples, a date in the title line, and every page it
//! refers to written too.

use assert_cmd::Command;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("guardplan").expect("binary");
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

fn pages(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn every_subcommand_has_a_page_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    bin().args(["man", "-o"]).arg(dir.path()).assert().success();
    let pages = pages(dir.path());
    for name in [
        "guardplan.1",
        "guardplan-tui.1",
        "guardplan-check.1",
        "guardplan-graph.1",
        "guardplan-rules.1",
        "guardplan-explain.1",
        "guardplan-plan.1",
        "guardplan-plan-init.1",
        "guardplan-export.1",
        "guardplan-diff.1",
        "guardplan-sample.1",
        "guardplan-import.1",
        "guardplan-import-ldif.1",
        "guardplan-import-ldap.1",
        "guardplan-import-bloodhound.1",
        "guardplan-schema.1",
        "guardplan-completions.1",
        "guardplan-man.1",
    ] {
        let page = pages.get(name).unwrap_or_else(|| panic!("no {name}"));
        assert!(page.contains("\n.SH EXAMPLES\n"), "{name} has no examples");
        assert!(page.contains("\n.SH EXIT STATUS\n"), "{name}");
    }
    assert!(!pages.contains_key("guardplan-help.1"));
}

#[test]
fn every_page_referred_to_is_written() {
    let dir = tempfile::tempdir().unwrap();
    bin().args(["man", "-o"]).arg(dir.path()).assert().success();
    let pages = pages(dir.path());
    for (name, text) in &pages {
        // `\fBguardplan\-check(1)\fR` in SUBCOMMANDS, `.BR guardplan\-check (1)` in SEE ALSO.
        for r in text.match_indices("(1)").map(|(i, _)| &text[..i]) {
            let word = r
                .rsplit([' ', '\n'])
                .next()
                .unwrap_or_default()
                .trim_start_matches("\\fB")
                .replace("\\-", "-");
            if word.starts_with("guardplan") {
                assert!(
                    pages.contains_key(&format!("{word}.1")),
                    "{name} refers to {word}(1)"
                );
            }
        }
        let see_also = text.split("\n.SH SEE ALSO\n").nth(1).unwrap_or_default();
        for line in see_also.lines().filter(|l| l.starts_with(".BR ")) {
            let page = line[4..].split(' ').next().unwrap().replace("\\-", "-");
            assert!(pages.contains_key(&format!("{page}.1")), "{name}: {line}");
        }
    }
}

#[test]
fn the_date_field_is_a_date_taken_from_source_date_epoch() {
    let out = bin().arg("man").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let th = text.lines().find(|l| l.starts_with(".TH ")).unwrap();
    let fields: Vec<&str> = th.split(' ').collect();
    assert_eq!(fields[1], "GUARDPLAN");
    assert!(
        time::Date::parse(
            fields[3],
            &time::macros::format_description!("[year]-[month]-[day]")
        )
        .is_ok(),
        "{th}"
    );
    // 2021-01-01T00:00:00Z
    let out = bin()
        .env("SOURCE_DATE_EPOCH", "1609459200")
        .arg("man")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(".TH GUARDPLAN 1 2021-01-01 "),
        "{}",
        &text[..200]
    );
}

#[test]
fn pages_are_clean_under_mandoc_lint() {
    if std::process::Command::new("mandoc")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("note: mandoc is not installed; the lint of the man pages is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    bin().args(["man", "-o"]).arg(dir.path()).assert().success();
    for name in pages(dir.path()).keys() {
        let out = std::process::Command::new("mandoc")
            .args(["-T", "lint", "-W", "style"])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        let messages = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(messages.trim().is_empty(), "{name}:\n{messages}");
    }
}

/// `guardplan-rules(1)` lists the codes `guardplan rules` prints.
#[test]
fn the_rules_page_lists_every_finding_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    bin().args(["man", "-o"]).arg(dir.path()).assert().success();
    let all = pages(dir.path());
    let page = all.get("guardplan-rules.1").expect("guardplan-rules.1");
    assert!(page.contains(".SH FINDING CODES"));
    for r in guardplan::rules::CATALOG {
        let code = r.code.as_str().replace('-', "\\-");
        assert!(
            page.contains(&format!("\\fB{code}\\fR ({})", r.severity.as_str())),
            "{} missing",
            r.code
        );
    }
}
