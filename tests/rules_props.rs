//! Properties over random small estates: a recommended mode never carries a block, and findings do not depend
//! on the order of the inventory's entries.

use std::collections::BTreeSet;

use guardplan::graph::TrustGraph;
use guardplan::inventory::load_str;
use guardplan::plan::exceptions;
use guardplan::rules::{self, subject_label};
use guardplan::{Finding, Mode, Verdict};
use proptest::prelude::*;

const OS: &[(&str, Option<u32>)] = &[
    ("windows-7", None),
    ("windows-8.1", None),
    ("windows-10", Some(14393)),
    ("windows-10", Some(15063)),
    ("windows-11", Some(22631)),
    ("server-2008r2", None),
    ("server-2012r2", None),
    ("server-2016", None),
    ("server-2022", None),
];
const JOINS: &[&str] = &["ad", "hybrid", "entra", "workgroup"];
const POLICIES: &[&str] = &[
    "none",
    "require-restricted-admin",
    "require-remote-guard",
    "restrict-credential-delegation",
];
const CREDS: &[&str] = &["signed-in", "supplied", "saved"];
const ETYPES: &[&str] = &["[\"aes256\", \"rc4\"]", "[\"rc4\"]"];

#[derive(Debug, Clone)]
struct HostSpec {
    fabrikam: bool,
    join: usize,
    os: usize,
    flags: [bool; 8],
    dra: Option<u32>,
    policy: usize,
    admins: Vec<bool>,
    rdu: Vec<bool>,
}

#[derive(Debug, Clone)]
struct UserSpec {
    fabrikam: bool,
    admin: bool,
    helpdesk: bool,
    protected: bool,
    etypes: usize,
    in_ops: bool,
}

#[derive(Debug, Clone)]
struct PathSpec {
    helpdesk: bool,
    who: Vec<bool>,
    from: Vec<bool>,
    to: Vec<bool>,
    hops: Vec<bool>,
    creds: usize,
    flags: [bool; 3],
    hours: Option<u8>,
}

#[derive(Debug, Clone)]
struct Estate {
    trust: Option<(bool, bool, bool)>,
    hosts: Vec<HostSpec>,
    users: Vec<UserSpec>,
    paths: Vec<PathSpec>,
}

const H: usize = 6;
const U: usize = 4;

fn bools(n: usize) -> impl Strategy<Value = Vec<bool>> {
    prop::collection::vec(any::<bool>(), n)
}

fn host() -> impl Strategy<Value = HostSpec> {
    (
        any::<bool>(),
        0..JOINS.len(),
        0..OS.len(),
        any::<[bool; 8]>(),
        prop::option::of(0u32..2),
        0..POLICIES.len(),
        bools(U + 1),
        bools(U + 1),
    )
        .prop_map(
            |(fabrikam, join, os, flags, dra, policy, admins, rdu)| HostSpec {
                fabrikam,
                join,
                os,
                flags,
                dra,
                policy,
                admins,
                rdu,
            },
        )
}

fn user() -> impl Strategy<Value = UserSpec> {
    (any::<[bool; 5]>(), 0..ETYPES.len()).prop_map(|(b, etypes)| UserSpec {
        fabrikam: b[0],
        admin: b[1],
        helpdesk: b[2],
        protected: b[3],
        etypes,
        in_ops: b[4],
    })
}

fn path() -> impl Strategy<Value = PathSpec> {
    (
        any::<bool>(),
        bools(U),
        bools(H),
        bools(H),
        bools(H),
        0..CREDS.len(),
        any::<[bool; 3]>(),
        prop::option::of(1u8..10),
    )
        .prop_map(
            |(helpdesk, who, from, to, hops, creds, flags, hours)| PathSpec {
                helpdesk,
                who,
                from,
                to,
                hops,
                creds,
                flags,
                hours,
            },
        )
}

fn estate() -> impl Strategy<Value = Estate> {
    (
        prop::option::of(any::<(bool, bool, bool)>()),
        prop::collection::vec(host(), H),
        prop::collection::vec(user(), U),
        prop::collection::vec(path(), 1..4),
    )
        .prop_map(|(trust, hosts, users, paths)| Estate {
            trust,
            hosts,
            users,
            paths,
        })
}

/// At least one selected index (the first when none is).
fn pick(sel: &[bool], prefix: &str, kind: &str) -> String {
    let mut names: Vec<String> = sel
        .iter()
        .enumerate()
        .filter(|(_, b)| **b)
        .map(|(i, _)| format!("\"{kind}:{prefix}{i}\""))
        .collect();
    if names.is_empty() {
        names.push(format!("\"{kind}:{prefix}0\""));
    }
    format!("[{}]", names.join(", "))
}

fn dom(fab: bool) -> &'static str {
    if fab {
        "fabrikam.com"
    } else {
        "corp.contoso.com"
    }
}

