//! The trust graph (petgraph) and Kerberos reachability between domains, the estate graph of hosts, accounts and
//! access paths, and the trust graph drawn as Graphviz dot or Mermaid.
//!
//! An edge `a -> b` means "`a` trusts `b`": accounts of `b` may authenticate to resources in `a`.
//! A user of domain U can reach a target in domain T when T trusts U:
//! - the same domain, or two domains of one forest (every domain of a forest trusts the others, transitively);
//! - a direct trust T -> U of any type (external and realm trusts are not transitive: only this single hop);
//! - a transitive forest trust from T's forest root to U's forest root (only between those two forests: forest
//!   trusts do not chain to a third forest).
//!
//! Forests come from the loader: a domain's `forest` key, and parent-child and tree-root trusts (which are two-way
//! and transitive) join domains into one forest.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use std::fmt::Write as _;

use crate::inventory::load::trust_kind_name;
use crate::inventory::{
    DomainId, GroupId, HostId, Inventory, PathId, TrustDirection, TrustId, TrustKind, UserId,
};

/// How a user's domain reaches a target's domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Domains from the target's to the user's.
    pub domains: Vec<DomainId>,
    /// Trusts used, in order.
    pub trusts: Vec<TrustId>,
    /// Some trust of the route has selective authentication.
    pub selective_auth: bool,
}

/// Domains and trusts as a directed graph, with all routes precomputed.
#[derive(Debug, Clone)]
pub struct TrustGraph {
    /// Node weight: domain; edge weight: trust. Node `i` is domain `i`.
    pub graph: DiGraph<DomainId, TrustId>,
    routes: Vec<Option<Route>>,
    n: usize,
}

impl TrustGraph {
    /// Builds the graph and every route between domains.
    pub fn new(inv: &Inventory) -> Self {
        let n = inv.domains.len();
        let mut graph = DiGraph::with_capacity(n, inv.trusts.len() * 2);
        for d in 0..n {
            graph.add_node(d as DomainId);
        }
        for (i, t) in inv.trusts.iter().enumerate() {
            let (a, b) = (
                NodeIndex::new(t.trusting as usize),
                NodeIndex::new(t.trusted as usize),
            );
            graph.add_edge(a, b, i as TrustId);
            if t.direction == TrustDirection::TwoWay {
                graph.add_edge(b, a, i as TrustId);
            }
        }
        let mut tg = TrustGraph {
            graph,
            routes: Vec::with_capacity(n * n),
            n,
        };
        for target in 0..n {
            for user in 0..n {
                let r = tg.compute(inv, target as DomainId, user as DomainId);
                tg.routes.push(r);
            }
        }
        tg
    }

    /// The route by which accounts of `user_domain` authenticate to `target_domain`, if any.
    pub fn route(&self, user_domain: DomainId, target_domain: DomainId) -> Option<&Route> {
        self.routes
            .get(target_domain as usize * self.n + user_domain as usize)
            .and_then(Option::as_ref)
    }

