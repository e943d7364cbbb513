//! The wide-path estate at a small size: the engine aggregates thousands of targets and users per path into
//! counted findings, and judging choices incrementally gives the findings of the full judgement.
//! Its timings at 100,000 hosts are in `cargo bench --bench rules`.

use crate::rules_support::wide;

use guardplan::Finding;
use guardplan::Mode;
use guardplan::graph::TrustGraph;
use guardplan::inventory::{Inventory, load_str};
use guardplan::plan::Enforcement;
use guardplan::rules::{self, Choice, ChoiceIndex};

fn estate() -> Inventory {
    match load_str("wide.toml", &wide::wide(2_000, 4_000)) {
        Ok(inv) => inv,
        Err(d) => panic!("{d}"),
    }
}

#[test]
fn wide_paths_aggregate_into_counted_findings() {
    let inv = estate();
    let ev = rules::evaluate(&inv, &TrustGraph::new(&inv));
    let widest = inv.paths.iter().map(|p| p.to.len()).max().unwrap_or(0);
    let most_users = inv.paths.iter().map(|p| p.who.len()).max().unwrap_or(0);
    assert!(widest >= 800 && most_users >= 200, "{widest} {most_users}");
    // One finding per (code, path, mode): never more than the catalog allows per path.
    for (pid, pe) in ev.paths.iter().enumerate() {
        for m in Mode::ALL {
            let mut codes: Vec<_> = ev
                .findings_of(pid as u32, m)
                .map(|f| (f.code, f.mode))
                .collect();
            let n = codes.len();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(n, codes.len(), "duplicate findings on path {pid} under {m}");
        }
        // A recommended mode serves some of the path's pairs; the rest is its exception.
        if let Some(r) = pe.recommended {
            let pp = &ev.pairs[pid];
            assert!(
                pp.pairs == 0 || pp.blocked[r.index()] < pp.pairs,
                "path {pid}"
            );
        }
    }
    // Hundreds of targets without LAPS are one line with a count, and every one is still a subject.
    let os = ev
        .findings
        .iter()
        .find(|f| f.code == rules::Code::RaNoLaps)
        .map(|f| (f.message.clone(), f.subjects.len()));
    let Some((message, subjects)) = os else {
        panic!("no RA-NO-LAPS on the wide estate");
    };
    assert!(message.contains(" targets"), "{message}");
    assert!(subjects > 3, "{subjects}");
}

fn sorted(mut fs: Vec<Finding>) -> Vec<String> {
    fs.sort_by_key(|f| (f.path, f.code, f.mode));
    fs.iter().map(|f| format!("{f:?}")).collect()
}

/// Sets `choices[p]` and updates `findings` through the index, as a plan editor does after one change.
fn change(
    inv: &Inventory,
    index: &ChoiceIndex,
    choices: &mut [Choice],
    findings: &mut Vec<Finding>,
    p: u32,
    to: Choice,
) {
    choices[p as usize] = to;
    let affected = index.affected_paths(p);
    assert!(affected.contains(&p));
    findings.retain(|f| f.path.is_none_or(|q| affected.binary_search(&q).is_err()));
    findings.extend(index.evaluate_paths(inv, choices, &affected));
}

#[test]
fn incremental_choice_findings_equal_the_full_judgement() {
    let inv = estate();
    let ev = rules::evaluate(&inv, &TrustGraph::new(&inv));
    let index = ChoiceIndex::new(&inv);
    let mut choices = ev.recommended_choices();
    let mut findings = index.evaluate(&inv, &choices);
    assert_eq!(
        sorted(findings.clone()),
        sorted(rules::evaluate_choices(&inv, &choices))
    );
    let steps = [
        (0, Mode::RestrictedAdmin, Enforcement::Policy),
        (1, Mode::PreferRemoteGuard, Enforcement::Policy),
        (3, Mode::RestrictedAdmin, Enforcement::Policy),
        (2, Mode::Standard, Enforcement::Switch),
        (0, Mode::RemoteGuard, Enforcement::Switch),
        (1, Mode::RestrictedAdmin, Enforcement::Switch),
    ];
    let mut saw_conflict = false;
    for (p, mode, enforce) in steps {
        change(
            &inv,
            &index,
            &mut choices,
            &mut findings,
            p,
            Choice { mode, enforce },
        );
        let full = rules::evaluate_choices(&inv, &choices);
        saw_conflict |= full
            .iter()
            .any(|f| f.code == rules::Code::PolClientConflict);
        assert_eq!(
            sorted(findings.clone()),
            sorted(full),
            "after path {p} -> {mode}"
        );
    }
    assert!(
        saw_conflict,
        "the steps never made two paths disagree on a client"
    );
}
