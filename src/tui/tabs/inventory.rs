//! Inventory browser: domains -> hosts / users / groups as a tree, with search, showing every fact the rules
//! use for the selected item.

use std::collections::HashSet;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};

use crate::inventory::{AclId, DomainId, Inventory, Principal};
use crate::plan::Workspace;
use crate::tui::app::{App, Cursor};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::ui::{
    ListPane, click_list_detail, fact, inner_rows, pane, render_list, render_text, word,
};

/// Which list of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Hosts.
    Hosts,
    /// Users.
    Users,
    /// Groups.
    Groups,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Hosts, Kind::Users, Kind::Groups];
    fn title(self) -> &'static str {
        match self {
            Kind::Hosts => "Hosts",
            Kind::Users => "Users",
            Kind::Groups => "Groups",
        }
    }
}

/// A domain of the tree; `None` holds the hosts joined to no AD domain.
pub type DomainKey = Option<DomainId>;

/// One row of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A domain.
    Domain(DomainKey),
    /// A list of a domain.
    List(DomainKey, Kind),
    /// An item.
    Item(Kind, u32),
}

/// State of the inventory browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryState {
    /// Selection.
    pub cursor: Cursor,
    /// 0: tree, 1: facts.
    pub pane: usize,
    /// Scroll of the facts pane.
    pub detail_scroll: u16,
    /// Search text.
    pub filter: String,
    /// The search line takes the keys.
    pub typing: bool,
    /// Expanded domains.
    pub open_domains: HashSet<DomainKey>,
    /// Expanded lists.
    pub open_lists: HashSet<(DomainKey, Kind)>,
    /// Members per domain key (index `domains.len()` is "no domain"), computed once.
    members: Vec<[Vec<u32>; 3]>,
    /// The rows (recomputed on expand, collapse and search).
    pub rows: Vec<Row>,
}

/// Tree and facts.
pub fn panes(body: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body)
}

impl InventoryState {
    /// The browser over an inventory, with the first domain open.
    pub fn new(inv: &Inventory) -> InventoryState {
        let n = inv.domains.len();
        let mut members: Vec<[Vec<u32>; 3]> = vec![Default::default(); n + 1];
        for (i, h) in inv.hosts.iter().enumerate() {
            members[h.domain.map_or(n, |d| d as usize)][0].push(i as u32);
        }
        for (i, u) in inv.users.iter().enumerate() {
            members[u.domain as usize][1].push(i as u32);
        }
        for (i, g) in inv.groups.iter().enumerate() {
            members[g.domain as usize][2].push(i as u32);
        }
        let mut st = InventoryState {
            members,
            ..Default::default()
        };
        if n > 0 {
            st.open_domains.insert(Some(0));
        }
        st.refresh(inv);
        st
    }

    fn key_index(&self, d: DomainKey) -> usize {
        d.map_or(self.members.len().saturating_sub(1), |d| d as usize)
    }

    fn list(&self, d: DomainKey, k: Kind) -> &[u32] {
        let i = self.key_index(d);
        self.members.get(i).map_or(&[], |m| {
            &m[match k {
                Kind::Hosts => 0,
                Kind::Users => 1,
                Kind::Groups => 2,
            }]
        })
    }