/// The estate as TOML, with hosts, users and paths written in the order of the given permutations.
fn render(e: &Estate, host_order: &[usize], user_order: &[usize], path_order: &[usize]) -> String {
    let mut s = String::from(
        "version = 1\n[[domain]]\ndns = \"corp.contoso.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n\
         [[domain]]\ndns = \"fabrikam.com\"\nnetbios = \"FAB\"\nfunctional_level = \"2012\"\ndc_os = [\"server-2012\"]\n\
         [[group]]\nname = \"Ops\"\ndomain = \"corp.contoso.com\"\nroles = [\"admin\"]\n",
    );
    if let Some((fab_trusts_corp, two_way, selective)) = e.trust {
        let (a, b) = if fab_trusts_corp {
            ("fabrikam.com", "corp.contoso.com")
        } else {
            ("corp.contoso.com", "fabrikam.com")
        };
        let dir = if two_way { "two-way" } else { "one-way" };
        s += &format!(
            "[[trust]]\ntrusting = \"{a}\"\ntrusted = \"{b}\"\ndirection = \"{dir}\"\ntype = \"forest\"\nselective_auth = {selective}\n"
        );
    }
    for &i in user_order {
        let u = &e.users[i];
        let mut roles = Vec::new();
        if u.admin {
            roles.push("\"admin\"");
        }
        if u.helpdesk {
            roles.push("\"helpdesk\"");
        }
        s += &format!(
            "[[user]]\nname = \"u{i}\"\ndomain = \"{}\"\nroles = [{}]\nprotected_users = {}\netypes = {}\n",
            dom(u.fabrikam),
            roles.join(", "),
            u.protected,
            ETYPES[u.etypes]
        );
        if u.in_ops && !u.fabrikam {
            s += "member_of = [\"Ops\"]\n";
        }
    }
    let principals = |sel: &[bool]| -> String {
        let mut v: Vec<String> = sel[..U]
            .iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(|(i, _)| format!("\"u{i}\""))
            .collect();
        if sel[U] {
            v.push("\"CORP\\\\Ops\"".into());
        }
        format!("[{}]", v.join(", "))
    };
    for &i in host_order {
        let h = &e.hosts[i];
        let join = JOINS[h.join];
        let (os, build) = OS[h.os];
        s += &format!("[[host]]\nname = \"H{i}\"\njoin = \"{join}\"\nos = \"{os}\"\n");
        if matches!(join, "ad" | "hybrid") {
            s += &format!("domain = \"{}\"\n", dom(h.fabrikam));
        }
        if let Some(b) = build {
            s += &format!("build = {b}\n");
        }
        let f = h.flags;
        s += &format!(
            "kb2871997 = {}\nrdp_client = \"{}\"\ndc_line_of_sight = {}\nlaps = {}\nrds_vdi = {}\ndevice_claims = {}\noffline_signin = {}\nallow_protected_creds = {}\n",
            f[0],
            if f[1] { "uwp" } else { "mstsc" },
            !f[2],
            f[3],
            f[4],
            f[5],
            f[6],
            f[7]
        );
        if let Some(v) = h.dra {
            s += &format!("disable_restricted_admin = {v}\n");
        }
        s += &format!(
            "client_policy = \"{}\"\nadministrators = {}\nremote_desktop_users = {}\n",
            POLICIES[h.policy],
            principals(&h.admins),
            principals(&h.rdu)
        );
    }
    for &i in path_order {
        let p = &e.paths[i];
        s += &format!(
            "[[path]]\nname = \"p{i}\"\npurpose = \"{}\"\nwho = {}\nfrom = {}\nto = {}\ncredentials = \"{}\"\nnetwork_as_user = {}\ncredssp_sso = {}\n",
            if p.helpdesk { "helpdesk" } else { "admin" },
            pick(&p.who, "u", "user"),
            pick(&p.from, "H", "host"),
            pick(&p.to, "H", "host"),
            CREDS[p.creds],
            p.flags[0],
            p.flags[1],
        );
        if p.flags[2] && p.hops.iter().any(|b| *b) {
            s += &format!("hops = {}\n", pick(&p.hops, "H", "host"));
        }
        if let Some(h) = p.hours {
            s += &format!("session_hours = {h}\n");
        }
    }
    s
}

