//! The application state and its one `update`: every change of state goes through [`App::update`]; drawing
//! (`impl Widget for &App`, in [`super::ui`]) only reads it.

use std::collections::VecDeque;
use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::autosave::{Autosave, Orphan, Writer};
use super::config::Config;
use super::event::{Internal, Msg};
use super::keymap::{Action, Context, Key};
pub use super::popups::form::{Field, Form, FormPurpose, parse_date};
use super::{findings, graph, inventory, nav, overview, paths, popups, stages, ui, waivers};
use crate::plan::io::FileStamp;
use crate::plan::{Edit, Plan, Workspace};

/// The views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The estate at a glance.
    Overview,
    /// Domains and trusts, and the Kerberos route between two domains.
    Graph,
    /// Every access path under every mode.
    Paths,
    /// The stages of the rollout.
    Stages,
    /// Findings by severity and code.
    Findings,
    /// Domains, hosts, users and groups.
    Inventory,
    /// The plan's waivers.
    Waivers,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 7] = [
        View::Overview,
        View::Graph,
        View::Paths,
        View::Stages,
        View::Findings,
        View::Inventory,
        View::Waivers,
    ];

    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Graph => "Trust graph",
            View::Paths => "Access paths",
            View::Stages => "Stages",
            View::Findings => "Findings",
            View::Inventory => "Inventory",
            View::Waivers => "Waivers & exceptions",
        }
    }

    /// The tab title where the full titles do not fit.
    pub fn short_title(self) -> &'static str {
        match self {
            View::Overview => "Home",
            View::Graph => "Trusts",
            View::Paths => "Paths",
            View::Stages => "Stages",
            View::Findings => "Findings",
            View::Inventory => "Inventory",
            View::Waivers => "Waivers",
        }
    }

    /// The keymap context of the view.
    pub fn context(self) -> Option<Context> {
        match self {
            View::Overview => None,
            View::Graph => Some(Context::Graph),
            View::Paths => Some(Context::Paths),
            View::Stages => Some(Context::Stages),
            View::Findings => Some(Context::Findings),
            View::Inventory => Some(Context::Inventory),
            View::Waivers => Some(Context::Waivers),
        }
    }

    fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// A selection in a list that renders only its visible rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Selected row.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
}

impl Cursor {
    /// Moves the selection by `delta` rows within `len` rows.
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let max = len - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(max);
    }

    /// Applies a navigation action; false when the action is not a navigation.
    pub fn navigate(&mut self, action: Action, len: usize, page: usize) -> bool {
        let page = page.max(1) as isize;
        match action {
            Action::Up => self.step(-1, len),
            Action::Down => self.step(1, len),
            Action::PageUp => self.step(-page, len),
            Action::PageDown => self.step(page, len),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = len.saturating_sub(1),
            _ => return false,
        }
        true
    }

    /// The keys every list-and-detail view shares: in the list (`pane` 0) they move the selection and reset
    /// the detail's scroll, in the detail (`pane` 1) Up and Down scroll it, and Tab switches panes. False when
    /// the action is the view's own.
    pub fn navigate_list_detail(
        &mut self,
        pane: &mut usize,
        detail_scroll: &mut u16,
        action: Action,
        len: usize,
        page: usize,
    ) -> bool {
        match action {
            _ if *pane == 0 && self.navigate(action, len, page) => *detail_scroll = 0,
            Action::Up if *pane == 1 => *detail_scroll = detail_scroll.saturating_sub(1),
            Action::Down if *pane == 1 => *detail_scroll = detail_scroll.saturating_add(1),
            Action::NextPane | Action::PrevPane => *pane = 1 - (*pane).min(1),
            _ => return false,
        }
        true
    }

    /// Keeps the selection inside `len` rows and visible in a viewport of `height` rows.
    pub fn fit(&mut self, len: usize, height: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset.saturating_add(height) {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// Selects the row shown at `row` lines below the top of the viewport.
    pub fn click(&mut self, row: usize, len: usize) {
        let target = self.offset + row;
        if target < len {
            self.selected = target;
        }
    }
}

/// Export formats offered inside the planner: the plan file, or any format of `guardplan export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The plan file (TOML).
    Plan,
    /// A report or a deployment directory, as `guardplan export --format` writes it.
    Format(crate::commands::export::ExportFormat),
}

