//! Every file in `tests/bad_inputs/` states what loading it must give, in its first lines:
//! `# expect: LINE:COL: TEXT` (a problem at that position whose message contains TEXT; COL or TEXT may be left
//! out) or `# expect: ok` (the input is legal and loads). Generated inputs (byte order mark, CRLF, bytes that are
//! not UTF-8, 10 MB strings) are built here instead of committed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use guardplan::diag::Diagnostics;
use guardplan::inventory::{Inventory, load_file, load_str};

struct Expect {
    line: usize,
    col: Option<usize>,
    text: String,
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files
}

/// `None` means the input must load.
fn expectations(text: &str) -> Option<Vec<Expect>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# expect: ") else {
            continue;
        };
        if rest.trim() == "ok" {
            return None;
        }
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts
            .next()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        let col = parts.next().and_then(|c| c.trim().parse().ok());
        let text = parts.next().unwrap_or("").trim().to_string();
        out.push(Expect { line, col, text });
    }
    Some(out)
}

fn check_expectations(name: &str, result: Result<Inventory, Diagnostics>, want: &[Expect]) {
    let diags = match result {
        Ok(_) => panic!(
            "{name}: loaded, but these problems were expected: {:?}",
            want.len()
        ),
        Err(d) => d,
    };
    for d in &diags.0 {
        assert!(d.line >= 1 && d.col >= 1, "{name}: position missing in {d}");
        assert!(d.help.is_some(), "{name}: no help in {d}");
        let first = d.to_string();
        let first = first.lines().next().unwrap_or("");
        assert!(
            first.starts_with(&format!("{name}:{}:{}: error: ", d.line, d.col)),
            "{name}: first line is {first:?}"
        );
    }
    for w in want {
        let found = diags.0.iter().any(|d| {
            d.line == w.line && w.col.is_none_or(|c| c == d.col) && d.message.contains(&w.text)
        });
        assert!(
            found,
            "{name}: expected a problem at {}:{:?} containing {:?}, got:\n{diags}",
            w.line, w.col, w.text
        );
    }
}

/// Loads `input` and checks it against the expectations written in `text`.
fn check_fixture(name: &str, text: &str, input: &str) {
    let result = load_str(name, input);
    match expectations(text) {
        None => {
            if let Err(d) = result {
                panic!("{name} must load, got:\n{d}");
            }
        }
        Some(want) => check_expectations(name, result, &want),
    }
}

#[test]
fn every_fixture_gives_its_expected_problems() {
    let files = fixtures();
    assert!(files.len() >= 40, "only {} fixtures", files.len());
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        check_fixture(&name, &text, &text);
    }
}

#[test]
fn crlf_line_endings_give_the_same_positions() {
    for path in fixtures() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // Multi-line strings would change their value under CRLF; the LF run covers them.
        if text.contains("\"\"\"") {
            continue;
        }
        check_fixture(&name, &text, &text.replace('\n', "\r\n"));
    }
}

/// What loading gives, as a user sees it: every message, or every fact with where it is written.
fn outcome(result: Result<Inventory, Diagnostics>) -> String {
    match result {
        Ok(i) => format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            i.description, i.domains, i.trusts, i.hosts, i.users, i.groups, i.paths
        ),
        Err(d) => d.to_string(),
    }
}

/// A file is read line by line and read again for messages, text in memory is not: both give the same.
fn assert_file_loads_as_text(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    let shown = path.display().to_string();
    assert_eq!(
        outcome(load_file(&path)),
        outcome(load_str(&shown, text)),
        "{name}"
    );
}

#[test]
fn a_file_loads_as_its_text_does() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for path in fixtures() {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_file_loads_as_text(dir.path(), name, &text);
        if !text.contains("\"\"\"") {
            let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
            assert_file_loads_as_text(dir.path(), name, &windows);
        }
    }
    // Many pieces, with a byte order mark and CRLF, valid and with a problem in its last entry.
    let spec = guardplan::sample::SampleSpec::new(2000);
    let estate = guardplan::sample::generate(&spec).unwrap_or_else(|e| panic!("{}", e.0));
    let windows = format!("\u{feff}{}", estate.replace('\n', "\r\n"));
    assert_file_loads_as_text(dir.path(), "estate.toml", &windows);
    let dangling = format!(
        "{windows}[[path]]\r\nname = \"zz\"\r\npurpose = \"admin\"\r\nwho = [\"*\"]\r\nfrom = [\"*\"]\r\nto = [\"host:NOPE\"]\r\n"
    );
    assert_file_loads_as_text(dir.path(), "dangling.toml", &dangling);
    let wrong_version = windows.replacen("version = 1", "version = 7", 1);
    assert_file_loads_as_text(dir.path(), "version.toml", &wrong_version);
}

#[test]
fn bytes_that_are_not_utf8_late_in_a_large_file_are_reported_where_they_are() {
    let spec = guardplan::sample::SampleSpec::new(2000);
    let estate = guardplan::sample::generate(&spec).unwrap_or_else(|e| panic!("{}", e.0));
    let mut bytes = estate.into_bytes();
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    bytes.extend_from_slice(b"# caf\xe9\n");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("latin1.toml");
    if let Err(e) = std::fs::write(&path, &bytes) {
        panic!("{e}");
    }
    let d = load_file(&path).err().map(|d| d.0).unwrap_or_default();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].line, d[0].col), (lines + 1, 6));
    assert!(d[0].message.contains("not valid UTF-8"), "{}", d[0].message);
}