/// Everything a reviewer sees, by name instead of index.
fn judged(text: &str) -> Result<BTreeSet<String>, TestCaseError> {
    let inv = load_str("prop.toml", text).map_err(|d| {
        TestCaseError::fail(format!("generated inventory does not load: {d}\n{text}"))
    })?;
    let graph = TrustGraph::new(&inv);
    let ev = rules::evaluate(&inv, &graph);
    let mut out = BTreeSet::new();
    let by_name = |f: &Finding| {
        let mut subjects: Vec<String> =
            f.subjects.iter().map(|s| subject_label(&inv, *s)).collect();
        subjects.sort();
        let path = f.path.map(|p| inv.paths[p as usize].name.clone());
        format!(
            "{} {:?} {:?} {:?} {}",
            f.code, path, f.mode, subjects, f.message
        )
    };
    for f in &ev.findings {
        out.insert(by_name(f));
    }
    for (i, p) in ev.paths.iter().enumerate() {
        let verdicts: Vec<Verdict> = p.modes.iter().map(|m| m.verdict.0).collect();
        out.insert(format!(
            "{} {:?} {:?} {:?}",
            inv.paths[i].name, p.recommended, verdicts, p.rationale
        ));
    }
    let choices = ev.recommended_choices();
    for f in rules::evaluate_choices(&inv, &choices) {
        out.insert(format!("choice {}", by_name(&f)));
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_recommended_mode_blocks_no_pair_outside_its_proposed_exception(e in estate()) {
        let order = |n: usize| (0..n).collect::<Vec<_>>();
        let text = render(&e, &order(H), &order(U), &order(e.paths.len()));
        let inv = load_str("prop.toml", &text)
            .map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
        let ev = rules::evaluate(&inv, &TrustGraph::new(&inv));
        for (i, p) in ev.paths.iter().enumerate() {
            let pid = i as u32;
            let pp = &ev.pairs[i];
            match p.recommended {
                Some(m) => {
                    // The mode serves pairs (or, on a path without pairs, nothing blocks it) ...
                    if pp.pairs == 0 {
                        prop_assert_ne!(p.modes[m.index()].verdict.0, Verdict::Block, "path {}", i);
                    } else {
                        prop_assert!(pp.blocked[m.index()] < pp.pairs, "path {} {}", i, m);
                    }
                    // ... and what it blocks falls to the exception the plan would carry (all of it, but for
                    // refusals so tangled that neither their users nor their targets can be left out).
                    let ex: Vec<_> = exceptions::propose(&inv, &ev, pid, m).into_iter().collect();
                    let f = exceptions::figures(&inv, &ev, pid, m, &ex);
                    if !ex.is_empty() {
                        prop_assert!(
                            f.blocked == 0 || f.blocked < pp.blocked[m.index()],
                            "path {} {} {:?}", i, m, pp.modes[m.index()]
                        );
                        prop_assert!(f.excepted < pp.pairs);
                    }
                    let tangled = !pp.modes[m.index()].cross.is_empty();
                    if f.blocked > 0 {
                        prop_assert!(tangled, "path {} {}: {} pairs blocked outside the exception", i, m, f.blocked);
                    }
                    prop_assert!(f.protected <= pp.servable, "path {} {:?}", i, f);
                }
                None => {
                    // Remote Credential Guard, first in every order but helpdesk's, serves no pair.
                    if inv.paths[i].purpose == guardplan::inventory::Purpose::Admin && pp.pairs > 0 {
                        prop_assert_eq!(pp.blocked[Mode::RemoteGuard.index()], pp.pairs, "path {}", i);
                    }
                    prop_assert_eq!(p.modes[Mode::Standard.index()].verdict.0, Verdict::Block, "path {}", i);
                }
            }
            prop_assert!(pp.servable <= pp.pairs);
            prop_assert!(!p.rationale.is_empty());
        }
    }

    #[test]
    fn pair_counts_equal_counting_every_pair(e in estate()) {
        let order = |n: usize| (0..n).collect::<Vec<_>>();
        let text = render(&e, &order(H), &order(U), &order(e.paths.len()));
        let inv = load_str("prop.toml", &text)
            .map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
        let ev = rules::evaluate(&inv, &TrustGraph::new(&inv));
        for (i, p) in inv.paths.iter().enumerate() {
            let pp = &ev.pairs[i];
            // One pair at a time, as the blockers describe it.
            let blocks = |m: Mode, u: u32, t: u32| {
                let b = &pp.modes[m.index()];
                b.all
                    || (!p.from.is_empty() && p.from.iter().all(|c| b.clients.contains(c)))
                    || b.users.contains(&u)
                    || b.targets.contains(&t)
                    || b.cross.iter().any(|(us, ts)| us.contains(&u) && ts.contains(&t))
            };
            let mut blocked = [0u64; 4];
            let mut servable = 0u64;
            for &u in &p.who {
                for &t in &p.to {
                    for m in Mode::ALL {
                        blocked[m.index()] += u64::from(blocks(m, u, t));
                    }
                    servable += u64::from(rules::pairs::PROTECTIVE.iter().any(|m| !blocks(*m, u, t)));
                }
            }
            prop_assert_eq!(pp.blocked, blocked, "path {}", i);
            prop_assert_eq!(pp.servable, servable, "path {}", i);
            prop_assert_eq!(pp.pairs, (p.who.len() * p.to.len()) as u64);
        }
    }

    #[test]
    fn findings_do_not_depend_on_the_order_of_entries(
        e in estate(),
        hosts in Just((0..H).collect::<Vec<_>>()).prop_shuffle(),
        users in Just((0..U).collect::<Vec<_>>()).prop_shuffle(),
        reverse_paths in any::<bool>(),
    ) {
        let n = e.paths.len();
        let straight: Vec<usize> = (0..n).collect();
        let paths: Vec<usize> = if reverse_paths { (0..n).rev().collect() } else { straight.clone() };
        let a = judged(&render(&e, &(0..H).collect::<Vec<_>>(), &(0..U).collect::<Vec<_>>(), &straight))?;
        let b = judged(&render(&e, &hosts, &users, &paths))?;
        prop_assert_eq!(a, b);
    }
}
