//! Kerberos reachability between domains, for every trust type and direction.
//!
//! Each row: the trusts of an estate, then `(user's domain, target's domain, reachable?)`.

use guardplan::graph::{EstateGraph, Link, Node, TrustGraph};
use guardplan::inventory::{Inventory, load_str};

/// Two forests of two domains each (a.com with child.a.com, b.com with child.b.com), a third forest c.com,
/// a lone domain d.com, and a Kerberos realm r.example.
const DOMAINS: &str = r#"
version = 1
[[domain]]
dns = "a.com"
netbios = "A"
functional_level = "2016"
[[domain]]
dns = "child.a.com"
netbios = "CHILDA"
functional_level = "2016"
forest = "a.com"
[[domain]]
dns = "b.com"
netbios = "B"
functional_level = "2016"
[[domain]]
dns = "child.b.com"
netbios = "CHILDB"
functional_level = "2016"
forest = "b.com"
[[domain]]
dns = "c.com"
netbios = "C"
functional_level = "2016"
[[domain]]
dns = "d.com"
netbios = "D"
functional_level = "2016"
[[domain]]
dns = "r.example"
netbios = "REALM"
functional_level = "2016"
"#;

fn trust(trusting: &str, trusted: &str, direction: &str, kind: &str, extra: &str) -> String {
    format!(
        "[[trust]]\ntrusting = \"{trusting}\"\ntrusted = \"{trusted}\"\ndirection = \"{direction}\"\ntype = \"{kind}\"\n{extra}\n"
    )
}

fn estate(trusts: &[String]) -> Inventory {
    let text = format!("{DOMAINS}{}", trusts.concat());
    load_str("estate.toml", &text).unwrap_or_else(|d| panic!("{d}\n{text}"))
}

fn id(inv: &Inventory, dns: &str) -> u32 {
    inv.index.domains[dns]
}

fn check(trusts: &[String], table: &[(&str, &str, bool)]) {
    let inv = estate(trusts);
    let graph = TrustGraph::new(&inv);
    for (user, target, want) in table {
        let got = graph.route(id(&inv, user), id(&inv, target)).is_some();
        assert_eq!(
            got, *want,
            "users of {user} -> targets in {target} with {trusts:?}"
        );
    }
}

#[test]
fn without_trusts_only_the_forest_reaches() {
    check(
        &[],
        &[
            ("a.com", "a.com", true),
            ("child.a.com", "a.com", true),
            ("a.com", "child.a.com", true),
            ("a.com", "b.com", false),
            ("b.com", "a.com", false),
        ],
    );
}

#[test]
fn forest_one_way_is_transitive_between_the_two_forests_in_one_direction() {
    // a.com trusts b.com: accounts of forest b reach resources of forest a.
    check(
        &[trust("a.com", "b.com", "one-way", "forest", "")],
        &[
            ("b.com", "a.com", true),
            ("child.b.com", "a.com", true),
            ("b.com", "child.a.com", true),
            ("child.b.com", "child.a.com", true),
            ("a.com", "b.com", false),
            ("child.a.com", "child.b.com", false),
        ],
    );
}

#[test]
fn forest_two_way_reaches_both_ways() {
    check(
        &[trust("a.com", "b.com", "two-way", "forest", "")],
        &[
            ("child.b.com", "child.a.com", true),
            ("child.a.com", "child.b.com", true),
            ("a.com", "b.com", true),
        ],
    );
}

#[test]
fn forest_trusts_do_not_chain_to_a_third_forest() {
    // a trusts b and b trusts c: accounts of c reach b, not a.
    check(
        &[
            trust("a.com", "b.com", "two-way", "forest", ""),
            trust("b.com", "c.com", "two-way", "forest", ""),
        ],
        &[
            ("c.com", "b.com", true),
            ("c.com", "child.b.com", true),
            ("c.com", "a.com", false),
            ("c.com", "child.a.com", false),
            ("a.com", "c.com", false),
        ],
    );
}

#[test]
fn a_forest_trust_marked_non_transitive_joins_only_the_roots() {
    check(
        &[trust(
            "a.com",
            "b.com",
            "one-way",
            "forest",
            "transitive = false",
        )],
        &[
            ("b.com", "a.com", true),
            ("child.b.com", "a.com", false),
            ("b.com", "child.a.com", false),
        ],
    );
}

#[test]
fn external_one_way_reaches_only_the_trusted_domain_in_one_direction() {
    check(
        &[trust("child.a.com", "b.com", "one-way", "external", "")],
        &[
            ("b.com", "child.a.com", true),
            ("child.b.com", "child.a.com", false),
            ("b.com", "a.com", false),
            ("child.a.com", "b.com", false),
        ],
    );
}

#[test]
fn external_two_way_is_still_not_transitive() {
    check(
        &[
            trust("a.com", "b.com", "two-way", "external", ""),
            trust("b.com", "c.com", "two-way", "external", ""),
        ],
        &[
            ("b.com", "a.com", true),
            ("a.com", "b.com", true),
            ("c.com", "b.com", true),
            ("c.com", "a.com", false),
            ("a.com", "c.com", false),
            ("child.b.com", "a.com", false),
        ],
    );
}

#[test]
fn realm_one_way_reaches_only_in_its_direction() {
    check(
        &[trust("a.com", "r.example", "one-way", "realm", "")],
        &[
            ("r.example", "a.com", true),
            ("r.example", "child.a.com", false),
            ("a.com", "r.example", false),
        ],
    );
}

#[test]
fn realm_two_way_reaches_both_ways() {
    check(
        &[trust("a.com", "r.example", "two-way", "realm", "")],
        &[("r.example", "a.com", true), ("a.com", "r.example", true)],
    );
}

