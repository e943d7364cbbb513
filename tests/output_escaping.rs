//! Free text of a plan (waiver reasons, stage descriptions) never reaches a terminal or a Markdown report raw.

use assert_cmd::Command;

const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[32mPASS all clear\u{202E}txt.exe\u{9b}2J";

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
    for bad in ['\u{1b}', '\u{7}', '\u{202E}', '\u{9b}'] {
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
        for bad in ['\u{1b}', '\u{7}', '\u{202E}', '\u{9b}'] {
            assert!(!text.contains(bad), "diff {format}:\n{text}");
        }
        assert!(
            text.contains("owned"),
            "diff {format} shows the waiver:\n{text}"
        );
    }
}
