//! Cost of one edit of the plan on the synthetic estate of `guardplan sample`: a path's mode change (and its
//! undo), the stage states of the starting plan derived afresh, a user enrolled in Protected Users by a stage
//! (and its undo), and the planner's `x` (the chosen mode's blockers proposed as an exception and applied, and
//! its undo), at 1k, 10k and 100k hosts.
//!
//! Run with `cargo bench --bench workspace`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardplan::Mode;
use guardplan::inventory::load_str;
use guardplan::plan::exceptions;
use guardplan::plan::{Edit, Workspace};
use guardplan::sample::{SampleSpec, generate};
use guardplan::tui::exceptions::proposed;

/// The synthetic estate of `guardplan sample --hosts N`.
fn estate(hosts: u32) -> String {
    match generate(&SampleSpec::new(hosts)) {
        Ok(text) => text,
        Err(e) => panic!("the sample generator refused {hosts} hosts: {e}"),
    }
}

/// The workspace of the estate with no plan, a path in the middle and a mode it does not have yet.
fn workspace(hosts: u32, today: time::Date) -> (Workspace, u32, Mode) {
    let inv = match load_str("bench.toml", &estate(hosts)) {
        Ok(inv) => inv,
        Err(e) => panic!("the bench estate does not load: {e}"),
    };
    let ws = Workspace::new(inv, None, today);
    let path = (ws.inventory.paths.len() / 2) as u32;
    let mode = match ws.choice(path).mode {
        Mode::RemoteGuard => Mode::RestrictedAdmin,
        _ => Mode::RemoteGuard,
    };
    (ws, path, mode)
}

fn mode_change(c: &mut Criterion) {
    let today = time::macros::date!(2026 - 06 - 01);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(10);
    for hosts in [1_000u32, 10_000, 100_000] {
        // Built on the first run of the routine, so that a filter skipping this size skips its setup too.
        let mut setup: Option<(Workspace, u32, Mode)> = None;
        group.bench_function(BenchmarkId::new("set_mode_and_undo", hosts), |b| {
            let (ws, path, mode) = setup.get_or_insert_with(|| workspace(hosts, today));
            b.iter(|| {
                if let Err(e) = ws.apply(Edit::SetMode {
                    path: *path,
                    mode: *mode,
                }) {
                    panic!("edit refused: {e}");
                }
                assert!(ws.undo());
            })
        });
    }
    group.finish();
}

/// The stages applied in order to the estate, each judged in its state (a plan made by `plan init`), derived
/// afresh: what a change of the stages' members recomputes besides the rest of the assessment.
fn stage_states(c: &mut Criterion) {
    let today = time::macros::date!(2026 - 06 - 01);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(10);
    for hosts in [1_000u32, 10_000, 100_000] {
        let mut setup: Option<Workspace> = None;
        group.bench_function(BenchmarkId::new("stage_states", hosts), |b| {
            let ws = setup.get_or_insert_with(|| workspace(hosts, today).0);
            b.iter(|| ws.derive_stage_states().exposure.len())
        });
    }
    group.finish();
}

/// A user added to the stage that enrolls accounts in Protected Users (and the undo): the Protected Users
/// rules of the user's paths are judged again from that stage on, and the exposure recounted.
fn enroll_user(c: &mut Criterion) {
    let today = time::macros::date!(2026 - 06 - 01);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(10);
    for hosts in [1_000u32, 10_000, 100_000] {
        let mut setup: Option<(Workspace, Edit)> = None;
        group.bench_function(BenchmarkId::new("enroll_user_and_undo", hosts), |b| {
            let (ws, edit) = setup.get_or_insert_with(|| {
                let (ws, _, _) = workspace(hosts, today);
                let stage = ws.plan.stages.iter().position(|s| !s.users.is_empty());
                let stage = stage.unwrap_or_else(|| panic!("no stage enrolls accounts"));
                // A user of a path who is not enrolled yet.
                let inv = &ws.inventory;
                let user = (inv.paths.iter().flat_map(|p| p.who.iter()))
                    .find(|u| {
                        !inv.users[**u as usize].protected_users
                            && ws
                                .stage_of_item(guardplan::plan::MemberKind::User, **u)
                                .is_none()
                    })
                    .unwrap_or_else(|| panic!("every user of a path is enrolled"));
                let selector = format!("user:{}", inv.user_label(*user));
                let edit = Edit::AddMember {
                    stage,
                    kind: guardplan::plan::MemberKind::User,
                    selector,
                };
                (ws, edit)
            });
            b.iter(|| {
                if let Err(e) = ws.apply(edit.clone()) {
                    panic!("edit refused: {e}");
                }
                assert!(ws.undo());
            })
        });
    }
    group.finish();
}

/// The path whose chosen mode leaves out the most pairs as an exception, and that mode.
fn widest_exception(ws: &Workspace) -> (u32, Mode) {
    let mut best = (0u32, Mode::Standard, 0u64);
    for p in 0..ws.inventory.paths.len() as u32 {
        let mode = ws.choice(p).mode;
        let Some(r) = exceptions::propose(&ws.inventory, &ws.evaluation, p, mode) else {
            continue;
        };
        let f = exceptions::figures(&ws.inventory, &ws.evaluation, p, mode, &[r]);
        if f.excepted >= best.2 {
            best = (p, mode, f.excepted);
        }
    }
    (best.0, best.1)
}

fn exception_add(c: &mut Criterion) {
    let today = time::macros::date!(2026 - 06 - 01);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(10);
    for hosts in [1_000u32, 10_000, 100_000] {
        let mut setup: Option<(Workspace, u32, Mode)> = None;
        group.bench_function(BenchmarkId::new("except_blockers_and_undo", hosts), |b| {
            let (ws, path, mode) = setup.get_or_insert_with(|| {
                let (mut ws, _, _) = workspace(hosts, today);
                let (path, mode) = widest_exception(&ws);
                // Start from the path without exceptions, as a user who has not pressed `x` yet.
                let cleared = Edit::Decide {
                    path,
                    mode,
                    exceptions: Vec::new(),
                };
                if let Err(e) = ws.apply(cleared) {
                    panic!("edit refused: {e}");
                }
                (ws, path, mode)
            });
            b.iter(|| {
                let exceptions = proposed(ws, *path, *mode);
                if let Err(e) = ws.apply(Edit::Decide {
                    path: *path,
                    mode: *mode,
                    exceptions,
                }) {
                    panic!("edit refused: {e}");
                }
                assert!(ws.undo());
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    mode_change,
    stage_states,
    enroll_user,
    exception_add
);
criterion_main!(benches);