/// Something drawn over the current view that takes the keys first.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key help, scrolled.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// Unsaved changes on quit.
    ConfirmQuit,
    /// An autosaved plan was found at start.
    Recover {
        /// The autosaved plan.
        plan: Box<Plan>,
        /// Where it was found.
        orphan: Box<Orphan>,
        /// How it differs from the plan file (lines of `guardplan diff`).
        differs: Vec<String>,
        /// The plan file changed since the autosaved work was started from it.
        changed_on_disk: bool,
    },
    /// A form.
    Form(Form),
    /// The plan file as it would be saved, scrolled.
    Preview {
        /// First line shown.
        scroll: usize,
    },
    /// The export menu.
    Export,
    /// What changed in the inventory since the plan was made, scrolled.
    Changes {
        /// First line shown.
        scroll: usize,
    },
    /// Unsaved changes on reload.
    ConfirmReload,
}

/// The line under the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// An error.
    pub error: bool,
}

/// A plan made for another version of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The fingerprint the plan was made for.
    pub was: String,
    /// What changed since, entry by entry; `None` when that inventory was never seen here.
    pub changes: Option<Vec<crate::plan::fingerprint::EntryChange>>,
}

/// Files the planner reads and writes.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// The inventory (none: the embedded sample).
    pub inventory: Option<PathBuf>,
    /// The plan file (none: asked on first save).
    pub plan: Option<PathBuf>,
    /// The plan file as it was opened or last saved, to notice changes by someone else.
    pub plan_on_disk: Option<FileStamp>,
    /// The plan as opened or last saved: the working plan is unsaved when it differs.
    pub baseline: Plan,
    /// The autosave slot (none when there is no data directory).
    pub autosave: Option<Autosave>,
}

/// The whole state of the planner.
#[derive(Debug)]
pub struct App {
    /// Inventory, evaluation and the plan being edited.
    pub ws: Workspace,
    /// Key bindings and theme.
    pub config: Config,
    /// Files.
    pub files: Files,
    /// The view shown.
    pub view: View,
    /// The terminal size.
    pub size: (u16, u16),
    /// The overlay shown, if any.
    pub overlay: Option<Overlay>,
    /// The status line.
    pub status: Option<Status>,
    /// Set when the planner should end.
    pub quit: bool,
    /// Set when something changed since the last draw.
    pub redraw: bool,
    /// The working plan differs from the one opened or last saved.
    pub modified: bool,
    /// Internal events waiting to be processed.
    pub queue: VecDeque<Internal>,
    /// Trust graph view.
    pub graph: graph::GraphState,
    /// Access paths view.
    pub paths: paths::PathsState,
    /// Stage wizard.
    pub stages: stages::StagesState,
    /// Findings view.
    pub findings: findings::FindingsState,
    /// Inventory browser.
    pub inventory: inventory::InventoryState,
    /// Waivers view.
    pub waivers: waivers::WaiversState,
    /// Overview.
    pub overview: overview::OverviewState,
    /// The way back from drill-downs (Esc), most recent last.
    pub back: Vec<nav::Place>,
    /// Writes the autosave slot of `files.autosave` off the key path.
    autosaver: Option<Writer>,
    /// Set when the plan was made for another version of the inventory.
    pub stale: Option<Stale>,
    /// Remote Desktop sessions read from event files (`--events`), shown as each stage's verification.
    pub observed: Option<crate::verify::Observed>,
    /// Work under way off the key path (see [`super::jobs`]).
    pub jobs: Vec<super::jobs::Job>,
    /// How long a key waits for the work it starts before that work goes on behind a progress line.
    pub job_wait: std::time::Duration,
}

impl App {
    /// A planner over a workspace. Offers recovery when the autosave slot holds a plan that differs from the
    /// one opened.
    pub fn new(ws: Workspace, config: Config, files: Files) -> App {
        let mut app = App {
            graph: graph::GraphState::default(),
            paths: paths::PathsState::default(),
            stages: stages::StagesState::default(),
            findings: findings::FindingsState::default(),
            inventory: inventory::InventoryState::new(&ws.inventory),
            waivers: waivers::WaiversState::default(),
            overview: overview::OverviewState::default(),
            back: Vec::new(),
            autosaver: files.autosave.clone().map(Writer::start),
            stale: None,
            ws,
            config,
            files,
            view: View::Overview,
            size: (80, 24),
            overlay: None,
            status: None,
            quit: false,
            redraw: true,
            modified: false,
            queue: VecDeque::new(),
            observed: None,
            jobs: Vec::new(),
            job_wait: super::work::INLINE_WAIT,
        };
        app.refresh();
        app.opened();
        let data_dir = app.files.autosave.as_ref().and_then(Autosave::data_dir);
        let pruned = data_dir.map_or(0, |d| {
            super::autosave::prune_abandoned(d, super::autosave::ABANDONED_AFTER)
        });
        if pruned > 0 && app.status.is_none() {
            app.info(format!(
                "removed {} of planners gone for more than 30 days",
                crate::report::plural(pruned, "autosave")
            ));
        }
        let orphans = app.files.autosave.as_ref().map(Autosave::orphans);
        for orphan in orphans.unwrap_or_default() {
            if app.overlay.is_some() {
                break;
            }
            app.offer(orphan);
        }
        app
    }