    /// Recomputes the rows: the tree, or the matches of the search.
    pub fn refresh(&mut self, inv: &Inventory) {
        self.rows.clear();
        let needle = self.filter.to_lowercase();
        if !needle.is_empty() {
            let hit = |s: &str| s.to_lowercase().contains(&needle);
            self.rows.extend(
                inv.hosts
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| hit(&h.name))
                    .map(|(i, _)| Row::Item(Kind::Hosts, i as u32)),
            );
            self.rows.extend(
                (0..inv.users.len() as u32)
                    .filter(|u| hit(&inv.user_label(*u)))
                    .map(|u| Row::Item(Kind::Users, u)),
            );
            self.rows.extend(
                (0..inv.groups.len() as u32)
                    .filter(|g| hit(&inv.group_label(*g)))
                    .map(|g| Row::Item(Kind::Groups, g)),
            );
        } else {
            let mut keys: Vec<DomainKey> = (0..inv.domains.len() as u32).map(Some).collect();
            if !self.list(None, Kind::Hosts).is_empty() {
                keys.push(None);
            }
            for d in keys {
                self.rows.push(Row::Domain(d));
                if !self.open_domains.contains(&d) {
                    continue;
                }
                for k in Kind::ALL {
                    if self.list(d, k).is_empty() {
                        continue;
                    }
                    self.rows.push(Row::List(d, k));
                    if self.open_lists.contains(&(d, k)) {
                        let items: Vec<Row> =
                            self.list(d, k).iter().map(|i| Row::Item(k, *i)).collect();
                        self.rows.extend(items);
                    }
                }
            }
        }
        self.cursor.fit(self.rows.len(), usize::MAX);
    }

    /// Runs an action of the view.
    pub fn on_action(&mut self, action: Action, inv: &Inventory, page: usize) {
        let len = self.rows.len();
        if self.cursor.navigate_list_detail(
            &mut self.pane,
            &mut self.detail_scroll,
            action,
            len,
            page,
        ) {
            return;
        }
        let row = self.rows.get(self.cursor.selected).copied();
        match action {
            Action::Filter => self.typing = true,
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.refresh(inv);
            }
            Action::Back if self.pane == 1 => self.pane = 0,
            Action::Right | Action::Enter => match row {
                Some(Row::Domain(d)) => {
                    self.open_domains.insert(d);
                    self.refresh(inv);
                }
                Some(Row::List(d, k)) => {
                    self.open_lists.insert((d, k));
                    self.refresh(inv);
                }
                Some(Row::Item(..)) => self.pane = 1,
                None => {}
            },
            Action::Left | Action::Back => self.collapse(row, inv),
            _ => {}
        }
    }

    /// Shows one host, user or group: the search is cleared, its domain and list opened, and it is selected.
    pub fn reveal(&mut self, inv: &Inventory, kind: Kind, id: u32) {
        let domain = match kind {
            Kind::Hosts => inv.hosts.get(id as usize).map(|h| h.domain),
            Kind::Users => inv.users.get(id as usize).map(|u| Some(u.domain)),
            Kind::Groups => inv.groups.get(id as usize).map(|g| Some(g.domain)),
        };
        let Some(domain) = domain else {
            return;
        };
        self.filter.clear();
        self.typing = false;
        self.open_domains.insert(domain);
        self.open_lists.insert((domain, kind));
        self.refresh(inv);
        if let Some(i) = self.rows.iter().position(|r| *r == Row::Item(kind, id)) {
            self.cursor.selected = i;
        }
        self.pane = 0;
        self.detail_scroll = 0;
    }

    /// Collapses the node of the row, or the node the row belongs to (and selects it).
    fn collapse(&mut self, row: Option<Row>, inv: &Inventory) {
        if self.pane == 1 {
            self.pane = 0;
            return;
        }
        let parent = match row {
            Some(Row::Domain(d)) => {
                self.open_domains.remove(&d);
                Some(Row::Domain(d))
            }
            Some(Row::List(d, k)) => {
                if !self.open_lists.remove(&(d, k)) {
                    self.open_domains.remove(&d);
                    Some(Row::Domain(d))
                } else {
                    Some(Row::List(d, k))
                }
            }
            Some(Row::Item(..)) => {
                // The nearest list above the item.
                self.rows[..self.cursor.selected]
                    .iter()
                    .rev()
                    .find(|r| matches!(r, Row::List(..)))
                    .copied()
                    .inspect(|r| {
                        if let Row::List(d, k) = r {
                            self.open_lists.remove(&(*d, *k));
                        }
                    })
            }
            None => None,
        };
        self.refresh(inv);
        if let Some(p) = parent
            && let Some(i) = self.rows.iter().position(|r| *r == p)
        {
            self.cursor.selected = i;
        }
    }

    /// Keeps the selection visible.
    pub fn fit(&mut self, body: Rect) {
        let rows = inner_rows(panes(body)[0]).saturating_sub(1);
        self.cursor.fit(self.rows.len(), rows);
    }

    /// A mouse click.
    pub fn click(&mut self, body: Rect, at: Position) {
        click_list_detail(
            panes(body),
            at,
            self.rows.len(),
            &mut self.cursor,
            &mut self.pane,
            &mut self.detail_scroll,
        );
    }

    fn count(&self, d: DomainKey) -> usize {
        Kind::ALL.iter().map(|k| self.list(d, *k).len()).sum()
    }
}

