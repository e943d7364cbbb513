//! The rules engine against parsing the same text with `toml` alone, on the generated sample at 10k and 100k
//! hosts and on the wide-path estate (100k hosts, 200k users, 40 paths of up to 50k targets each).
//!
//! `cargo bench --bench rules` runs every estate; `GUARDPLAN_BENCH_ESTATES=sample-10000,wide-100000` picks.
//! Each estate is one group, so its figures are ratios within the same run.
//!
//! - `parse_toml_table`: the yardstick.
//! - `rules`: [`rules::evaluate`], every path under every mode.
//! - `choices_full`: [`rules::evaluate_choices`] on the recommended choices (builds a [`ChoiceIndex`]).
//! - `choice_index`: [`ChoiceIndex::new`], built once per inventory.
//! - `one_mode_change`: what a plan editor recomputes after one path's mode changes, with the index kept.

#[path = "../tests/rules_support/wide.rs"]
mod wide;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use guardplan::Mode;
use guardplan::graph::TrustGraph;
use guardplan::inventory::load_str;
use guardplan::plan::Enforcement;
use guardplan::rules::{self, Choice, ChoiceIndex};
use guardplan::sample::{SampleSpec, generate};

fn estates() -> Vec<String> {
    match std::env::var("GUARDPLAN_BENCH_ESTATES") {
        Ok(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
        Err(_) => ["sample-10000", "sample-100000", "wide-100000"]
            .map(String::from)
            .to_vec(),
    }
}

fn text_of(estate: &str) -> Option<String> {
    let (kind, size) = estate.split_once('-')?;
    let hosts: u32 = size.replace('_', "").parse().ok()?;
    match kind {
        "sample" => generate(&SampleSpec::new(hosts)).ok(),
        "wide" => Some(wide::wide(hosts as usize, 2 * hosts as usize)),
        _ => None,
    }
}

fn bench(c: &mut Criterion) {
    for estate in estates() {
        let Some(text) = text_of(&estate) else {
            eprintln!("skipping {estate}: expected sample-N or wide-N");
            continue;
        };
        let inv = match load_str("estate.toml", &text) {
            Ok(inv) => inv,
            Err(d) => panic!("{estate} does not load:\n{d}"),
        };
        let graph = TrustGraph::new(&inv);
        let ev = rules::evaluate(&inv, &graph);
        let choices = ev.recommended_choices();
        let index = ChoiceIndex::new(&inv);
        // The path leaving the most clients: the worst single change.
        let busiest = (0..inv.paths.len() as u32)
            .max_by_key(|p| index.affected_paths(*p).len())
            .unwrap_or(0);

        let mut g = c.benchmark_group(estate.clone());
        if inv.hosts.len() >= 50_000 {
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(15));
        } else {
            g.sample_size(20).measurement_time(Duration::from_secs(5));
        }
        g.bench_function("parse_toml_table", |b| {
            b.iter(|| toml::from_str::<toml::Table>(black_box(&text)))
        });
        g.bench_function("rules", |b| {
            b.iter(|| rules::evaluate(black_box(&inv), &graph))
        });
        g.bench_function("choices_full", |b| {
            b.iter(|| rules::evaluate_choices(black_box(&inv), &choices))
        });
        g.bench_function("choice_index", |b| {
            b.iter(|| ChoiceIndex::new(black_box(&inv)))
        });
        let mut edited = choices.clone();
        let mut flip = false;
        g.bench_function("one_mode_change", |b| {
            b.iter(|| {
                flip = !flip;
                if let Some(c) = edited.get_mut(busiest as usize) {
                    *c = Choice {
                        mode: if flip {
                            Mode::RestrictedAdmin
                        } else {
                            Mode::RemoteGuard
                        },
                        enforce: Enforcement::Policy,
                    };
                }
                let affected = index.affected_paths(busiest);
                index.evaluate_paths(black_box(&inv), &edited, &affected)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