    /// Trusts where `a` trusts `b` directly.
    fn direct(&self, a: DomainId, b: DomainId) -> impl Iterator<Item = TrustId> + '_ {
        self.graph
            .edges_connecting(NodeIndex::new(a as usize), NodeIndex::new(b as usize))
            .map(|e| *e.weight())
    }

    fn route_of(inv: &Inventory, domains: Vec<DomainId>, trusts: Vec<TrustId>) -> Route {
        let selective_auth = trusts
            .iter()
            .any(|t| inv.trusts[*t as usize].selective_auth);
        Route {
            domains,
            trusts,
            selective_auth,
        }
    }

    fn compute(&self, inv: &Inventory, t: DomainId, u: DomainId) -> Option<Route> {
        if t == u {
            return Some(Self::route_of(inv, vec![t], vec![]));
        }
        let (ft, fu) = (
            inv.domains[t as usize].forest,
            inv.domains[u as usize].forest,
        );
        if ft == fu {
            // Within a forest every domain trusts every other; show the explicit trusts where they exist.
            let path = self.intra_forest_path(inv, t, u, ft);
            return Some(match path {
                Some((ds, ts)) => Self::route_of(inv, ds, ts),
                None => Self::route_of(inv, vec![t, u], vec![]),
            });
        }
        if let Some(tr) = self.direct(t, u).next() {
            return Some(Self::route_of(inv, vec![t, u], vec![tr]));
        }
        let forest = self.direct(ft, fu).find(|tr| {
            let trust = &inv.trusts[*tr as usize];
            trust.kind == TrustKind::Forest && trust.transitive
        })?;
        let mut ds = vec![t];
        let mut ts = Vec::new();
        if ft != t {
            if let Some((d, tr)) = self.intra_forest_path(inv, t, ft, ft) {
                ds = d;
                ts = tr;
            } else {
                ds.push(ft);
            }
        }
        ts.push(forest);
        if fu != u {
            match self.intra_forest_path(inv, fu, u, fu) {
                Some((d, tr)) => {
                    ds.extend(d);
                    ts.extend(tr);
                }
                None => ds.extend([fu, u]),
            }
        } else {
            ds.push(fu);
        }
        ds.dedup();
        Some(Self::route_of(inv, ds, ts))
    }

    /// Shortest chain of transitive trusts inside one forest from `a` to `b` (breadth-first).
    fn intra_forest_path(
        &self,
        inv: &Inventory,
        a: DomainId,
        b: DomainId,
        forest: DomainId,
    ) -> Option<(Vec<DomainId>, Vec<TrustId>)> {
        let mut prev: Vec<Option<(DomainId, TrustId)>> = vec![None; self.n];
        let mut seen = vec![false; self.n];
        let mut queue = std::collections::VecDeque::from([a]);
        seen[a as usize] = true;
        while let Some(d) = queue.pop_front() {
            if d == b {
                let mut ds = vec![b];
                let mut ts = Vec::new();
                let mut cur = b;
                while let Some((p, t)) = prev[cur as usize] {
                    ds.push(p);
                    ts.push(t);
                    cur = p;
                }
                ds.reverse();
                ts.reverse();
                return Some((ds, ts));
            }
            for e in self.graph.edges(NodeIndex::new(d as usize)) {
                let next = e.target().index() as DomainId;
                let trust = &inv.trusts[*e.weight() as usize];
                if seen[next as usize]
                    || !trust.transitive
                    || inv.domains[next as usize].forest != forest
                {
                    continue;
                }
                seen[next as usize] = true;
                prev[next as usize] = Some((d, *e.weight()));
                queue.push_back(next);
            }
        }
        None
    }
}

/// A node of the estate graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// An AD domain.
    Domain(DomainId),
    /// A computer.
    Host(HostId),
    /// A user account.
    User(UserId),
    /// A security group.
    Group(GroupId),
    /// An access path.
    Path(PathId),
}

/// An edge of the estate graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Link {
    /// Domain -> domain: the source trusts the target (accounts of the target authenticate to the source).
    Trusts(TrustId),
    /// Host, user or group -> its domain.
    InDomain,
    /// User, host or group -> a group it belongs to (directly or through nesting).
    MemberOf,
    /// Path -> a user who connects.
    Who,
    /// Path -> a client device.
    From,
    /// Path -> a target.
    To,
    /// Path -> a host reached onward from the target.
    Hop,
}

/// Domains, hosts, accounts and access paths in one petgraph. Node indices are laid out by kind (domains, hosts,
/// users, groups, paths, each in inventory order) so that looking a node up costs nothing.
#[derive(Debug, Clone)]
pub struct EstateGraph {
    /// The graph.
    pub graph: DiGraph<Node, Link>,
    hosts: usize,
    users: usize,
    groups: usize,
    paths: usize,
}