fn domain_name(inv: &Inventory, d: DomainKey) -> String {
    match d {
        Some(d) => inv.domains[d as usize].dns.clone(),
        None => "(no AD domain)".into(),
    }
}

fn item_name(inv: &Inventory, k: Kind, i: u32) -> String {
    match k {
        Kind::Hosts => inv.hosts[i as usize].name.clone(),
        Kind::Users => inv.user_label(i),
        Kind::Groups => inv.group_label(i),
    }
}

/// Draws the view.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.config.theme;
    let inv = &app.ws.inventory;
    let st = &app.inventory;
    let [tree_area, facts_area] = panes(area);
    let header = if st.typing {
        format!("Search: /{}▏", st.filter)
    } else if st.filter.is_empty() {
        "Search: / (Enter opens, h closes)".to_string()
    } else {
        format!(
            "Search: /{}  ({} matches, Esc clears)",
            st.filter,
            st.rows.len()
        )
    };
    render_list(
        tree_area,
        buf,
        theme,
        ListPane {
            block: pane(" Inventory ", st.pane == 0, theme),
            header: Some(Line::styled(header, theme.dim)),
            cursor: st.cursor,
            len: st.rows.len(),
            focused: st.pane == 0,
        },
        |i| match st.rows[i] {
            Row::Domain(d) => {
                let open = if st.open_domains.contains(&d) {
                    "▾"
                } else {
                    "▸"
                };
                Line::from(vec![
                    Span::raw(format!("{open} ")),
                    Span::styled(domain_name(inv, d), theme.heading),
                    Span::styled(format!(" ({})", st.count(d)), theme.dim),
                ])
            }
            Row::List(d, k) => {
                let open = if st.open_lists.contains(&(d, k)) {
                    "▾"
                } else {
                    "▸"
                };
                Line::from(vec![
                    Span::raw(format!("  {open} {} ", k.title())),
                    Span::styled(format!("({})", st.list(d, k).len()), theme.dim),
                ])
            }
            Row::Item(k, id) => {
                let indent = if st.filter.is_empty() { "      " } else { "" };
                let kind = if st.filter.is_empty() {
                    String::new()
                } else {
                    format!("{:<6} ", &k.title()[..k.title().len() - 1].to_lowercase())
                };
                Line::raw(format!("{indent}{kind}{}", item_name(inv, k, id)))
            }
        },
    );
    let lines = match st.rows.get(st.cursor.selected) {
        Some(Row::Domain(Some(d))) => domain_facts(inv, *d, theme),
        Some(Row::Domain(None)) => vec![Line::raw(
            "Hosts joined to Microsoft Entra ID only, or to no domain.",
        )],
        Some(Row::List(d, k)) => vec![Line::raw(format!(
            "{} {} in {}",
            st.list(*d, *k).len(),
            k.title().to_lowercase(),
            domain_name(inv, *d)
        ))],
        Some(Row::Item(Kind::Hosts, h)) => {
            let mut lines = host_facts(inv, *h, theme);
            lines.insert(1, fact("Stage", host_stage(&app.ws, *h), theme));
            lines
        }
        Some(Row::Item(Kind::Users, u)) => {
            let mut lines = user_facts(inv, *u, theme);
            lines.insert(1, fact("Stage", user_stage(&app.ws, *u), theme));
            lines
        }
        Some(Row::Item(Kind::Groups, g)) => group_facts(inv, *g, theme),
        None => vec![Line::raw("Nothing matches.")],
    };
    render_text(
        facts_area,
        buf,
        pane(" Facts the rules use ", st.pane == 1, theme),
        lines,
        st.detail_scroll,
    );
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn list_or_none(v: Vec<String>) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// A local group's known members; when the inventory does not give the group, say that the rest is unknown.
fn local_group_labels(inv: &Inventory, acl: AclId, given: bool) -> String {
    let known = acl_labels(inv, acl);
    if given {
        known
    } else {
        format!("{known} (others not given)")
    }
}

