//! The pipeline at 1k, 10k and 100k hosts (twice as many users), with parsing by `toml` alone as the yardstick:
//! loading (from text in memory and from a file), the graph, the rules, a starting plan, and the export of a
//! plan (its JSON and Markdown reports and its per-stage scripts).
//!
//! `cargo bench --bench pipeline` runs every size; `GUARDPLAN_BENCH_HOSTS=1000,10000` picks sizes.
//! `check_plan_json` is `guardplan check --plan plan.toml --format json` end to end (reading both files, the
//! stage states, the report and its JSON written as it is made, as the command does); its ratio to
//! `parse_toml_table` is the time bar:
//! `GUARDPLAN_BENCH_HOSTS=100000 cargo bench --bench pipeline -- 'parse_toml_table|check_plan_json'`.
//! Each size is one group, so its figures are ratios within the same run; inputs are generated once per group.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guardplan::Severity;
use guardplan::graph::TrustGraph;
use guardplan::inventory::raw::RawInventory;
use guardplan::inventory::{load_file, load_str};
use guardplan::plan::{Plan, Workspace, io, open_with, scripts};
use guardplan::report::plan_input;
use guardplan::report::{self, Report};
use guardplan::rules::evaluate;
use guardplan::sample::{SampleSpec, generate};

fn sizes() -> Vec<u32> {
    match std::env::var("GUARDPLAN_BENCH_HOSTS") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .collect(),
        Err(_) => vec![1_000, 10_000, 100_000],
    }
}

fn pipeline(c: &mut Criterion) {
    for hosts in sizes() {
        let Ok(text) = generate(&SampleSpec::new(hosts)) else {
            eprintln!("skipping {hosts} hosts: not a valid sample size");
            continue;
        };
        let inv = match load_str("sample.toml", &text) {
            Ok(inv) => inv,
            Err(d) => panic!("the {hosts}-host sample does not load:\n{d}"),
        };
        let graph = TrustGraph::new(&inv);

        let mut g = c.benchmark_group(format!("{hosts}_hosts"));
        g.throughput(Throughput::Bytes(text.len() as u64));
        if hosts >= 50_000 {
            // One iteration takes seconds: ten samples keep a full run within minutes on two cores.
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(20));
        } else if hosts >= 5_000 {
            g.sample_size(20).measurement_time(Duration::from_secs(8));
        }
        g.bench_function("parse_toml_table", |b| {
            b.iter(|| toml::from_str::<toml::Table>(black_box(&text)))
        });
        g.bench_function("parse_raw", |b| {
            b.iter(|| toml::from_str::<RawInventory>(black_box(&text)))
        });
        g.bench_function("load_validate", |b| {
            b.iter(|| load_str("sample.toml", black_box(&text)))
        });
        g.bench_function("graph", |b| b.iter(|| TrustGraph::new(black_box(&inv))));
        g.bench_function("rules", |b| b.iter(|| evaluate(black_box(&inv), &graph)));
        g.bench_function("load_graph_rules", |b| {
            b.iter(|| {
                let inv = load_str("sample.toml", black_box(&text)).ok()?;
                let graph = TrustGraph::new(&inv);
                Some(evaluate(&inv, &graph).findings.len())
            })
        });
        // What the command line does: the file is read line by line, a piece at a time.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("sample.toml");
        std::fs::write(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        g.bench_function("load_file_graph_rules", |b| {
            b.iter(|| {
                let inv = load_file(black_box(&file)).ok()?;
                let graph = TrustGraph::new(&inv);
                Some(evaluate(&inv, &graph).findings.len())
            })
        });
        let eval = evaluate(&inv, &graph);
        let plan_file = dir.path().join("plan.toml");
        std::fs::write(&plan_file, io::render(&Plan::init(&inv, &eval)))
            .unwrap_or_else(|e| panic!("{e}"));
        // As the command: the plan opened (its fingerprint confirmed beside the workspace and the report), the
        // JSON written as it is made, and the memory left to be freed when the process ends (not timed here).
        g.bench_function("check_plan_json", |b| {
            b.iter_with_large_drop(|| {
                let inv = load_file(black_box(&file)).ok()?;
                let (ws, r) =
                    open_with(inv, &plan_file, time::macros::date!(2026 - 06 - 01), |ws| {
                        report::plan_report(ws, "plan.toml".into(), "sample.toml", Severity::Block)
                    })
                    .ok()?;
                report::json::write(&r, &mut std::io::sink()).ok()?;
                Some((ws, r))
            })
        });
        g.bench_function("plan_init", |b| {
            b.iter(|| io::render(&Plan::init(black_box(&inv), &eval)).len())
        });
        let plan = Plan::init(&inv, &eval);
        let ws = Workspace::new(inv.clone(), Some(plan), time::macros::date!(2026 - 06 - 01));
        g.bench_function("plan_export", |b| {
            b.iter(|| {
                let input = plan_input(black_box(&ws), "plan.toml".into());
                let r = Report::build(
                    &ws.inventory,
                    "sample.toml",
                    &ws.evaluation,
                    Some(&input),
                    Severity::Block,
                );
                let scripts = scripts::stage_scripts(&ws).map(|s| s.len()).unwrap_or(0);
                report::json::render(&r).len() + report::markdown::render(&r).len() + scripts
            })
        });
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
