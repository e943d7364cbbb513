//! The trust graph (petgraph) and Kerberos reachability between domains.
//!
//! An edge `a -> b` means "`a` trusts `b`": accounts of `b` may authenticate to resources in `a`.
//! A user of domain U can reach a target in domain T when T trusts U:
//! - the same domain, or two domains of one forest (every domain of a forest trusts the others, transitively);
//! - a direct trust T -> U of any type (external and realm trusts are not transitive: only this single hop);
//! - a transitive forest trust from T's forest root to U's forest root (only between those two forests: forest
//!   trusts do not chain to a third forest).

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::inventory::{DomainId, Inventory, TrustDirection, TrustId, TrustKind};

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