fn acl_labels(inv: &Inventory, acl: AclId) -> String {
    let list = inv.acls.get(acl as usize).map_or(&[][..], Vec::as_slice);
    let mut names: Vec<String> = list
        .iter()
        .take(20)
        .map(|p| match p {
            Principal::User(u) => inv.user_label(*u),
            Principal::Group(g) => inv.group_label(*g),
        })
        .collect();
    if list.len() > 20 {
        names.push(format!("… {} more", list.len() - 20));
    }
    list_or_none(names)
}

fn domain_facts(inv: &Inventory, d: DomainId, theme: &Theme) -> Vec<Line<'static>> {
    let dom = &inv.domains[d as usize];
    vec![
        fact("Domain", dom.dns.clone(), theme),
        fact("NetBIOS", dom.netbios.clone(), theme),
        fact("Functional level", word(&dom.functional_level), theme),
        fact(
            "Forest root",
            inv.domains[dom.forest as usize].dns.clone(),
            theme,
        ),
        fact(
            "Domain controllers",
            list_or_none(dom.dc_os.iter().map(word).collect()),
            theme,
        ),
        fact(
            "PDC emulator",
            dom.pdc_emulator_os.map_or("not given".into(), |o| word(&o)),
            theme,
        ),
    ]
}

fn paths_using(inv: &Inventory, pred: impl Fn(&crate::inventory::AccessPath) -> bool) -> String {
    let names: Vec<String> = inv
        .paths
        .iter()
        .filter(|p| pred(p))
        .map(|p| p.name.clone())
        .collect();
    let n = names.len();
    let mut shown: Vec<String> = names.into_iter().take(10).collect();
    if n > 10 {
        shown.push(format!("… {} more", n - 10));
    }
    list_or_none(shown)
}

/// `3. enable-targets`: a stage by its number and name.
fn stage_name(ws: &Workspace, s: Option<u32>) -> Option<String> {
    let s = s? as usize;
    ws.plan
        .stages
        .get(s)
        .map(|st| format!("{}. {}", s + 1, st.name))
}

/// The stage in which a host changes, as a target and as a client (the earliest stage that names it wins).
fn host_stage(ws: &Workspace, h: u32) -> String {
    let m = ws.membership();
    let roles: Vec<String> = [("as a target", &m.host), ("as a client", &m.client)]
        .into_iter()
        .filter_map(|(role, of)| {
            stage_name(ws, of.get(h as usize).copied().flatten()).map(|s| format!("{s} ({role})"))
        })
        .collect();
    if roles.is_empty() {
        "not staged".into()
    } else {
        roles.join("; ")
    }
}

/// The stage that enrolls a user.
fn user_stage(ws: &Workspace, u: u32) -> String {
    stage_name(ws, ws.membership().user.get(u as usize).copied().flatten())
        .unwrap_or_else(|| "not staged".into())
}

