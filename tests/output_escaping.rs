//! Free text of a plan (waiver reasons, stage descriptions) never reaches a terminal or a Markdown report raw.

use assert_cmd::Command;

const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[32mPASS all clear\u{202E}txt.exe\u{9b}2J\u{2028}line\u{2029}par";

/// What must never be written raw: terminal controls, a right-to-left override, line and paragraph separators.
const RAW: [char; 6] = [
    '\u{1b}', '\u{7}', '\u{202E}', '\u{9b}', '\u{2028}', '\u{2029}',
];

fn guardplan() -> Command {
    Command::cargo_bin("guardplan").expect("binary")
}

/// The sample estate and a plan for it with a waiver of its first finding and a stage described by `HOSTILE`.
fn hostile_plan() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("inv.toml"),
        guardplan::inventory::SAMPLE_TOML,
    )
    .expect("write");
    guardplan()
        .current_dir(dir.path())
        .args(["plan", "init", "inv.toml", "-o", "p.toml"])
        .assert()
        .success();
    let out = guardplan()
        .current_dir(dir.path())
        .args(["check", "inv.toml", "--plan", "p.toml", "--format", "json"])
        .output()
        .expect("check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let code = v["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["applies"] == true))
        .and_then(|f| f["code"].as_str())
        .expect("a finding that applies")
        .to_string();
    let plan_path = dir.path().join("p.toml");
    let mut plan = std::fs::read_to_string(&plan_path).expect("plan");
    let quoted = toml::Value::String(HOSTILE.into()).to_string();
    plan = plan.replacen(
        "description = ",
        &format!("description = {quoted}\nx = "),
        1,
    );
    plan = plan.replacen("\nx = ", "\n# ", 1);
    plan.push_str(&format!(
        "\n[[waiver]]\ncode = \"{code}\"\nscope = \"*\"\nreason = {quoted}\n"
    ));
    std::fs::write(&plan_path, plan).expect("write");
    dir
}

fn assert_clean(what: &str, text: &str) {
    for bad in RAW {
        assert!(
            !text.contains(bad),
            "{what} has U+{:04X} raw:\n{text}",
            bad as u32
        );
    }
    assert!(
        // Markdown also backslash-escapes the bracket.
        text.contains("\\u{001B}]0;owned\\u{0007}")
            || text.contains("\\u{001B}\\]0;owned\\u{0007}"),
        "{what} does not show the escaped reason:\n{text}"
    );
}

#[test]
fn check_text_and_markdown_escape_plan_text() {
    let dir = hostile_plan();
    for format in ["text", "markdown"] {
        let out = guardplan()
            .current_dir(dir.path())
            .args(["check", "inv.toml", "--plan", "p.toml", "--format", format])
            .output()
            .expect("check");
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(format, &String::from_utf8(out.stdout).expect("utf-8"));
    }
    let out = guardplan()
        .current_dir(dir.path())
        .args([
            "export", "inv.toml", "--plan", "p.toml", "--format", "markdown",
        ])
        .output()
        .expect("export");
    assert_clean(
        "export markdown",
        &String::from_utf8(out.stdout).expect("utf-8"),
    );
}

#[test]
fn diff_escapes_plan_text() {
    let dir = hostile_plan();
    std::fs::write(
        dir.path().join("old.toml"),
        std::fs::read_to_string(dir.path().join("p.toml"))
            .expect("plan")
            .split("\n[[waiver]]")
            .next()
            .expect("head"),
    )
    .expect("write");
    for format in ["text", "markdown"] {
        let out = guardplan()
            .current_dir(dir.path())
            .args(["diff", "old.toml", "p.toml", "--format", format])
            .output()
            .expect("diff");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for bad in RAW {
            assert!(!text.contains(bad), "diff {format}:\n{text}");
        }
        assert!(
            text.contains("owned"),
            "diff {format} shows the waiver:\n{text}"
        );
    }
}

#[test]
fn export_json_spells_out_what_it_must_not_write_raw() {
    let dir = hostile_plan();
    let out = guardplan()
        .current_dir(dir.path())
        .args(["export", "inv.toml", "--plan", "p.toml", "--format", "json"])
        .output()
        .expect("export");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for bad in RAW {
        assert!(
            !text.contains(bad),
            "export json has U+{:04X} raw",
            bad as u32
        );
    }
    assert!(text.contains("\\u2028line\\u2029par"), "{text}");
    // The escapes read back as the reason the plan gives.
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut stack = vec![&v];
    let mut found = false;
    while let Some(x) = stack.pop() {
        match x {
            serde_json::Value::String(s) => found |= s == HOSTILE,
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    assert!(found, "the waiver's reason is in the JSON:\n{text}");
}

#[test]
fn verify_json_spells_out_what_it_must_not_write_raw() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify");
    let dir = tempfile::tempdir().expect("dir");
    // Logons by an account the estate does not know, with a right-to-left override in its name.
    let events = std::fs::read_to_string(fixtures.join("events-wevtutil.xml"))
        .expect("events")
        .replace(
            "TargetUserName'>mallory<",
            "TargetUserName'>mal\u{202E}gnp\u{2028}.exe<",
        )
        .replace("TargetUserName'>bob<", "TargetUserName'>x\u{1b}]0;t\u{7}<");
    let path = dir.path().join("events.xml");
    std::fs::write(&path, events).expect("write");
    let out = guardplan()
        .arg("verify")
        .arg(fixtures.join("estate.toml"))
        .arg("--plan")
        .arg(fixtures.join("rollout.plan.toml"))
        .args(["--through", "helpdesk", "--format", "json"])
        .arg(&path)
        .output()
        .expect("verify");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for bad in RAW {
        assert!(
            !text.contains(bad),
            "verify json has U+{:04X} raw:\n{text}",
            bad as u32
        );
    }
    assert!(text.contains("mal\\u202egnp\\u2028.exe"), "{text}");
}

#[test]
fn file_names_in_errors_are_escaped() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify");
    let dir = tempfile::tempdir().expect("dir");
    let name = "x\u{1b}]0;owned\u{7}\u{202E}.txt";
    let hostile = dir.path().join(name);
    std::fs::write(&hostile, "[[[ not valid\n").expect("write");
    let out_path = dir.path().join("out.toml");
    std::fs::write(&out_path, guardplan::inventory::SAMPLE_TOML).expect("write");
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["check".into(), hostile.clone().into()],
        vec![
            "verify".into(),
            fixtures.join("estate.toml").into(),
            "--plan".into(),
            fixtures.join("rollout.plan.toml").into(),
            "--through".into(),
            "helpdesk".into(),
            hostile.clone().into(),
        ],
        vec![
            "import".into(),
            "state".into(),
            hostile.clone().into(),
            "-o".into(),
            out_path.clone().into(),
        ],
        vec![
            "import".into(),
            "ldif".into(),
            dir.path().join(format!("missing-{name}")).into(),
            "-o".into(),
            out_path.clone().into(),
        ],
    ];
    for args in runs {
        let out = guardplan().args(&args).output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for bad in RAW {
            assert!(
                !err.contains(bad),
                "{args:?} writes U+{:04X} raw: {err:?}",
                bad as u32
            );
        }
        assert!(
            err.contains("x\\u{001B}]0;owned\\u{0007}\\u{202E}.txt"),
            "{args:?}: {err}"
        );
    }
}
