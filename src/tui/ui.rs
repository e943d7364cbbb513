//! Drawing: `impl Widget for &App`, the frame (title, tabs, status), overlays and the shared list helper.
//! Nothing here changes state.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::app::{App, Cursor, View};
use super::keymap::{Action, Context};
use super::theme::Theme;
use super::{findings, graph, inventory, overview, paths, stages, waivers};
use crate::finding::Verdict;

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
/// Smallest usable terminal.
pub const MIN_HEIGHT: u16 = 14;

/// The fixed parts of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLayout {
    /// Title line.
    pub header: Rect,
    /// View tabs.
    pub tabs: Rect,
    /// The view.
    pub body: Rect,
    /// Status and key hints.
    pub footer: Rect,
}

/// Splits the screen (pure: used for drawing and for mouse hits).
pub fn frame_layout(area: Rect) -> FrameLayout {
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    FrameLayout {
        header,
        tabs,
        body,
        footer,
    }
}

/// A tab's label: the view's title, or its short title when the full ones do not fit in `width` columns.
fn tab_label(i: usize, v: View, width: u16) -> String {
    let full: usize = View::ALL
        .iter()
        .enumerate()
        .map(|(i, v)| format!(" {} {} ", i + 1, v.title()).chars().count() + 1)
        .sum::<usize>()
        - 1;
    let title = if full <= width as usize {
        v.title()
    } else {
        v.short_title()
    };
    format!(" {} {title} ", i + 1)
}

/// The view whose tab is at column `x`.
pub fn tab_at(tabs: Rect, x: u16) -> Option<View> {
    let mut left = tabs.x;
    for (i, v) in View::ALL.into_iter().enumerate() {
        let w = tab_label(i, v, tabs.width).chars().count() as u16;
        if x >= left && x < left + w {
            return Some(v);
        }
        left += w + 1;
    }
    None
}

/// Rows of the focused list of a view that fit on screen (for page up / page down).
pub fn list_height(view: View, body: Rect) -> usize {
    let pane = match view {
        View::Overview => body,
        View::Graph => graph::panes(body)[0],
        View::Paths => paths::panes(body)[0],
        View::Stages => stages::panes(body)[1],
        View::Findings => findings::panes(body)[0],
        View::Inventory => inventory::panes(body)[0],
        View::Waivers => waivers::panes(body)[0],
    };
    inner_rows(pane)
}

/// Rows inside a bordered pane.
pub fn inner_rows(pane: Rect) -> usize {
    pane.height.saturating_sub(2) as usize
}

/// The row of a bordered pane at screen line `y`, if inside.
pub fn row_at(pane: Rect, y: u16, header_rows: u16) -> Option<usize> {
    let top = pane.y + 1 + header_rows;
    (y >= top && y < pane.y + pane.height.saturating_sub(1)).then(|| (y - top) as usize)
}

/// A click on a list-and-detail view: focuses the pane under the mouse and selects the clicked list row (below
/// a one-line header), scrolling the detail back to its top.
pub fn click_list_detail(
    [list, detail]: [Rect; 2],
    at: ratatui::layout::Position,
    rows: usize,
    cursor: &mut Cursor,
    pane: &mut usize,
    detail_scroll: &mut u16,
) {
    if list.contains(at) {
        *pane = 0;
        if let Some(r) = row_at(list, at.y, 1) {
            cursor.click(r, rows);
            *detail_scroll = 0;
        }
    } else if detail.contains(at) {
        *pane = 1;
    }
}

/// A bordered block, highlighted when focused.
pub fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(title)
}

/// A list pane: its frame, an optional column header, the selection and the number of rows.
pub struct ListPane<'a> {
    /// The frame.
    pub block: Block<'a>,
    /// A header line above the rows.
    pub header: Option<Line<'a>>,
    /// Selection and scroll.
    pub cursor: Cursor,
    /// Number of rows.
    pub len: usize,
    /// The pane has the focus.
    pub focused: bool,
}

/// Draws only the visible rows of a list inside a bordered pane; `row` builds one row's line.
pub fn render_list<'a>(
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    list: ListPane<'a>,
    row: impl Fn(usize) -> Line<'a>,
) {
    let ListPane {
        block,
        header,
        cursor,
        len,
        focused,
    } = list;
    let inner = block.inner(area);
    block.render(area, buf);
    let mut y = inner.y;
    if let Some(h) = header {
        if inner.height == 0 {
            return;
        }
        buf.set_line(inner.x, y, &h, inner.width);
        y += 1;
    }
    let height = (inner.y + inner.height).saturating_sub(y) as usize;
    if len == 0 {
        if height > 0 {
            buf.set_line(inner.x, y, &Line::styled("(none)", theme.dim), inner.width);
        }
        return;
    }
    let end = (cursor.offset + height).min(len);
    for i in cursor.offset..end {
        let line = row(i);
        let rect = Rect::new(inner.x, y, inner.width, 1);
        if i == cursor.selected {
            let style = if focused {
                theme.selected
            } else {
                theme
                    .selected
                    .remove_modifier(ratatui::style::Modifier::BOLD)
            };
            buf.set_style(rect, style);
            buf.set_line(inner.x, y, &selected_line(line, style), inner.width);
        } else {
            buf.set_line(inner.x, y, &line, inner.width);
        }
        y += 1;
    }
    if len > height && height > 0 {
        // A position marker instead of a scrollbar: readable without colour.
        let text = format!(" {}/{} ", cursor.selected + 1, len);
        let x = area.x + area.width.saturating_sub(text.len() as u16 + 1);
        buf.set_string(x, area.y + area.height - 1, text, theme.dim);
    }
}

