//! What a user waits for in the planner on the 100,000-host estate of `guardplan sample --hosts 100000` with its
//! starting plan and an autosave slot: from a key that changes the plan to the frame that shows it. Each case
//! times the key (update, derived rows, autosave) and the redraw of the view it is pressed in; what puts the
//! plan back between two samples (another key, an undo) is not timed.
//!
//! Run with `cargo bench --bench tui` (`GUARDPLAN_BENCH_HOSTS=10000` for a smaller estate).

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use guardplan::plan::{FindingRef, exceptions};
use guardplan::tui::App;
use guardplan::tui::findings::Row;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

use tui_support::{keys, keys_unsettled};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 50;

/// The planner over the sample estate, with a plan file (not written yet) and an autosave slot.
fn planner(hosts: u32, dir: &tempfile::TempDir) -> App {
    let text = match guardplan::sample::generate(&guardplan::sample::SampleSpec::new(hosts)) {
        Ok(text) => text,
        Err(e) => panic!("the sample generator refused {hosts} hosts: {e}"),
    };
    let inv = match guardplan::inventory::load_str("estate.toml", &text) {
        Ok(inv) => inv,
        Err(e) => panic!("the bench estate does not load: {e}"),
    };
    let plan = dir.path().join("estate.plan.toml");
    let data = dir.path().join("data");
    let mut app = tui_support::app_for(inv, Some(&plan), Some(&data));
    app.update(guardplan::tui::event::Msg::Resize(WIDTH, HEIGHT));
    app
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|f| f.render_widget(app, f.area()))
        .expect("draw");
}

/// Times `key` and the redraw after it, `iters` times; `reset` (not timed) runs after each.
fn timed(
    iters: u64,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    key: &str,
    reset: &str,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        keys(app, key);
        draw(terminal, app);
        total += start.elapsed();
        keys(app, reset);
        draw(terminal, app);
    }
    total
}

/// The path whose chosen mode's proposed exception leaves out the most pairs.
fn widest_exception(app: &App) -> usize {
    let ws = &app.ws;
    (0..ws.inventory.paths.len() as u32)
        .filter_map(|p| {
            let mode = ws.choice(p).mode;
            let r = exceptions::propose(&ws.inventory, &ws.evaluation, p, mode)?;
            let f = exceptions::figures(&ws.inventory, &ws.evaluation, p, mode, &[r]);
            Some((f.excepted, p as usize))
        })
        .max()
        .map_or(0, |(_, p)| p)
}

/// The path with the most (user, target) pairs: the largest `x` works on (`helpdesk-ams` in the sample).
fn largest_path(app: &App) -> usize {
    let ws = &app.ws;
    (0..ws.inventory.paths.len())
        .max_by_key(|p| ws.evaluation.pairs.get(*p).map_or(0, |pp| pp.pairs))
        .unwrap_or(0)
}

/// Selects the first finding of the findings view that no waiver accepts yet.
fn select_unwaived_finding(app: &mut App) {
    keys(app, "5");
    let at = app
        .findings
        .rows
        .iter()
        .position(|r| matches!(r, Row::Finding(FindingRef::Evaluation(_), None)))
        .expect("the estate has a finding to waive");
    for _ in 0..at {
        keys(app, "j");
    }
}

/// Selects, in the stage wizard, the first member of the stage holding the most paths by name.
fn select_stage_member(app: &mut App) {
    keys(app, "4");
    let stage = (0..app.ws.plan.stages.len())
        .max_by_key(|s| app.ws.plan.stages[*s].paths.len())
        .expect("the starting plan has stages");
    for _ in 0..stage {
        keys(app, "j");
    }
    keys(app, "<tab>");
}

fn bench_planner(c: &mut Criterion) {
    let hosts = std::env::var("GUARDPLAN_BENCH_HOSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000u32);
    let dir = tui_support::tempdir();
    let mut app = planner(hosts, &dir);
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test terminal");
    let mut group = c.benchmark_group(format!("tui {hosts} hosts"));

    // A mode change in the access-paths view, on the path in the middle of the list.
    keys(&mut app, "3");
    for _ in 0..app.ws.inventory.paths.len() / 2 {
        keys(&mut app, "j");
    }
    group.bench_function("m: change a mode, redraw the access paths", |b| {
        b.iter_custom(|iters| timed(iters, &mut app, &mut terminal, "m", ""))
    });

    // The blockers of the path with the widest exception left out of its mode as an exception (`x`), in the
    // access-paths view; its exceptions are cleared (`X`) before and the `x` undone between samples.
    keys(&mut app, "g");
    for _ in 0..widest_exception(&app) {
        keys(&mut app, "j");
    }
    keys(&mut app, "X");
    group.bench_function(
        "x: leave the blockers out as an exception, redraw the access paths",
        |b| b.iter_custom(|iters| timed(iters, &mut app, &mut terminal, "x", "u")),
    );
    keys(&mut app, "u");

    // `x` on the path with the most pairs, its exceptions cleared first: the key alone (the work goes on off
    // the key path behind a progress line), then the key to its result on screen. Undone between samples.
    keys(&mut app, "g");
    for _ in 0..largest_path(&app) {
        keys(&mut app, "j");
    }
    keys(&mut app, "X");
    let wait = app.job_wait;
    app.job_wait = Duration::ZERO;
    group.bench_function("x on the largest path: the key answers", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                keys_unsettled(&mut app, "x");
                draw(&mut terminal, &app);
                total += start.elapsed();
                app.settle();
                keys(&mut app, "u");
            }
            total
        })
    });
    app.job_wait = wait;
    group.bench_function("x on the largest path: to its result on screen", |b| {
        b.iter_custom(|iters| timed(iters, &mut app, &mut terminal, "x", "u"))
    });
    keys(&mut app, "u");

    // A path of a stage moved to the next stage in the stage wizard, undone between samples.
    select_stage_member(&mut app);
    group.bench_function("gt: move a stage member later, redraw the stages", |b| {
        b.iter_custom(|iters| timed(iters, &mut app, &mut terminal, "<gt>", "u"))
    });

    // A waiver added from the findings view (the form filled in beforehand), undone between samples.
    select_unwaived_finding(&mut app);
    group.bench_function("w: add a waiver, redraw the findings", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                keys(&mut app, "wreviewed");
                let start = Instant::now();
                keys(&mut app, "<enter>");
                draw(&mut terminal, &app);
                total += start.elapsed();
                assert!(app.overlay.is_none(), "the waiver is made");
                keys(&mut app, "u");
                draw(&mut terminal, &app);
            }
            total
        })
    });

    keys(&mut app, "6");
    group.bench_function("redraw the inventory browser", |b| {
        b.iter(|| draw(&mut terminal, &app))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_planner
}
criterion_main!(benches);