const VALID: &str = "version = 1\n[[domain]]\ndns = \"corp.contoso.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n";

#[test]
fn byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{VALID}");
    assert!(load_str("bom.toml", &text).is_ok());
    // Positions after a BOM are still counted from the visible first column.
    let bad = "\u{feff}version = 2\n";
    let d = load_str("bom.toml", bad)
        .err()
        .map(|d| d.0)
        .unwrap_or_default();
    assert_eq!((d[0].line, d[0].col), (1, 11), "{:?}", d[0]);
}

#[test]
fn empty_input_asks_for_a_version() {
    for text in ["", "\n\n", "\u{feff}"] {
        let d = load_str("e.toml", text)
            .err()
            .map(|d| d.0)
            .unwrap_or_default();
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("missing key `version`"), "{}", d[0]);
    }
}

#[test]
fn a_huge_name_gives_a_short_message() {
    let name = "a".repeat(10 * 1024 * 1024);
    let text = format!("{VALID}[[user]]\nname = \"{name}\"\ndomain = \"corp.contoso.com\"\n");
    let d = load_str("big.toml", &text)
        .err()
        .map(|d| d.0)
        .unwrap_or_default();
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].col), (7, 8));
    assert!(d[0].message.contains("longer than 20 characters"));
    assert!(
        d[0].to_string().len() < 2000,
        "message of {} bytes",
        d[0].to_string().len()
    );
}

#[test]
fn a_huge_description_loads() {
    let text = format!(
        "description = \"{}\"\n{VALID}",
        "x".repeat(10 * 1024 * 1024)
    );
    assert!(load_str("big.toml", &text).is_ok());
}

#[test]
fn a_huge_wrong_value_gives_a_short_message() {
    let text = format!(
        "{VALID}[[host]]\nname = \"WS1\"\njoin = \"workgroup\"\nos = \"{}\"\n",
        "w".repeat(10 * 1024 * 1024)
    );
    let d = load_str("big.toml", &text)
        .err()
        .map(|d| d.0)
        .unwrap_or_default();
    assert_eq!((d[0].line, d[0].col), (9, 6));
    assert!(d[0].to_string().len() < 2000);
}

fn bin() -> Command {
    Command::cargo_bin("guardplan").unwrap_or_else(|e| panic!("binary: {e}"))
}

/// The real binary: exit 2 and `FILE:LINE:COL: error:` plus `help:` for every bad input, exit 0 for legal ones.
#[test]
fn binary_reports_every_fixture() {
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let out = bin().arg("graph").arg(&path).output();
        let out = out.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expectations(&text) {
            None => assert_eq!(out.status.code(), Some(0), "{}: {stderr}", path.display()),
            Some(want) => {
                assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
                let first = want.first().map(|w| w.line).unwrap_or(0);
                assert!(
                    stderr.contains(&format!("{}:{first}:", path.display())),
                    "{}: {stderr}",
                    path.display()
                );
                assert!(stderr.contains("help: "), "{}: {stderr}", path.display());
                assert!(!stderr.contains("panicked"), "{}", path.display());
            }
        }
    }
}

#[test]
fn binary_reports_bytes_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("latin1.toml");
    let mut bytes = VALID.as_bytes().to_vec();
    bytes.extend_from_slice(b"description = \"caf\xe9\"\n");
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    bin()
        .arg("graph")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "{}:6:19: error: the file is not valid UTF-8",
            path.display()
        )))
        .stderr(predicates::str::contains(
            "help: save the inventory as UTF-8",
        ));
}

#[test]
fn binary_reports_a_missing_file() {
    bin()
        .args(["graph", "/nonexistent/estate.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "/nonexistent/estate.toml:1:1: error: cannot read",
        ));
}

#[test]
fn binary_reads_an_inventory_from_a_pipe() {
    let sample =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/contoso.toml"))
            .unwrap_or_default();
    let from_file = bin()
        .args(["check", "assets/contoso.toml", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let from_pipe = bin()
        .args(["check", "/dev/stdin", "--format", "json"])
        .write_stdin(sample)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_pipe.status.code(), from_file.status.code());
    let (a, b) = (
        String::from_utf8_lossy(&from_file.stdout),
        String::from_utf8_lossy(&from_pipe.stdout),
    );
    assert!(a.contains("\"findings\""), "{a}");
    assert_eq!(a.replace("assets/contoso.toml", "/dev/stdin"), b);
}

#[test]
fn binary_survives_many_errors_and_deep_nesting_together() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("many.toml");
    let mut text = String::from(VALID);
    for i in 0..2000 {
        text.push_str(&format!(
            "[[user]]\nname = \"u{i};\"\ndomain = \"corp.contoso.com\"\n"
        ));
    }
    text.push_str(&format!(
        "x = {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    ));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .arg("graph")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:", path.display())), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_misspelt_key_gets_the_nearest_spelling() {
    let text = format!(
        "{VALID}[[host]]\nnam = \"WS1\"\njoin = \"workgroup\"\nos = \"windows-7\"\nzzzzzz = 1\n"
    );
    let d = load_str("typo.toml", &text)
        .err()
        .map(|d| d.0)
        .unwrap_or_default();
    let help = |line: usize| {
        d.iter()
            .find(|d| d.line == line)
            .and_then(|d| d.help.clone())
            .unwrap_or_default()
    };
    assert!(help(7).starts_with("did you mean `name`?"), "{d:?}");
    assert!(!help(10).contains("did you mean"), "{d:?}");
}