/// A row drawn selected: text whose colour is the selection's background takes the selection's foreground
/// (grey secondary text on the grey selection bar would vanish); other colours keep their meaning.
pub fn selected_line(mut line: Line<'_>, style: Style) -> Line<'_> {
    let fallback = style.fg.unwrap_or(Color::Reset);
    let readable = |s: &mut Style| {
        if style.bg.is_some() && s.fg == style.bg {
            s.fg = Some(fallback);
        }
    };
    readable(&mut line.style);
    for span in &mut line.spans {
        readable(&mut span.style);
    }
    line.patch_style(style)
}

/// The symbol of a verdict: with `NO_COLOR` the symbol and word carry the meaning.
pub fn verdict_symbol(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "✓",
        Verdict::Info => "i",
        Verdict::Warn => "!",
        Verdict::Action => "+",
        Verdict::Block => "✗",
    }
}

/// `✗ block`, styled.
pub fn verdict_span(v: Verdict, theme: &Theme) -> Span<'static> {
    Span::styled(
        format!("{} {}", verdict_symbol(v), v.as_str()),
        theme.verdict(v),
    )
}

/// A `key description` hint.
fn hint<'a>(keys: String, desc: &'a str, theme: &Theme) -> Vec<Span<'a>> {
    if keys.is_empty() {
        return Vec::new();
    }
    vec![
        Span::styled(keys, theme.key),
        Span::raw(format!(" {desc}  ")),
    ]
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = &self.config.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "The terminal is {}x{}; the planner needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window (q quits).",
                area.width, area.height
            );
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let frame = frame_layout(area);
        self.render_header(frame.header, buf);
        self.render_tabs(frame.tabs, buf);
        match self.view {
            View::Overview => overview::render(self, frame.body, buf),
            View::Graph => graph::render(self, frame.body, buf),
            View::Paths => paths::render(self, frame.body, buf),
            View::Stages => stages::render(self, frame.body, buf),
            View::Findings => findings::render(self, frame.body, buf),
            View::Inventory => inventory::render(self, frame.body, buf),
            View::Waivers => waivers::render(self, frame.body, buf),
        }
        self.render_footer(frame.footer, buf);
        if let Some(o) = &self.overlay {
            super::popups::render(self, o, frame.body, buf);
        }
        let _ = theme;
    }
}

impl App {
    fn render_header(&self, area: Rect, buf: &mut Buffer) {
        let theme = &self.config.theme;
        buf.set_style(area, theme.header);
        let plan = match &self.files.plan {
            Some(p) => p.display().to_string(),
            None => "(not saved yet)".into(),
        };
        let dirty = if self.dirty() { " [modified]" } else { "" };
        let stale = if self.stale.is_some() {
            format!(
                " [stale: {} lists the inventory changes]",
                self.config
                    .keymap
                    .keys_for(Context::Global, Action::Changes)
            )
        } else {
            String::new()
        };
        // The marks before the file names, which can be long: they must never be cut off.
        let text = format!(
            " guardplan{dirty}{stale}  inventory: {}  plan: {plan}",
            self.ws.inventory.source.name
        );
        buf.set_string(area.x, area.y, text, theme.header);
    }

