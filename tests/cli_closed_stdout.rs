//! `guardplan graph | head` and friends: a reader that goes away never makes a command panic.
#![cfg(unix)]

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

/// Runs guardplan with standard output connected to a socket whose other end is already closed, so the
/// first write fails with a broken pipe. Returns (exit code, standard error).
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (ours, theirs) = UnixStream::pair().unwrap_or_else(|e| panic!("socket pair: {e}"));
    drop(ours);
    let out = Command::new(env!("CARGO_BIN_EXE_guardplan"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(OwnedFd::from(theirs)))
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("run {args:?}: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn printing_commands_end_quietly_when_the_reader_is_gone() {
    let contoso = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/contoso.toml");
    const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/plans/contoso.plan.toml");
    for args in [
        &["graph"][..],
        &["graph", "--format", "mermaid"],
        &["graph", contoso],
        &["schema"],
        &["completions", "bash"],
        &["man"],
        &["rules"],
        &["rules", "--format", "json"],
        &["explain", "RCG-TARGET-ENTRA"],
        &["export", contoso, "--plan", PLAN, "--format", "json"],
        &["diff", PLAN, PLAN],
    ] {
        let (code, stderr) = run_with_closed_stdout(args);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.is_empty(),
            "{args:?} wrote to standard error: {stderr}"
        );
    }
}

#[test]
fn a_check_streamed_to_a_closed_reader_still_gives_its_verdict() {
    // The embedded sample has blocks: the check fails whoever reads it.
    for format in ["json", "text", "sarif", "markdown"] {
        let (code, stderr) = run_with_closed_stdout(&["check", "--format", format]);
        assert!(!stderr.contains("panicked"), "{format} panicked: {stderr}");
        assert_eq!(code, Some(1), "{format}: {stderr}");
        assert!(
            stderr.is_empty(),
            "{format} wrote to standard error: {stderr}"
        );
    }
}

#[test]
fn input_errors_still_exit_2_when_the_reader_is_gone() {
    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/bad_inputs/bad_version.toml"
    );
    let (code, stderr) = run_with_closed_stdout(&["graph", bad]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("bad_version.toml"), "{stderr}");
}