fn host_facts(inv: &Inventory, h: u32, theme: &Theme) -> Vec<Line<'static>> {
    let host = &inv.hosts[h as usize];
    let os = format!(
        "{} build {}{}",
        word(&host.os.family),
        host.os.build,
        if host.os.kb2871997 { ", KB2871997" } else { "" }
    );
    vec![
        fact("Host", host.name.clone(), theme),
        fact(
            "Domain",
            host.domain
                .map_or("none".into(), |d| inv.domains[d as usize].dns.clone()),
            theme,
        ),
        fact("Join", word(&host.join), theme),
        fact("Operating system", os, theme),
        fact(
            "Roles",
            list_or_none(host.roles.iter().map(word).collect()),
            theme,
        ),
        fact("Tags", list_or_none(host.tags.to_vec()), theme),
        fact(
            "Groups",
            list_or_none(host.groups.iter().map(|g| inv.group_label(*g)).collect()),
            theme,
        ),
        fact("Remote Desktop client", word(&host.rdp_client), theme),
        fact("DC line of sight", yes(host.dc_line_of_sight), theme),
        fact("LAPS", yes(host.laps), theme),
        fact("RDS VDI", yes(host.rds_vdi), theme),
        fact("Device claims", yes(host.device_claims), theme),
        fact("Offline sign-in", yes(host.offline_signin), theme),
        fact("Azure VM", yes(host.azure_vm), theme),
        fact(
            "DisableRestrictedAdmin",
            host.disable_restricted_admin
                .map_or("not set".into(), |v| v.to_string()),
            theme,
        ),
        fact(
            "AllowProtectedCreds",
            yes(host.allow_protected_creds),
            theme,
        ),
        fact("Client policy", word(&host.client_policy), theme),
        fact(
            "Administrators",
            local_group_labels(inv, host.administrators, host.administrators_given),
            theme,
        ),
        fact(
            "Remote Desktop Users",
            local_group_labels(
                inv,
                host.remote_desktop_users,
                host.remote_desktop_users_given,
            ),
            theme,
        ),
        fact(
            "Client of paths",
            paths_using(inv, |p| p.from.binary_search(&h).is_ok()),
            theme,
        ),
        fact(
            "Target of paths",
            paths_using(inv, |p| p.to.binary_search(&h).is_ok()),
            theme,
        ),
        fact(
            "Hop of paths",
            paths_using(inv, |p| p.hops.binary_search(&h).is_ok()),
            theme,
        ),
    ]
}

fn user_facts(inv: &Inventory, u: u32, theme: &Theme) -> Vec<Line<'static>> {
    let user = &inv.users[u as usize];
    vec![
        fact("User", inv.user_label(u), theme),
        fact("Kind", word(&user.kind), theme),
        fact(
            "Roles",
            list_or_none(user.roles.iter().map(word).collect()),
            theme,
        ),
        fact(
            "Groups",
            list_or_none(user.groups.iter().map(|g| inv.group_label(*g)).collect()),
            theme,
        ),
        fact("Protected Users", yes(user.protected_users), theme),
        fact(
            "Kerberos keys",
            list_or_none(user.etypes.iter().map(word).collect()),
            theme,
        ),
        fact("Delegation", word(&user.delegation), theme),
        fact(
            "Sensitive, cannot be delegated",
            yes(user.not_delegated),
            theme,
        ),
        fact(
            "Paths",
            paths_using(inv, |p| p.who.binary_search(&u).is_ok()),
            theme,
        ),
    ]
}

fn group_facts(inv: &Inventory, g: u32, theme: &Theme) -> Vec<Line<'static>> {
    let group = &inv.groups[g as usize];
    vec![
        fact("Group", inv.group_label(g), theme),
        fact(
            "Member of",
            list_or_none(
                group
                    .member_of
                    .iter()
                    .map(|p| inv.group_label(*p))
                    .collect(),
            ),
            theme,
        ),
        fact(
            "Roles",
            list_or_none(group.roles.iter().map(word).collect()),
            theme,
        ),
        fact("Protected Users", yes(group.protected_users), theme),
    ]
}

/// Text of a row (for tests and search).
pub fn row_text(inv: &Inventory, row: Row) -> String {
    match row {
        Row::Domain(d) => domain_name(inv, d),
        Row::List(_, k) => k.title().to_string(),
        Row::Item(k, i) => item_name(inv, k, i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(name: &str) -> String {
        let inv = crate::inventory::load_sample().expect("the sample loads");
        let h = inv.host_named(name).expect("host");
        host_facts(&inv, h, &Theme::monochrome())
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn local_groups_not_given_say_so() {
        // OT-GW-01 gives neither list; SRV-REPORT-01 gives both (Remote Desktop Users empty).
        let unknown = facts_of("OT-GW-01");
        assert!(unknown.contains("(others not given)"), "{unknown}");
        let given = facts_of("SRV-REPORT-01");
        assert!(!given.contains("(others not given)"), "{given}");
    }
}
