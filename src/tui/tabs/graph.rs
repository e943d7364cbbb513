//! Trust graph: domains and trusts with direction and type; pick a user domain and a target domain to see the
//! Kerberos route between them, or why there is none.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::finding::Verdict;
use crate::inventory::{DomainId, Inventory, TrustDirection, TrustId};
use crate::plan::Workspace;
use crate::tui::app::{App, Cursor};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::ui::{
    ListPane, inner_rows, pane, render_list, render_text, row_at, verdict_span, word,
};

/// State of the trust graph view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphState {
    /// The user's domain.
    pub user: Cursor,
    /// The target's domain.
    pub target: Cursor,
    /// The trust list.
    pub trusts: Cursor,
    /// 0: user domain, 1: target domain, 2: trusts.
    pub pane: usize,
}

/// User domains, target domains, trusts, route.
pub fn panes(body: Rect) -> [Rect; 4] {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
    let [user, target] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(left);
    let [trusts, route] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
    [user, target, trusts, route]
}

impl GraphState {
    fn focused(&mut self) -> &mut Cursor {
        match self.pane {
            0 => &mut self.user,
            1 => &mut self.target,
            _ => &mut self.trusts,
        }
    }

    /// Runs an action of the view.
    pub fn on_action(&mut self, action: Action, ws: &Workspace, page: usize) {
        let len = match self.pane {
            0 | 1 => ws.inventory.domains.len(),
            _ => ws.inventory.trusts.len(),
        };
        if self.focused().navigate(action, len, page) {
            return;
        }
        match action {
            Action::NextPane | Action::Right | Action::Enter => self.pane = (self.pane + 1) % 3,
            Action::PrevPane | Action::Left => self.pane = (self.pane + 2) % 3,
            _ => {}
        }
    }

    /// Keeps the selections visible.
    pub fn fit(&mut self, ws: &Workspace, body: Rect) {
        let [u, t, tr, _] = panes(body);
        self.user.fit(ws.inventory.domains.len(), inner_rows(u));
        self.target.fit(ws.inventory.domains.len(), inner_rows(t));
        self.trusts.fit(ws.inventory.trusts.len(), inner_rows(tr));
    }

    /// A mouse click.
    pub fn click(&mut self, body: Rect, at: Position, ws: &Workspace) {
        for (i, p) in panes(body).into_iter().take(3).enumerate() {
            if p.contains(at) {
                self.pane = i;
                let len = if i < 2 {
                    ws.inventory.domains.len()
                } else {
                    ws.inventory.trusts.len()
                };
                if let Some(r) = row_at(p, at.y, 0) {
                    self.focused().click(r, len);
                }
            }
        }
    }
}

fn domain_label(inv: &Inventory, d: DomainId) -> String {
    let dom = &inv.domains[d as usize];
    format!("{} ({})", dom.dns, dom.netbios)
}

/// One trust as a line: `A ──trusts──▶ B  forest, transitive, selective authentication`.
pub fn trust_line(inv: &Inventory, t: TrustId) -> String {
    let tr = &inv.trusts[t as usize];
    let a = &inv.domains[tr.trusting as usize].netbios;
    let b = &inv.domains[tr.trusted as usize].netbios;
    let arrow = match tr.direction {
        TrustDirection::OneWay => "──trusts──▶",
        TrustDirection::TwoWay => "◀─trust──▶",
    };
    let mut attrs = vec![word(&tr.kind)];
    attrs.push(
        if tr.transitive {
            "transitive"
        } else {
            "not transitive"
        }
        .into(),
    );
    if tr.selective_auth {
        attrs.push("selective authentication".into());
    }
    format!("{a} {arrow} {b}  {}", attrs.join(", "))
}