#[test]
fn parent_child_and_tree_root_join_a_forest_two_way_and_transitively() {
    // No `forest` keys: the trusts alone make x.com's forest; b.com's forest trusts it.
    let text = format!(
        "{DOMAINS}
[[domain]]
dns = \"x.com\"
netbios = \"X\"
functional_level = \"2016\"
[[domain]]
dns = \"sub.x.com\"
netbios = \"SUBX\"
functional_level = \"2016\"
[[domain]]
dns = \"deep.sub.x.com\"
netbios = \"DEEPX\"
functional_level = \"2016\"
[[domain]]
dns = \"tree.com\"
netbios = \"TREE\"
functional_level = \"2016\"
{}{}{}{}",
        trust("sub.x.com", "x.com", "two-way", "parent-child", ""),
        trust("deep.sub.x.com", "sub.x.com", "two-way", "parent-child", ""),
        trust("x.com", "tree.com", "two-way", "tree-root", ""),
        trust("x.com", "b.com", "one-way", "forest", ""),
    );
    let inv = load_str("estate.toml", &text).unwrap_or_else(|d| panic!("{d}"));
    let g = TrustGraph::new(&inv);
    let reach = |u: &str, t: &str| g.route(id(&inv, u), id(&inv, t)).is_some();
    for (u, t) in [
        ("deep.sub.x.com", "x.com"),
        ("x.com", "deep.sub.x.com"),
        ("tree.com", "deep.sub.x.com"),
        ("deep.sub.x.com", "tree.com"),
        ("child.b.com", "deep.sub.x.com"),
        ("child.b.com", "tree.com"),
    ] {
        assert!(reach(u, t), "users of {u} -> targets in {t}");
    }
    assert!(!reach("tree.com", "b.com"), "the forest trust is one-way");
    let root = inv.domains[id(&inv, "x.com") as usize].forest;
    assert_eq!(inv.domains[root as usize].dns, "x.com");
    let route = g.route(id(&inv, "x.com"), id(&inv, "deep.sub.x.com"));
    assert_eq!(route.map(|r| r.trusts.len()), Some(2), "{route:?}");
}

#[test]
fn a_shortcut_trust_shortens_the_route_inside_a_forest() {
    let text = format!(
        "{DOMAINS}{}",
        trust("child.a.com", "a.com", "two-way", "parent-child", "")
    );
    let extra = "[[domain]]\ndns = \"other.a.com\"\nnetbios = \"OTHERA\"\nfunctional_level = \"2016\"\nforest = \"a.com\"\n";
    let with_shortcut = format!(
        "{text}{extra}{}{}",
        trust("other.a.com", "a.com", "two-way", "parent-child", ""),
        trust("other.a.com", "child.a.com", "one-way", "shortcut", "")
    );
    let inv = load_str("estate.toml", &with_shortcut).unwrap_or_else(|d| panic!("{d}"));
    let g = TrustGraph::new(&inv);
    let (c, o) = (id(&inv, "child.a.com"), id(&inv, "other.a.com"));
    // The shortcut is one-way: other.a.com trusts child.a.com, so child's users take it; other's go round.
    assert_eq!(g.route(c, o).map(|r| r.trusts.len()), Some(1));
    assert_eq!(g.route(o, c).map(|r| r.trusts.len()), Some(2));
}

#[test]
fn selective_authentication_is_reported_on_the_route() {
    let inv = estate(&[trust(
        "a.com",
        "b.com",
        "two-way",
        "forest",
        "selective_auth = true",
    )]);
    let g = TrustGraph::new(&inv);
    let route = g.route(id(&inv, "child.b.com"), id(&inv, "child.a.com"));
    assert_eq!(route.map(|r| r.selective_auth), Some(true));
    let inside = g.route(id(&inv, "child.a.com"), id(&inv, "a.com"));
    assert_eq!(inside.map(|r| r.selective_auth), Some(false));
}

#[test]
fn estate_graph_links_accounts_hosts_and_paths() {
    let text = format!(
        "{DOMAINS}
[[group]]
name = \"Tier1\"
domain = \"a.com\"
[[user]]
name = \"alice\"
domain = \"child.a.com\"
member_of = [\"A\\\\Tier1\"]
[[host]]
name = \"PAW1\"
domain = \"a.com\"
join = \"ad\"
os = \"windows-11\"
build = 26100
roles = [\"paw\"]
[[host]]
name = \"SRV1\"
domain = \"a.com\"
join = \"ad\"
os = \"server-2022\"
[[path]]
name = \"t1\"
purpose = \"admin\"
who = [\"group:Tier1\"]
from = [\"role:paw\"]
to = [\"host:SRV1\"]
"
    );
    let inv = load_str("estate.toml", &text).unwrap_or_else(|d| panic!("{d}"));
    let g = EstateGraph::new(&inv);
    assert_eq!(g.graph.node_count(), 7 + 1 + 1 + 2 + 1);
    assert_eq!(g.neighbors(Node::Path(0), Link::Who), vec![Node::User(0)]);
    assert_eq!(g.neighbors(Node::Path(0), Link::From), vec![Node::Host(0)]);
    assert_eq!(g.neighbors(Node::Path(0), Link::To), vec![Node::Host(1)]);
    assert_eq!(
        g.neighbors(Node::User(0), Link::MemberOf),
        vec![Node::Group(0)]
    );
    assert_eq!(
        g.neighbors(Node::User(0), Link::InDomain),
        vec![Node::Domain(id(&inv, "child.a.com"))]
    );
}
