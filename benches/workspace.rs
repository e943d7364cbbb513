//! Cost of one edit of the plan on a large estate: a path's mode change (and its undo), at 10k and 100k hosts.
//!
//! Run with `cargo bench --bench workspace`.

use std::fmt::Write as _;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardplan::Mode;
use guardplan::inventory::load_str;
use guardplan::plan::{Edit, Workspace};

/// An estate of `hosts` hosts in four domains: groups of 20 hosts, each with one privileged access workstation
/// and 19 servers, reached by an admin path and a helpdesk path from that workstation.
fn estate(hosts: usize) -> String {
    let domains = [
        "corp.example.com",
        "emea.example.com",
        "apac.example.com",
        "lab.example.com",
    ];
    let mut s = String::from("version = 1\n");
    for (i, d) in domains.iter().enumerate() {
        let netbios = d.split('.').next().unwrap_or("D").to_uppercase();
        let _ = writeln!(
            s,
            "[[domain]]\ndns = \"{d}\"\nnetbios = \"{netbios}\"\nfunctional_level = \"2016\""
        );
        if i > 0 {
            let _ = writeln!(s, "forest = \"{}\"", domains[0]);
        }
    }
    for d in &domains[1..] {
        let _ = writeln!(
            s,
            "[[trust]]\ntrusting = \"{}\"\ntrusted = \"{d}\"\ndirection = \"two-way\"\ntype = \"parent-child\"",
            domains[0]
        );
    }
    let groups = hosts / 20;
    for g in 0..groups {
        let d = domains[g % domains.len()];
        let _ = writeln!(
            s,
            "[[user]]\nname = \"adm{g}\"\ndomain = \"{d}\"\nroles = [\"admin\"]\n\
             [[user]]\nname = \"hd{g}\"\ndomain = \"{d}\"\nroles = [\"helpdesk\"]"
        );
        let _ = writeln!(
            s,
            "[[host]]\nname = \"PAW{g}\"\ndomain = \"{d}\"\njoin = \"ad\"\nos = \"windows-11\"\nbuild = 22631\n\
             roles = [\"paw\"]\ntags = [\"paw{g}\"]\nlaps = true"
        );
        for h in 0..19 {
            let os = if h % 7 == 0 {
                "server-2012r2"
            } else {
                "server-2022"
            };
            let _ = writeln!(
                s,
                "[[host]]\nname = \"S{g}X{h}\"\ndomain = \"{d}\"\njoin = \"ad\"\nos = \"{os}\"\n\
                 roles = [\"server\"]\ntags = [\"grp{g}\"]\nlaps = {}",
                h % 5 != 0
            );
        }
        let _ = writeln!(
            s,
            "[[path]]\nname = \"admin{g}\"\npurpose = \"admin\"\nwho = [\"user:adm{g}\"]\n\
             from = [\"tag:paw{g}\"]\nto = [\"tag:grp{g}\"]\n\
             [[path]]\nname = \"helpdesk{g}\"\npurpose = \"helpdesk\"\nwho = [\"user:hd{g}\"]\n\
             from = [\"tag:paw{g}\"]\nto = [\"tag:grp{g}\"]"
        );
    }
    s
}

fn mode_change(c: &mut Criterion) {
    let today = time::macros::date!(2026 - 06 - 01);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(10);
    for hosts in [10_000usize, 100_000] {
        let inv = match load_str("bench.toml", &estate(hosts)) {
            Ok(inv) => inv,
            Err(e) => panic!("the bench estate does not load: {e}"),
        };
        let mut ws = Workspace::new(inv, None, today);
        let path = (ws.inventory.paths.len() / 2) as u32;
        let mode = match ws.choice(path).mode {
            Mode::RemoteGuard => Mode::RestrictedAdmin,
            _ => Mode::RemoteGuard,
        };
        group.bench_with_input(
            BenchmarkId::new("set_mode_and_undo", hosts),
            &path,
            |b, p| {
                b.iter(|| {
                    if let Err(e) = ws.apply(Edit::SetMode { path: *p, mode }) {
                        panic!("edit refused: {e}");
                    }
                    assert!(ws.undo());
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, mode_change);
criterion_main!(benches);