/// The route from a user's domain to a target's domain, or the reasons there is none.
pub fn route_lines(
    ws: &Workspace,
    user: DomainId,
    target: DomainId,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let inv = &ws.inventory;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Users of ", theme.dim),
            Span::raw(domain_label(inv, user)),
        ]),
        Line::from(vec![
            Span::styled("signing in to hosts of ", theme.dim),
            Span::raw(domain_label(inv, target)),
        ]),
        Line::raw(""),
    ];
    match ws.graph.route(user, target) {
        Some(route) => {
            lines.push(Line::from(vec![
                verdict_span(Verdict::Ok, theme),
                Span::raw(" Kerberos can authenticate them"),
            ]));
            let chain: Vec<String> = route
                .domains
                .iter()
                .map(|d| inv.domains[*d as usize].netbios.clone())
                .collect();
            lines.push(Line::raw(format!("Route: {}", chain.join(" → "))));
            if route.trusts.is_empty() {
                let why = if user == target {
                    "the same domain"
                } else {
                    "one forest: every domain trusts the others"
                };
                lines.push(Line::styled(format!("  ({why})"), theme.dim));
            }
            for t in &route.trusts {
                lines.push(Line::raw(format!("  {}", trust_line(inv, *t))));
            }
            if route.selective_auth {
                lines.push(Line::from(vec![
                    verdict_span(Verdict::Warn, theme),
                    Span::raw(
                        " selective authentication: the users need \"Allowed to authenticate\" on the targets",
                    ),
                ]));
            }
        }
        None => {
            let (ft, fu) = (
                inv.domains[target as usize].forest,
                inv.domains[user as usize].forest,
            );
            lines.push(Line::from(vec![
                verdict_span(Verdict::Block, theme),
                Span::raw(" no Kerberos route: Remote Credential Guard cannot work"),
            ]));
            lines.push(Line::raw(format!(
                "  {} does not trust {} directly,",
                inv.domains[target as usize].netbios, inv.domains[user as usize].netbios
            )));
            lines.push(Line::raw(format!(
                "  and no transitive forest trust leads from forest {} to forest {}.",
                inv.domains[ft as usize].netbios, inv.domains[fu as usize].netbios
            )));
            lines.push(Line::styled(
                "  External and realm trusts are not transitive; forest trusts do not chain to a third forest.",
                theme.dim,
            ));
        }
    }
    lines
}

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let ws = &app.ws;
    let inv = &ws.inventory;
    let st = &app.graph;
    let [user_area, target_area, trusts_area, route_area] = panes(area);
    let domain_row = |i: usize| {
        let d = &inv.domains[i];
        let root = if d.forest as usize == i {
            " forest root"
        } else {
            ""
        };
        Line::from(vec![
            Span::raw(format!("{} ", d.netbios)),
            Span::styled(format!("{}{root}", d.dns), theme.dim),
        ])
    };
    for (i, (title, a, cursor)) in [
        (" User's domain ", user_area, st.user),
        (" Target's domain ", target_area, st.target),
    ]
    .into_iter()
    .enumerate()
    {
        render_list(
            a,
            buf,
            theme,
            ListPane {
                block: pane(title, st.pane == i, theme),
                header: None,
                cursor,
                len: inv.domains.len(),
                focused: st.pane == i,
            },
            domain_row,
        );
    }
    render_list(
        trusts_area,
        buf,
        theme,
        ListPane {
            block: pane(
                " Trusts (A trusts B: accounts of B sign in to A) ",
                st.pane == 2,
                theme,
            ),
            header: None,
            cursor: st.trusts,
            len: inv.trusts.len(),
            focused: st.pane == 2,
        },
        |i| Line::raw(trust_line(inv, i as TrustId)),
    );
    let lines = if inv.domains.is_empty() {
        vec![Line::raw("The inventory has no domains.")]
    } else {
        route_lines(
            ws,
            st.user.selected as DomainId,
            st.target.selected as DomainId,
            theme,
        )
    };
    render_text(
        route_area,
        buf,
        pane(" Kerberos route ", false, theme),
        lines,
        0,
    );
}