impl EstateGraph {
    /// Builds the graph (linear in the size of the inventory and its expanded selectors).
    pub fn new(inv: &Inventory) -> Self {
        let (nd, nh, nu, ng, np) = (
            inv.domains.len(),
            inv.hosts.len(),
            inv.users.len(),
            inv.groups.len(),
            inv.paths.len(),
        );
        let mut g = EstateGraph {
            graph: DiGraph::with_capacity(nd + nh + nu + ng + np, 0),
            hosts: nd,
            users: nd + nh,
            groups: nd + nh + nu,
            paths: nd + nh + nu + ng,
        };
        let ids = |n: usize| 0..n as u32;
        let nodes = ids(nd)
            .map(Node::Domain)
            .chain(ids(nh).map(Node::Host))
            .chain(ids(nu).map(Node::User))
            .chain(ids(ng).map(Node::Group))
            .chain(ids(np).map(Node::Path));
        for node in nodes {
            g.graph.add_node(node);
        }
        for (i, t) in inv.trusts.iter().enumerate() {
            let (a, b) = (
                g.index(Node::Domain(t.trusting)),
                g.index(Node::Domain(t.trusted)),
            );
            g.graph.add_edge(a, b, Link::Trusts(i as TrustId));
            if t.direction == TrustDirection::TwoWay {
                g.graph.add_edge(b, a, Link::Trusts(i as TrustId));
            }
        }
        for (i, h) in inv.hosts.iter().enumerate() {
            let me = g.index(Node::Host(i as HostId));
            if let Some(d) = h.domain {
                g.graph
                    .add_edge(me, g.index(Node::Domain(d)), Link::InDomain);
            }
            for grp in h.groups.iter() {
                g.graph
                    .add_edge(me, g.index(Node::Group(*grp)), Link::MemberOf);
            }
        }
        for (i, u) in inv.users.iter().enumerate() {
            let me = g.index(Node::User(i as UserId));
            g.graph
                .add_edge(me, g.index(Node::Domain(u.domain)), Link::InDomain);
            for grp in u.groups.iter() {
                g.graph
                    .add_edge(me, g.index(Node::Group(*grp)), Link::MemberOf);
            }
        }
        for (i, grp) in inv.groups.iter().enumerate() {
            let me = g.index(Node::Group(i as GroupId));
            g.graph
                .add_edge(me, g.index(Node::Domain(grp.domain)), Link::InDomain);
            for parent in &grp.member_of {
                g.graph
                    .add_edge(me, g.index(Node::Group(*parent)), Link::MemberOf);
            }
        }
        for (i, p) in inv.paths.iter().enumerate() {
            let me = g.index(Node::Path(i as PathId));
            let lists: [(&[u32], Link); 4] = [
                (&p.who, Link::Who),
                (&p.from, Link::From),
                (&p.to, Link::To),
                (&p.hops, Link::Hop),
            ];
            for (list, link) in lists {
                for id in list {
                    let node = if link == Link::Who {
                        Node::User(*id)
                    } else {
                        Node::Host(*id)
                    };
                    g.graph.add_edge(me, g.index(node), link);
                }
            }
        }
        g
    }

    /// The petgraph index of a node.
    pub fn index(&self, node: Node) -> NodeIndex {
        NodeIndex::new(match node {
            Node::Domain(i) => i as usize,
            Node::Host(i) => self.hosts + i as usize,
            Node::User(i) => self.users + i as usize,
            Node::Group(i) => self.groups + i as usize,
            Node::Path(i) => self.paths + i as usize,
        })
    }

    /// The nodes an edge of the given kind leads to from `node`, sorted.
    pub fn neighbors(&self, node: Node, link: Link) -> Vec<Node> {
        let mut out: Vec<Node> = self
            .graph
            .edges(self.index(node))
            .filter(|e| *e.weight() == link)
            .map(|e| self.graph[e.target()])
            .collect();
        out.sort_unstable();
        out
    }

    /// Number of nodes (domains, hosts, users, groups and paths).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }
}

/// Domains grouped by forest (forests by root DNS name, domains by DNS name), and trusts sorted by domain names.
fn drawing_order(inv: &Inventory) -> (Vec<(DomainId, Vec<DomainId>)>, Vec<TrustId>) {
    let dns = |d: DomainId| inv.domains[d as usize].dns.to_lowercase();
    let mut forests: Vec<(DomainId, Vec<DomainId>)> = Vec::new();
    let mut domains: Vec<DomainId> = (0..inv.domains.len() as DomainId).collect();
    domains.sort_by_key(|d| dns(*d));
    for d in domains {
        let root = inv.domains[d as usize].forest;
        match forests.iter_mut().find(|(r, _)| *r == root) {
            Some((_, list)) => list.push(d),
            None => forests.push((root, vec![d])),
        }
    }
    forests.sort_by_key(|(root, _)| dns(*root));
    let mut trusts: Vec<TrustId> = (0..inv.trusts.len() as TrustId).collect();
    trusts.sort_by_key(|t| {
        let t = &inv.trusts[*t as usize];
        (dns(t.trusting), dns(t.trusted))
    });
    (forests, trusts)
}