    fn render_tabs(&self, area: Rect, buf: &mut Buffer) {
        let theme = &self.config.theme;
        let mut spans = Vec::new();
        for (i, v) in View::ALL.into_iter().enumerate() {
            let style = if v == self.view {
                theme.tab_active
            } else {
                theme.tab
            };
            let label = if v == self.view {
                let l = tab_label(i, v, area.width);
                format!("[{}]", &l[1..l.len() - 1])
            } else {
                tab_label(i, v, area.width)
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
        }
        buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    }

    fn render_footer(&self, area: Rect, buf: &mut Buffer) {
        let theme = &self.config.theme;
        // Work under way: what it does, how far, Esc to cancel; its message comes when it ends.
        if let Some(line) = self.progress_line() {
            buf.set_string(area.x, area.y, format!(" ⧗ {line}"), theme.status);
            return;
        }
        if let Some(s) = &self.status {
            let style = if s.error { theme.error } else { theme.status };
            buf.set_string(area.x, area.y, format!(" {}", s.text), style);
            return;
        }
        let km = &self.config.keymap;
        let mut spans = vec![Span::raw(" ")];
        // One key is enough to find the help; the help lists the others (F1).
        let help = km.keys_for(Context::Global, Action::Help);
        spans.extend(hint(
            help.split('/').next().unwrap_or_default().to_string(),
            "help",
            theme,
        ));
        // A view without keys of its own (the overview) takes the lists' keys.
        let ctx = self.view.context().unwrap_or(Context::List);
        for (action, label) in view_hints(self.view) {
            spans.extend(hint(km.keys_for(ctx, *action), label, theme));
        }
        spans.extend(hint(
            km.keys_for(Context::Global, Action::Save),
            "save",
            theme,
        ));
        spans.extend(hint(
            km.keys_for(Context::Global, Action::Undo),
            "undo",
            theme,
        ));
        spans.extend(hint(
            km.keys_for(Context::Global, Action::Quit),
            "quit",
            theme,
        ));
        buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    }
}

/// The view's most used keys, shown in the footer.
fn view_hints(view: View) -> &'static [(Action, &'static str)] {
    match view {
        View::Overview => &[(Action::NextPane, "pane"), (Action::Enter, "open")],
        View::Graph => &[],
        View::Paths => &[
            (Action::CycleMode, "mode"),
            (Action::PathFindings, "findings"),
            (Action::ToggleEnforcement, "enforce"),
            (Action::StageLater, "stage"),
        ],
        View::Stages => &[
            (Action::AddStage, "add"),
            (Action::StageLater, "move"),
            (Action::RemoveStage, "remove"),
        ],
        View::Findings => &[
            (Action::Filter, "filter"),
            (Action::CycleSeverity, "severity"),
            (Action::Waive, "waive"),
        ],
        View::Inventory => &[(Action::Filter, "search")],
        View::Waivers => &[
            (Action::Enter, "edit/open"),
            (Action::Unwaive, "remove"),
            (Action::StageLater, "stage"),
        ],
    }
}

/// A `label: value` line.
pub fn fact<'a>(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label}: "), theme.heading),
        Span::raw(value.into()),
    ])
}

/// Draws wrapped lines in a bordered pane, scrolled (never past the end), with the rows shown and their number
/// on the bottom border when they do not all fit: what is below the fold is never silently cut off.
pub fn render_text(
    area: Rect,
    buf: &mut Buffer,
    block: Block<'_>,
    lines: Vec<Line<'_>>,
    scroll: u16,
) {
    render_text_window(area, buf, block, lines, scroll, 0, 0);
}

/// The rows `lines` take when wrapped at `width`.
pub fn text_rows(lines: &[Line<'_>], width: u16) -> usize {
    let half = (width as usize / 2).max(1);
    let bound: usize = lines.iter().map(|l| l.width() / half + 1).sum();
    wrapped_rows(
        &Paragraph::new(lines.to_vec()).wrap(Wrap { trim: false }),
        width,
        bound,
    )
}

/// [`render_text`] of a long text of which only the part the scroll shows is built: `lines` come after
/// `skipped` rows and before `after` rows that are not (counted for the position marker only).
pub fn render_text_window(
    area: Rect,
    buf: &mut Buffer,
    block: Block<'_>,
    lines: Vec<Line<'_>>,
    scroll: u16,
    skipped: usize,
    after: usize,
) {
    let inner = block.inner(area);
    // Word wrapping never takes more than twice the rows of cutting at the width: the measure's bound.
    let half = (inner.width as usize / 2).max(1);
    let bound: usize = lines.iter().map(|l| l.width() / half + 1).sum();
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = skipped + wrapped_rows(&paragraph, inner.width, bound) + after;
    let visible = inner.height as usize;
    let scroll = (scroll as usize).min(total.saturating_sub(visible));
    block.render(area, buf);
    paragraph
        .scroll((
            scroll.saturating_sub(skipped).min(u16::MAX as usize) as u16,
            0,
        ))
        .render(inner, buf);
    if total > visible && visible > 0 && area.height > 0 {
        let text = format!(
            " {}-{}/{} ",
            scroll + 1,
            (scroll + visible).min(total),
            total
        );
        let x = area.x + area.width.saturating_sub(text.len() as u16 + 1);
        buf.set_string(x, area.y + area.height - 1, text, Style::new());
    }
}

/// The rows a wrapped paragraph takes at a width, at most `bound`: drawn once off screen and measured.
fn wrapped_rows(paragraph: &Paragraph<'_>, width: u16, bound: usize) -> usize {
    let rows = bound.min(4000) as u16;
    if width == 0 || rows == 0 {
        return 0;
    }
    let scratch_area = Rect::new(0, 0, width, rows);
    let mut scratch = Buffer::empty(scratch_area);
    paragraph.clone().render(scratch_area, &mut scratch);
    (0..rows)
        .rev()
        .find(|y| (0..width).any(|x| scratch[(x, *y)].symbol() != " "))
        .map_or(0, |y| y as usize + 1)
}

/// A style only when `cond` holds.
pub fn style_if(cond: bool, style: Style) -> Style {
    if cond { style } else { Style::new() }
}

/// The name of an inventory value as written in the file (`server-2022`, `two-way`).
pub fn word(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}