    /// The contexts tried for a key, most specific first.
    fn contexts(&self) -> Vec<Context> {
        let mut c = Vec::with_capacity(3);
        c.extend(self.view.context());
        c.push(Context::List);
        c.push(Context::Global);
        c
    }

    /// Changes the state for one message.
    pub fn update(&mut self, msg: Msg) {
        let changed = match msg {
            Msg::Resize(w, h) => {
                self.size = (w, h);
                true
            }
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => {
                self.on_mouse(m);
                true
            }
            Msg::Tick => self.poll_jobs() || !self.jobs.is_empty(),
            Msg::Paste(text) => {
                if let Some(Overlay::Form(form)) = &mut self.overlay
                    && let Some(f) = form.fields.get_mut(form.focus)
                {
                    f.value.extend(text.chars().filter(|c| !c.is_control()));
                }
                true
            }
        };
        if changed {
            self.redraw = true;
            self.process_internal();
            if self.view == View::Waivers && self.waivers.stale {
                self.waivers.refresh(&self.ws);
            }
            self.fit_cursors();
        }
        self.check_autosave();
    }

    /// Handles a key; false when the key means nothing here (nothing to redraw).
    fn on_key(&mut self, k: KeyEvent) -> bool {
        let Some(key) = Key::from_event(&k) else {
            return false;
        };
        // Ctrl-C always ends the program, whatever is open: the autosave keeps the work.
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return true;
        }
        if let Some(overlay) = self.overlay.take() {
            self.overlay = popups::on_key(self, overlay, k, key);
            return true;
        }
        // Esc (Back) while work the operator asked for runs cancels it, before anything else it would do.
        let back = || self.config.keymap.lookup(&self.contexts(), key) == Some(Action::Back);
        if !self.jobs.is_empty() && (k.code == KeyCode::Esc || back()) && self.cancel_jobs() {
            return true;
        }
        if self.filter_typing() {
            self.on_filter_key(k);
            return true;
        }
        match self.config.keymap.lookup(&self.contexts(), key) {
            Some(action) => {
                // A new action replaces the last message, so that the key hints come back.
                self.status = None;
                self.on_action(action);
                true
            }
            None => false,
        }
    }

    /// Whether the focused view's filter line takes the keys.
    fn filter_typing(&self) -> bool {
        match self.view {
            View::Findings => self.findings.typing,
            View::Inventory => self.inventory.typing,
            _ => false,
        }
    }

    fn on_filter_key(&mut self, k: KeyEvent) {
        let (text, typing) = match self.view {
            View::Findings => (&mut self.findings.filter, &mut self.findings.typing),
            View::Inventory => (&mut self.inventory.filter, &mut self.inventory.typing),
            _ => return,
        };
        match k.code {
            KeyCode::Enter => *typing = false,
            KeyCode::Esc => {
                text.clear();
                *typing = false;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => return,
        }
        match self.view {
            View::Findings => self.findings.refresh(&self.ws),
            View::Inventory => self.inventory.refresh(&self.ws.inventory),
            _ => {}
        }
    }

    /// Runs one action of the keymap.
    pub fn on_action(&mut self, action: Action) {
        // Work whose result replaces the plan runs: what would change the plan or its file waits.
        if matches!(
            action,
            Action::Save
                | Action::SaveAs
                | Action::Undo
                | Action::Redo
                | Action::Reload
                | Action::Export
        ) && let Some(why) = self.edits_blocked()
        {
            return self.error(why);
        }
        match action {
            Action::Quit => {
                if self.dirty() {
                    self.overlay = Some(Overlay::ConfirmQuit);
                } else {
                    self.finish();
                }
            }
            Action::ForceQuit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::ViewOverview => self.switch(View::Overview),
            Action::ViewGraph => self.switch(View::Graph),
            Action::ViewPaths => self.switch(View::Paths),
            Action::ViewStages => self.switch(View::Stages),
            Action::ViewFindings => self.switch(View::Findings),
            Action::ViewInventory => self.switch(View::Inventory),
            Action::ViewWaivers => self.switch(View::Waivers),
            Action::NextView => self.switch(View::ALL[(self.view.index() + 1) % View::ALL.len()]),
            Action::PrevView => {
                self.switch(View::ALL[(self.view.index() + View::ALL.len() - 1) % View::ALL.len()])
            }
            // Esc retraces a drill-down before it does anything in the view.
            Action::Back if !self.filter_shown() && nav::back(self) => {}
            Action::Save => self.save(),
            Action::Undo => {
                let what = self.ws.undo_label();
                if self.ws.undo() {
                    self.changed(&format!("undone: {}", what.unwrap_or_default()));
                } else {
                    self.info("nothing to undo");
                }
            }
            Action::Redo => {
                let what = self.ws.redo_label();
                if self.ws.redo() {
                    self.changed(&format!("redone: {}", what.unwrap_or_default()));
                } else {
                    self.info("nothing to redo");
                }
            }
            Action::Export => self.overlay = Some(Overlay::Export),
            Action::Changes => self.overlay = Some(Overlay::Changes { scroll: 0 }),
            Action::SaveAs => self.save_as(),
            Action::Reload => {
                if self.dirty() {
                    self.overlay = Some(Overlay::ConfirmReload);
                } else {
                    self.reload();
                }
            }
            Action::Preview => self.overlay = Some(Overlay::Preview { scroll: 0 }),
            _ => self.view_action(action),
        }
    }

    /// Shows a view chosen by key or tab: the way back of drill-downs ends there.
    fn switch(&mut self, view: View) {
        self.view = view;
        self.back.clear();
    }

    /// Whether the view shows a filter that Esc clears first.
    fn filter_shown(&self) -> bool {
        match self.view {
            View::Findings => !self.findings.filter.is_empty(),
            View::Inventory => !self.inventory.filter.is_empty(),
            _ => false,
        }
    }

    /// Hands an action to the focused view.
    fn view_action(&mut self, action: Action) {
        let page = self.page();
        match self.view {
            View::Overview => {
                self.overview
                    .on_action(action, &self.stages.gates, page, &mut self.queue)
            }
            View::Graph => self.graph.on_action(action, &self.ws, page),
            View::Paths => self
                .paths
                .on_action(action, &self.ws, page, &mut self.queue),
            View::Stages => self
                .stages
                .on_action(action, &self.ws, page, &mut self.queue),
            View::Findings => self
                .findings
                .on_action(action, &self.ws, page, &mut self.queue),
            View::Inventory => self.inventory.on_action(action, &self.ws.inventory, page),
            View::Waivers => self
                .waivers
                .on_action(action, &self.ws, page, &mut self.queue),
        }
    }

    /// Rows of the focused list that fit on screen.
    pub(crate) fn page(&self) -> usize {
        let body = ui::frame_layout(self.area()).body;
        match self.view {
            View::Overview => ui::inner_rows(self.overview.list_area(body)),
            view => ui::list_height(view, body),
        }
    }

    fn area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    pub(crate) fn fit_cursors(&mut self) {
        let body = ui::frame_layout(self.area()).body;
        self.graph.fit(&self.ws, body);
        self.paths.fit(&self.ws, body);
        self.stages.fit(body);
        self.findings.fit(body);
        self.inventory.fit(body);
        self.waivers.fit(body);
        self.overview.fit(body, self.stages.gates.len());
    }

    fn on_mouse(&mut self, m: ratatui::crossterm::event::MouseEvent) {
        if self.overlay.is_some() {
            return;
        }
        let at = Position::new(m.column, m.row);
        let frame = ui::frame_layout(self.area());
        match m.kind {
            MouseEventKind::ScrollUp => self.view_action(Action::Up),
            MouseEventKind::ScrollDown => self.view_action(Action::Down),
            MouseEventKind::Down(MouseButton::Left) => {
                if frame.tabs.contains(at) {
                    if let Some(v) = ui::tab_at(frame.tabs, m.column) {
                        self.switch(v);
                    }
                } else if frame.body.contains(at) {
                    self.click_body(frame.body, at);
                }
            }
            _ => {}
        }
    }

    fn click_body(&mut self, body: Rect, at: Position) {
        match self.view {
            View::Overview => self.overview.click(body, at, self.stages.gates.len()),
            View::Graph => self.graph.click(body, at, &self.ws),
            View::Paths => self.paths.click(body, at, &self.ws),
            View::Stages => self.stages.click(body, at),
            View::Findings => self.findings.click(body, at),
            View::Inventory => self.inventory.click(body, at),
            View::Waivers => self.waivers.click(body, at),
        }
    }

    /// Applies the internal events the panes queued.
    pub fn process_internal(&mut self) {
        while let Some(ev) = self.queue.pop_front() {
            match ev {
                Internal::Edit(_) | Internal::Removed(..) | Internal::Except(_)
                    if self.edits_blocked().is_some() =>
                {
                    let why = self.edits_blocked().unwrap_or_default();
                    self.error(why);
                }
                Internal::Except(path) => self.except_blockers(path),
                Internal::Edit(edit) => {
                    // What a removal took away is named, with the key that brings it back.
                    // A decision (a mode with its exceptions) names what it changed too.
                    let removal = matches!(
                        edit,
                        Edit::RemoveStage(_)
                            | Edit::RemoveMember { .. }
                            | Edit::RemoveWaiver(_)
                            | Edit::Decide { .. }
                    );
                    match self.ws.apply(edit) {
                        Ok(()) if removal => {
                            let what = self.ws.undo_label().unwrap_or_default();
                            let undo = self.config.keymap.keys_for(Context::Global, Action::Undo);
                            self.changed(&format!("{what} ({undo} undoes)"));
                        }
                        Ok(()) => self.changed(""),
                        Err(e) => self.error(e),
                    }
                }
                Internal::Removed(edit, what) => match self.ws.apply(edit) {
                    Ok(()) => {
                        let undo = self.config.keymap.keys_for(Context::Global, Action::Undo);
                        self.changed(&format!("{what} ({undo} undoes)"));
                    }
                    Err(e) => self.error(e),
                },
                Internal::Status(s) => self.info(s),
                Internal::Error(s) => self.error(s),
                Internal::Open(o) => self.overlay = Some(o),
                Internal::Goto(t) => nav::goto(self, t),
            }
        }
    }

    /// After any change of the plan: derived rows once, and the autosave (written off the key path).
    pub(super) fn changed(&mut self, what: &str) {
        self.modified = self.ws.plan != self.files.baseline;
        self.refresh();
        self.autosave();
        if !what.is_empty() {
            self.info(what);
        }
    }

    /// Recomputes the rows the views show from the workspace (once per change, never per frame). The list of
    /// every exception, costly on a large estate, is made again only when its view is shown.
    pub fn refresh(&mut self) {
        self.findings.refresh(&self.ws);
        self.stages.refresh(&self.ws);
        if self.view == View::Waivers {
            self.waivers.refresh(&self.ws);
        } else {
            self.waivers.stale = true;
        }
        self.overview.refresh(&self.ws, self.stages.gates.len());
    }

    /// Whether the working plan differs from the one opened or last saved.
    pub fn dirty(&self) -> bool {
        self.modified
    }

    /// The autosave writer, if the planner has a slot.
    pub(super) fn autosaver(&self) -> Option<&Writer> {
        self.autosaver.as_ref()
    }

    /// Waits until the working plan handed to the autosave is written; shows and returns why it failed, if it
    /// did.
    pub fn flush_autosave(&mut self) -> Option<String> {
        let w = self.autosaver.as_ref()?;
        w.flush();
        let (_, failure) = w.state();
        self.show_autosave_failure(failure.clone());
        failure
    }

    /// Shows an autosave that failed since the last check; true while a write is still under way.
    pub fn check_autosave(&mut self) -> bool {
        let Some(w) = &self.autosaver else {
            return false;
        };
        let (pending, failure) = w.state();
        self.show_autosave_failure(failure);
        pending
    }

    fn show_autosave_failure(&mut self, failure: Option<String>) {
        if let Some(e) = failure {
            self.error(format!(
                "autosave failed: {e}; save with s to keep your changes"
            ));
            self.redraw = true;
        }
    }

    /// Shows a message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Shows an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }
}

/// `1 entry`, `2 entries`.
pub fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}
