//! The planner on a 100,000-host estate: one mode change (update, derived rows, autosave) and one redraw.

use criterion::{Criterion, criterion_group, criterion_main};
use guardplan::tui::event::Msg;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn planner(c: &mut Criterion) {
    let dir = tui_support::tempdir();
    let data = dir.path().join("data");
    let plan = dir.path().join("big.plan.toml");
    let mut app = tui_support::app_for(
        tui_support::big_inventory(100_000),
        Some(&plan),
        Some(&data),
    );
    app.update(Msg::Resize(160, 50));
    app.update(key('3'));
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("test terminal");
    c.bench_function(
        "tui: change a mode on 100k hosts (update + autosave)",
        |b| b.iter(|| app.update(key('m'))),
    );
    c.bench_function(
        "tui: change a mode and redraw the paths view on 100k hosts",
        |b| {
            b.iter(|| {
                app.update(key('m'));
                terminal
                    .draw(|f| f.render_widget(&app, f.area()))
                    .expect("draw");
            })
        },
    );
    app.update(key('6'));
    c.bench_function("tui: redraw the inventory browser on 100k hosts", |b| {
        b.iter(|| {
            terminal
                .draw(|f| f.render_widget(&app, f.area()))
                .expect("draw");
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = planner
}
criterion_main!(benches);
