//! Verifying a stage from one million logon events, against `xmllint --stream` reading the same file.
//!
//! ```text
//! cargo bench --bench verify                                   # 1,000,000 events (about 1.7 GB)
//! GUARDPLAN_VERIFY_EVENTS=200000 cargo bench --bench verify     # another size
//! ```
//!
//! The events file is generated once under `target/verify-bench/` and kept, so that the memory of
//! `guardplan verify` can be measured on it too (`/usr/bin/time -v`). After the Criterion benchmark, the
//! median of three runs of each reader is printed with their ratio when `xmllint` is installed
//! (Debian: `libxml2-utils`).
//!
//! Event log files (`.evtx`) cannot be generated here: the real log kept in the tests
//! (`tests/fixtures/verify/real/DE_RDP_Tunnel_5156.evtx`, 101 records) is read `GUARDPLAN_VERIFY_EVTX_COPIES`
//! times in one run (default 2,000: about 140 MB of log), against `xmllint --stream` on its XML export repeated
//! as many times in one file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use guardplan::commands::verify::{verify_files, workspace};
use guardplan::plan::Workspace;

fn events_file(n: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/verify-bench");
    let path = dir.join(format!("events-{n}.xml"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("bench directory");
        let tmp = dir.join(format!(".events-{n}.xml.tmp"));
        let file = std::fs::File::create(&tmp).expect("events file");
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        guardplan::verify::synthetic::write_events(&mut out, n, true).expect("write events");
        std::io::Write::flush(&mut out).expect("flush events");
        std::fs::rename(&tmp, &path).expect("rename events");
    }
    path
}

fn fixture_workspace() -> Workspace {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify");
    workspace(&dir.join("estate.toml"), &dir.join("rollout.plan.toml")).expect("fixture")
}

fn verify_once(ws: &Workspace, path: &Path) -> u64 {
    let v = verify_files(ws, "helpdesk", &[path.to_path_buf()]).expect("verify");
    v.logons
}

/// The median of three timed runs of `f` (`None` when a run fails).
fn median_of_three(mut f: impl FnMut() -> bool) -> Option<Duration> {
    let runs: Option<Vec<Duration>> = (0..3)
        .map(|_| {
            let t = Instant::now();
            f().then(|| t.elapsed())
        })
        .collect();
    runs.map(median)
}

fn xmllint(path: &Path) -> bool {
    Command::new("xmllint")
        .args(["--stream", "--noout"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Reading a real `.evtx` many times over, against `xmllint --stream` on as many copies of its XML export.
fn evtx_against_xmllint(ws: &Workspace) {
    let copies: usize = std::env::var("GUARDPLAN_VERIFY_EVTX_COPIES")
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(2_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify/real");
    let evtx = dir.join("DE_RDP_Tunnel_5156.evtx");
    let export = std::fs::read_to_string(dir.join("DE_RDP_Tunnel_5156.xml")).expect("export");
    let xml = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/verify-bench/export-{copies}.xml"));
    if !xml.exists() {
        let mut text = String::with_capacity(export.len() * copies + 20);
        text.push_str("<Events>\n");
        for _ in 0..copies {
            text.push_str(&export);
        }
        text.push_str("</Events>\n");
        std::fs::write(&xml, text).expect("export copies");
    }
    let files = vec![evtx.clone(); copies];
    let log_mb =
        std::fs::metadata(&evtx).map(|m| m.len()).unwrap_or(0) as f64 * copies as f64 / 1e6;
    let xml_mb = std::fs::metadata(&xml).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let ours =
        median_of_three(|| verify_files(ws, "helpdesk", &files).is_ok()).expect("verify .evtx");
    println!(
        "{copies} copies of a 101-record .evtx ({log_mb:.0} MB of log): guardplan verify {:.2} s",
        ours.as_secs_f64()
    );
    match median_of_three(|| xmllint(&xml)) {
        Some(x) => println!(
            "xmllint --stream --noout on their XML export ({xml_mb:.0} MB) {:.2} s; ratio {:.2}",
            x.as_secs_f64(),
            ours.as_secs_f64() / x.as_secs_f64()
        ),
        None => println!("xmllint not found or failed: install libxml2-utils to compare"),
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let n: u64 = std::env::var("GUARDPLAN_VERIFY_EVENTS")
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let path = events_file(n);
    let ws = fixture_workspace();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    c.bench_function(&format!("verify {n} events"), |b| {
        b.iter(|| verify_once(&ws, &path))
    });
    c.final_summary();

    let ours = median_of_three(|| verify_once(&ws, &path) > 0).expect("verify");
    let xmllint = median_of_three(|| xmllint(&path));
    println!(
        "{n} events, {:.0} MB: guardplan verify {:.2} s",
        size as f64 / 1e6,
        ours.as_secs_f64()
    );
    match xmllint {
        Some(x) => println!(
            "xmllint --stream --noout {:.2} s; ratio {:.2} (bar: at most 4)",
            x.as_secs_f64(),
            ours.as_secs_f64() / x.as_secs_f64()
        ),
        None => println!("xmllint not found or failed: install libxml2-utils to compare"),
    }
    evtx_against_xmllint(&ws);
}
