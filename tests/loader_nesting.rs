//! Group nesting: deep chains and large cycles load, and every member gets every group it is nested in.

use std::fmt::Write as _;

use guardplan::inventory::{Inventory, UserRole, load_str};
use proptest::prelude::*;

/// An inventory of groups `g0..gN` where `gI` is nested in the groups `parents(I)`; the group `protected` is
/// in Protected Users and gives the admin role; user `u-I` is a direct member of `gI` for each I in `users`.
fn nested(
    n: usize,
    parents: impl Fn(usize) -> Vec<usize>,
    protected: usize,
    users: &[usize],
) -> String {
    let mut s = String::from(
        "version = 1\n[[domain]]\ndns = \"corp.contoso.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "[[group]]\nname = \"g{i}\"\ndomain = \"corp.contoso.com\"\n"
        );
        let ps = parents(i);
        if !ps.is_empty() {
            let list: Vec<String> = ps.iter().map(|p| format!("\"g{p}\"")).collect();
            let _ = writeln!(s, "member_of = [{}]", list.join(", "));
        }
        if i == protected {
            s.push_str("protected_users = true\nroles = [\"admin\"]\n");
        }
    }
    for u in users {
        let _ = write!(
            s,
            "[[user]]\nname = \"u-{u}\"\ndomain = \"corp.contoso.com\"\nmember_of = [\"g{u}\"]\n"
        );
    }
    s
}

fn group_names(inv: &Inventory, user: &str) -> Vec<String> {
    let u = inv.users.iter().find(|u| u.name == user).expect("user");
    let mut names: Vec<String> = u
        .groups
        .iter()
        .map(|g| inv.groups[*g as usize].name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn a_chain_of_100000_groups_loads_with_every_ancestor() {
    let n = 100_000;
    // g0 in g1 in g2 ... in g99999; the top group is protected.
    let text = nested(
        n,
        |i| if i + 1 < n { vec![i + 1] } else { vec![] },
        n - 1,
        &[0, 99_990],
    );
    let inv = load_str("chain.toml", &text).expect("a deep chain is legal");
    assert_eq!(inv.groups.len(), n);
    let bottom = inv.users.iter().find(|u| u.name == "u-0").expect("u-0");
    assert_eq!(bottom.groups.len(), n, "u-0 is in every group of the chain");
    assert!(bottom.protected_users, "protected through 99,999 levels");
    assert!(bottom.roles.contains(&UserRole::Admin));
    assert_eq!(
        group_names(&inv, "u-99990"),
        (99_990..n)
            .map(|i| format!("g{i}"))
            .collect::<Vec<_>>()
            .tap_sort()
    );
    assert!(inv.groups.iter().all(|g| g.protected_users));
}

#[test]
fn a_cycle_of_10000_groups_closes() {
    let n = 10_000;
    // g0 in g1 ... in g9999 in g0, and g10000 outside the cycle, nested in g0 (so in all of them).
    let text = nested(
        n + 1,
        |i| match i {
            i if i == n => vec![0],
            i => vec![(i + 1) % n],
        },
        4_321,
        &[5, n],
    );
    let inv = load_str("cycle.toml", &text).expect("a nesting cycle is legal in AD");
    let in_cycle = group_names(&inv, "u-5");
    assert_eq!(
        in_cycle.len(),
        n,
        "every group of the cycle, not the one outside"
    );
    assert!(!in_cycle.contains(&format!("g{n}")));
    assert_eq!(group_names(&inv, &format!("u-{n}")).len(), n + 1);
    assert!(inv.users.iter().all(|u| u.protected_users));
    assert!(inv.groups.iter().all(|g| g.roles == vec![UserRole::Admin]));
}

trait TapSort {
    fn tap_sort(self) -> Self;
}
impl TapSort for Vec<String> {
    fn tap_sort(mut self) -> Self {
        self.sort();
        self
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// On any nesting (cycles, self-nesting and repeats included) a member's groups are exactly those reachable
    /// from its direct groups, and Protected Users is inherited exactly along nesting.
    #[test]
    fn nesting_matches_reachability(
        edges in proptest::collection::vec((0usize..12, 0usize..12), 0..30),
        protected in 0usize..12,
    ) {
        let n = 12;
        let parents = |i: usize| {
            let mut ps: Vec<usize> = edges.iter().filter(|e| e.0 == i).map(|e| e.1).collect();
            ps.sort_unstable();
            ps.dedup();
            ps
        };
        let users: Vec<usize> = (0..n).collect();
        let inv = load_str("random.toml", &nested(n, parents, protected, &users)).expect("loads");
        for start in 0..n {
            let mut seen = vec![start];
            let mut stack = vec![start];
            while let Some(g) = stack.pop() {
                for p in parents(g) {
                    if !seen.contains(&p) {
                        seen.push(p);
                        stack.push(p);
                    }
                }
            }
            let want: Vec<String> = seen.iter().map(|g| format!("g{g}")).collect::<Vec<_>>().tap_sort();
            let user = format!("u-{start}");
            prop_assert_eq!(group_names(&inv, &user), want);
            let u = inv.users.iter().find(|u| u.name == user).expect("user");
            prop_assert_eq!(u.protected_users, seen.contains(&protected));
        }
    }
}
