//! The interactive planner: a ratatui shell over the same workspace the command line uses.
//!
//! `App::update` changes state for one message; `impl Widget for &App` draws it; [`run`] connects them to the
//! terminal, redrawing only after something changed, and restores the terminal on every exit path.

pub mod app;
pub mod autosave;
pub mod config;
pub mod event;
pub mod exceptions;
pub mod files;
pub mod jobs;
pub mod keymap;
pub mod known;
pub mod nav;
pub mod popups;
pub mod tabs;
pub mod theme;
pub mod ui;
pub mod work;

pub use tabs::{findings, graph, inventory, overview, paths, stages, waivers};

use std::io;
use std::path::Path;

use ratatui::crossterm::event::{self as ct, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

use crate::commands::export::ExportFormat;
pub use app::App;
use app::ExportKind;
use event::Msg;

/// Runs the planner until the operator quits. The terminal is restored on return, on error and on panic.
pub fn run(app: &mut App) -> io::Result<()> {
    // ratatui's hook restores raw mode and the screen; this one also releases the mouse.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let result =
        execute!(io::stdout(), EnableMouseCapture).and_then(|()| event_loop(&mut terminal, app));
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    // An inventory being kept for later comparisons is written before the process ends.
    app.settle_background();
    // Whatever ended the planner, the autosave holds the last change before the process ends.
    match app.flush_autosave() {
        Some(e) if result.is_ok() && app.dirty() => Err(io::Error::other(format!(
            "the last changes could not be autosaved: {e}"
        ))),
        _ => result,
    }
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> io::Result<()> {
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    loop {
        if app.redraw {
            terminal.draw(|f| f.render_widget(&*app, f.area()))?;
            app.redraw = false;
        }
        if app.quit {
            return Ok(());
        }
        // While work runs off the key path, wake up often to show how far it is and apply what it gives; while
        // an autosave is being written, now and then to show if it failed; else block until something happens.
        // Then drain what is pending before drawing again.
        if !app.jobs.is_empty() {
            if !ct::poll(std::time::Duration::from_millis(50))? {
                app.update(Msg::Tick);
                continue;
            }
        } else if app.check_autosave() && !ct::poll(std::time::Duration::from_millis(100))? {
            continue;
        }
        let mut ev = ct::read()?;
        loop {
            if let Some(msg) = Msg::from_event(ev) {
                app.update(msg);
            }
            if app.quit || !ct::poll(std::time::Duration::ZERO)? {
                break;
            }
            ev = ct::read()?;
        }
        // Work that ended while keys were handled shows its result in the same frame.
        if !app.jobs.is_empty() {
            app.update(Msg::Tick);
        }
    }
}

/// Writes an export beside the plan file (or in the current directory when the plan has none): the plan
/// file's text `plan_text` for [`ExportKind::Plan`], else what the workspace `ws` gives. Nothing is written
/// once `progress` says the export was cancelled (`Ok(None)`).
pub fn export(
    ws: Option<&crate::plan::Workspace>,
    files: &app::Files,
    plan_text: Option<&str>,
    kind: ExportKind,
    progress: &jobs::Progress,
) -> Result<Option<String>, String> {
    let base = files
        .plan
        .clone()
        .unwrap_or_else(|| "rollout.plan.toml".into());
    let stem = base
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_end_matches(".toml")
                .trim_end_matches(".plan")
                .to_string()
        })
        .unwrap_or_else(|| "rollout".into());
    let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
    let no_plan = || "nothing to export".to_string();
    match kind {
        ExportKind::Plan => {
            let path = dir.join(format!("{stem}.export.plan.toml"));
            crate::plan::io::write_atomic(&path, plan_text.ok_or_else(no_plan)?.as_bytes())
                .map_err(|e| e.to_string())?;
            Ok(Some(format!("wrote {}", path.display())))
        }
        ExportKind::Format(ExportFormat::Scripts) => {
            let out = dir.join(format!("{stem}-scripts"));
            progress.step(0, 2, "generating the scripts");
            let scripts = crate::plan::scripts::stage_scripts(ws.ok_or_else(no_plan)?)
                .map_err(|e| e.to_string())?;
            if progress.cancelled() {
                return Ok(None);
            }
            progress.step(1, 2, "writing them");
            let files = crate::plan::scripts::write_script_files(scripts, &out)
                .map_err(|e| e.to_string())?;
            Ok(Some(format!(
                "wrote {} to {}",
                crate::report::plural(files.len(), "script"),
                out.display()
            )))
        }
        ExportKind::Format(format) => {
            // Reports, GPO and Intune are written by the command line's own export of a working plan.
            progress.step(0, 1, "writing it");
            crate::commands::export::export_beside(
                ws.ok_or_else(no_plan)?,
                files.plan.as_deref(),
                format,
            )
            .map(Some)
        }
    }
}
