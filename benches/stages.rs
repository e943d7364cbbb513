//! Median time and peak memory of each pipeline stage on one inventory, as ratios to parsing it with `toml` alone.
//!
//! ```text
//! cargo bench --bench stages -- estate.toml        # an inventory file
//!
//! Besides loading and the rules, it times a plan made by `plan init`: its stage states alone, the whole
//! assessment (which includes them), the report of `check --plan`, and its scripts, GPO and Intune exports.
//! cargo bench --bench stages -- --hosts 100000     # a generated sample (users = 2 x hosts)
//! GUARDPLAN_RUNS=9 cargo bench --bench stages -- --hosts 100000
//! ```
//!
//! Peak memory is the resident high-water mark (`VmHWM`), reset before each stage on Linux; elsewhere it is
//! not shown.

use std::time::{Duration, Instant};

use guardplan::graph::TrustGraph;
use guardplan::inventory::load_str;
use guardplan::inventory::raw::RawInventory;
use guardplan::rules::evaluate;
use guardplan::sample::{SampleSpec, generate};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (name, text) = match args.as_slice() {
        [flag, n] if flag == "--hosts" => {
            let hosts: u32 = n.replace('_', "").parse().unwrap_or(100_000);
            match generate(&SampleSpec::new(hosts)) {
                Ok(text) => (format!("sample --hosts {hosts}"), text),
                Err(e) => return eprintln!("{e}"),
            }
        }
        [file] => match std::fs::read_to_string(file) {
            Ok(text) => (file.clone(), text),
            Err(e) => return eprintln!("{file}: {e}"),
        },
        _ => match generate(&SampleSpec::new(10_000)) {
            Ok(text) => ("sample --hosts 10000".into(), text),
            Err(e) => return eprintln!("{e}"),
        },
    };
    let runs: usize = std::env::var("GUARDPLAN_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let inv = match load_str("bench.toml", &text) {
        Ok(inv) => inv,
        Err(d) => return eprintln!("{name} does not load:\n{d}"),
    };
    let graph = TrustGraph::new(&inv);
    let size = text.len() as f64;
    println!(
        "{name}: {:.1} MB, {} hosts, {} users, {} paths; median of {runs} runs",
        size / 1e6,
        inv.hosts.len(),
        inv.users.len(),
        inv.paths.len()
    );
    let base = baseline_rss();
    let mut stages: Vec<(&str, Duration, Option<u64>)> = Vec::new();
    let mut stage = |label, f: &mut dyn FnMut() -> usize| {
        let mut times = Vec::with_capacity(runs);
        let mut peak = None;
        for _ in 0..runs {
            reset_peak();
            let t = Instant::now();
            std::hint::black_box(f());
            times.push(t.elapsed());
            peak = peak.max(peak_rss().map(|p| p.saturating_sub(base)));
        }
        times.sort();
        stages.push((label, times[runs / 2], peak));
    };
    stage("parse: toml::Table", &mut || {
        toml::from_str::<toml::Table>(&text).map_or(0, |t| t.len())
    });
    stage("parse: RawInventory", &mut || {
        toml::from_str::<RawInventory>(&text).map_or(0, |r| r.hosts.len())
    });
    stage("load + validate", &mut || {
        load_str("bench.toml", &text).map_or(0, |i| i.hosts.len())
    });
    stage("graph", &mut || TrustGraph::new(&inv).graph.node_count());
    stage("rules", &mut || evaluate(&inv, &graph).findings.len());
    stage("load + graph + rules", &mut || {
        load_str("bench.toml", &text).map_or(0, |inv| {
            let graph = TrustGraph::new(&inv);
            evaluate(&inv, &graph).findings.len()
        })
    });
    // A plan over the estate: the stages applied in order, each judged in its state, and the report of
    // `check --plan` built from them.
    let today = time::macros::date!(2026 - 06 - 01);
    let ws = guardplan::plan::Workspace::new(inv.clone(), None, today);
    stage("stage states", &mut || {
        ws.derive_stage_states().exposure.len()
    });
    stage("plan assessment", &mut || {
        guardplan::plan::Workspace::new(inv.clone(), Some(ws.plan.clone()), today)
            .assessment()
            .items
            .len()
    });
    stage("plan report", &mut || {
        let r = guardplan::report::plan_report(
            &ws,
            "plan.toml".into(),
            "bench.toml",
            guardplan::Severity::Block,
        );
        r.findings.len()
    });
    // The deployment exports of that plan, from the workspace the command has built (what `export` adds).
    stage("export: scripts", &mut || {
        guardplan::plan::scripts::stage_scripts(&ws).map_or(0, |f| f.len())
    });
    stage("export: gpo", &mut || {
        guardplan::plan::gpo::gpo_export(&ws, "bench").map_or(0, |f| f.len())
    });
    stage("export: intune", &mut || {
        guardplan::plan::intune::intune_export(&ws, "bench").map_or(0, |f| f.len())
    });
    let yard = stages[0].1.as_secs_f64();
    println!(
        "{:<22} {:>10} {:>9} {:>12} {:>10}",
        "stage", "median", "x parse", "peak (MB)", "x file"
    );
    for (label, t, peak) in &stages {
        let (mb, ratio) = match peak {
            Some(p) => (
                format!("{:.1}", *p as f64 / 1e6),
                format!("{:.2}", *p as f64 / size),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{label:<22} {:>8.1}ms {:>9.2} {mb:>12} {ratio:>10}",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / yard
        );
    }
    drop((inv, graph, ws));
}

/// Resident memory before the stages (the text and one loaded inventory are already in it).
fn baseline_rss() -> u64 {
    reset_peak();
    peak_rss().unwrap_or(0)
}

/// Resets the resident high-water mark (Linux: `echo 5 > /proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The resident high-water mark in bytes, where the system reports it.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
