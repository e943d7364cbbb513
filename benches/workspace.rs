//! The plan workspace at 1k, 10k and 100k hosts: building it (evaluation, plan init, first recompute), one mode
//! change with its recompute (the work behind one keystroke in the planner), and the per-stage scripts.
//!
//! `cargo bench --bench workspace`; `GUARDPLAN_BENCH_HOSTS=1000,10000` picks sizes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use guardplan::finding::Mode;
use guardplan::inventory::load_str;
use guardplan::plan::scripts::stage_scripts;
use guardplan::plan::workspace::{Edit, Workspace};
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

fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap_or(time::Date::MIN)
}

fn workspace(c: &mut Criterion) {
    for hosts in sizes() {
        let Ok(text) = generate(&SampleSpec::new(hosts)) else {
            eprintln!("skipping {hosts} hosts: not a valid sample size");
            continue;
        };
        let inv = match load_str("sample.toml", &text) {
            Ok(inv) => inv,
            Err(d) => panic!("the {hosts}-host sample does not load:\n{d}"),
        };
        let mut g = c.benchmark_group(format!("{hosts}_hosts"));
        if hosts >= 50_000 {
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(15));
        } else if hosts >= 5_000 {
            g.sample_size(20).measurement_time(Duration::from_secs(8));
        }
        g.bench_function("workspace_new", |b| {
            b.iter(|| Workspace::new(black_box(inv.clone()), None, today()))
        });
        let mut ws = Workspace::new(inv.clone(), None, today());
        // Alternate between two modes on the first path so every iteration is a real change.
        let modes = [Mode::RestrictedAdmin, Mode::RemoteGuard];
        let mut turn = 0;
        g.bench_function("set_mode_recompute", |b| {
            b.iter(|| {
                turn ^= 1;
                ws.apply(Edit::SetMode {
                    path: 0,
                    mode: modes[turn],
                })
            })
        });
        g.bench_function("stage_scripts", |b| {
            b.iter(|| stage_scripts(black_box(&ws)))
        });
        g.finish();
    }
}

criterion_group!(benches, workspace);
criterion_main!(benches);
