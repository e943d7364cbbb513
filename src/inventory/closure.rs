//! Group nesting in time and memory linear in groups plus nesting edges: the nesting graph is condensed into its
//! strongly connected components (cycles are legal in Active Directory, and every group of a cycle has the same
//! closure), whose graph is acyclic. Flags and roles inherited through nesting are computed once per component;
//! the groups a member belongs to transitively are collected by one walk of the components it reaches.

use petgraph::Graph;
use petgraph::algo::kosaraju_scc;

use super::model::{Group, GroupId, UserRole};

/// The condensed nesting of an inventory's groups.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// The component of each group.
    comp: Vec<u32>,
    /// The groups of each component, sorted.
    members: Vec<Vec<GroupId>>,
    /// The components each component's groups are directly nested in (other than itself).
    parents: Vec<Vec<u32>>,
    /// Walk marks: a component is visited in the current walk when its mark equals `walk`.
    mark: Vec<u32>,
    walk: u32,
}

impl Nesting {
    /// Condenses the nesting given by each group's direct `member_of`.
    pub(crate) fn new(groups: &[Group]) -> Self {
        let mut graph: Graph<(), (), petgraph::Directed, u32> =
            Graph::with_capacity(groups.len(), 0);
        let nodes: Vec<_> = groups.iter().map(|_| graph.add_node(())).collect();
        for (g, group) in groups.iter().enumerate() {
            for p in &group.member_of {
                graph.add_edge(nodes[g], nodes[*p as usize], ());
            }
        }
        // Kosaraju's algorithm here is iterative (no recursion on a chain of 100,000 groups) and returns the
        // components in reverse topological order: a group's parents come in earlier components.
        let sccs = kosaraju_scc(&graph);
        let mut comp = vec![0u32; groups.len()];
        let mut members = Vec::with_capacity(sccs.len());
        for (c, scc) in sccs.iter().enumerate() {
            let mut m: Vec<GroupId> = scc.iter().map(|n| n.index() as GroupId).collect();
            m.sort_unstable();
            for g in &m {
                comp[*g as usize] = c as u32;
            }
            members.push(m);
        }
        let parents = members
            .iter()
            .enumerate()
            .map(|(c, m)| {
                let mut ps: Vec<u32> = m
                    .iter()
                    .flat_map(|g| groups[*g as usize].member_of.iter())
                    .map(|p| comp[*p as usize])
                    .filter(|p| *p as usize != c)
                    .collect();
                ps.sort_unstable();
                ps.dedup();
                ps
            })
            .collect();
        Nesting {
            mark: vec![0; members.len()],
            comp,
            members,
            parents,
            walk: 0,
        }
    }

    /// Gives every group the Protected Users flag and roles of every group it is nested in, transitively.
    pub(crate) fn inherit(&self, groups: &mut [Group]) {
        let mut pu = vec![false; self.members.len()];
        let mut roles: Vec<Vec<UserRole>> = vec![Vec::new(); self.members.len()];
        // Parents come first, so their inherited values are complete when a component reads them.
        for (c, m) in self.members.iter().enumerate() {
            let mut p = m.iter().any(|g| groups[*g as usize].protected_users);
            let mut r: Vec<UserRole> = m
                .iter()
                .flat_map(|g| groups[*g as usize].roles.iter().copied())
                .collect();
            for parent in &self.parents[c] {
                p |= pu[*parent as usize];
                r.extend(roles[*parent as usize].iter().copied());
            }
            r.sort_unstable();
            r.dedup();
            pu[c] = p;
            roles[c] = r;
        }
        for (g, group) in groups.iter_mut().enumerate() {
            let c = self.comp[g] as usize;
            group.protected_users = pu[c];
            group.roles.clone_from(&roles[c]);
        }
    }

    /// Every group in `direct` and every group they are nested in, transitively; sorted, without repeats.
    pub(crate) fn expand(&mut self, direct: &[GroupId]) -> Vec<GroupId> {
        if direct.is_empty() {
            return Vec::new();
        }
        self.walk = self.walk.wrapping_add(1);
        if self.walk == 0 {
            self.mark.fill(0);
            self.walk = 1;
        }
        let mut out = Vec::new();
        let mut stack: Vec<u32> = direct.iter().map(|g| self.comp[*g as usize]).collect();
        while let Some(c) = stack.pop() {
            if self.mark[c as usize] == self.walk {
                continue;
            }
            self.mark[c as usize] = self.walk;
            out.extend_from_slice(&self.members[c as usize]);
            stack.extend(
                self.parents[c as usize]
                    .iter()
                    .filter(|p| self.mark[**p as usize] != self.walk),
            );
        }
        out.sort_unstable();
        out
    }
}
