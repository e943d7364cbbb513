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

    let ours = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                verify_once(&ws, &path);
                t.elapsed()
            })
            .collect(),
    );
    let xmllint: Option<Vec<Duration>> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new("xmllint")
                .args(["--stream", "--noout"])
                .arg(&path)
                .status()
                .ok()?;
            status.success().then(|| t.elapsed())
        })
        .collect();
    println!(
        "{n} events, {:.0} MB: guardplan verify {:.2} s",
        size as f64 / 1e6,
        ours.as_secs_f64()
    );
    match xmllint.map(median) {
        Some(x) => println!(
            "xmllint --stream --noout {:.2} s; ratio {:.2} (bar: at most 4)",
            x.as_secs_f64(),
            ours.as_secs_f64() / x.as_secs_f64()
        ),
        None => println!("xmllint not found or failed: install libxml2-utils to compare"),
    }
}