/// The label of a trust edge: type, direction, transitivity, selective authentication.
fn trust_label(inv: &Inventory, t: TrustId) -> String {
    let t = &inv.trusts[t as usize];
    let mut label = format!(
        "{}, {}",
        trust_kind_name(t.kind),
        match t.direction {
            TrustDirection::OneWay => "one-way",
            TrustDirection::TwoWay => "two-way",
        }
    );
    label.push_str(if t.transitive {
        ", transitive"
    } else {
        ", non-transitive"
    });
    if t.selective_auth {
        label.push_str(", selective auth");
    }
    label
}

/// A dot string of one or more lines (joined by dot's `\\n` escape).
fn quoted(lines: &[&str]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        for c in line.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
    }
    out.push('"');
    out
}

/// The trust graph as Graphviz dot: one cluster per forest; an arrow from the trusting to the trusted domain
/// (accounts of the trusted domain authenticate to the trusting one); two-way trusts have arrows at both ends.
pub fn to_dot(inv: &Inventory) -> String {
    let (forests, trusts) = drawing_order(inv);
    let mut out = String::from(
        "digraph trusts {\n  rankdir=LR;\n  node [shape=box];\n  // an arrow points from the trusting domain (resources) to the trusted domain (accounts)\n",
    );
    for (i, (root, domains)) in forests.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{");
        let _ = writeln!(
            out,
            "    label={};",
            quoted(&[&format!("forest {}", inv.domains[*root as usize].dns)])
        );
        for d in domains {
            let dom = &inv.domains[*d as usize];
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quoted(&[&dom.dns]),
                quoted(&[&dom.dns, &dom.netbios])
            );
        }
        out.push_str("  }\n");
    }
    for t in trusts {
        let tr = &inv.trusts[t as usize];
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{}{}];",
            quoted(&[&inv.domains[tr.trusting as usize].dns]),
            quoted(&[&inv.domains[tr.trusted as usize].dns]),
            quoted(&[&trust_label(inv, t)]),
            if tr.direction == TrustDirection::TwoWay {
                ", dir=both"
            } else {
                ""
            },
            if tr.selective_auth {
                ", style=dashed"
            } else {
                ""
            }
        );
    }
    out.push_str("}\n");
    out
}

/// The trust graph as a Mermaid flowchart (same conventions as [`to_dot`]).
pub fn to_mermaid(inv: &Inventory) -> String {
    let (forests, trusts) = drawing_order(inv);
    let mut node_id = vec![0usize; inv.domains.len()];
    let mut next = 0;
    for (_, domains) in &forests {
        for d in domains {
            node_id[*d as usize] = next;
            next += 1;
        }
    }
    let text = |s: &str| {
        s.replace(['"', '`', '<', '>'], "")
            .replace(char::is_control, " ")
    };
    let mut out = String::from(
        "flowchart LR\n  %% an arrow points from the trusting domain (resources) to the trusted domain (accounts)\n",
    );
    for (i, (root, domains)) in forests.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph f{i}[\"forest {}\"]",
            text(&inv.domains[*root as usize].dns)
        );
        for d in domains {
            let dom = &inv.domains[*d as usize];
            let _ = writeln!(
                out,
                "    d{}[\"{}<br/>{}\"]",
                node_id[*d as usize],
                text(&dom.dns),
                text(&dom.netbios)
            );
        }
        out.push_str("  end\n");
    }
    for t in trusts {
        let tr = &inv.trusts[t as usize];
        let arrow = match (tr.direction, tr.selective_auth) {
            (TrustDirection::OneWay, false) => "-->",
            (TrustDirection::TwoWay, false) => "<-->",
            (TrustDirection::OneWay, true) => "-.->",
            (TrustDirection::TwoWay, true) => "<-.->",
        };
        let _ = writeln!(
            out,
            "  d{} {arrow}|\"{}\"| d{}",
            node_id[tr.trusting as usize],
            trust_label(inv, t),
            node_id[tr.trusted as usize]
        );
    }
    out
}
