//! How the engine scales: a large estate evaluated against the cost of loading it. Run with
//! `cargo test --test rules_scale -- --ignored --nocapture`; it prints timings and asserts only on results.

use std::fmt::Write;
use std::time::Instant;

use guardplan::graph::TrustGraph;
use guardplan::inventory::load_str;
use guardplan::rules;

/// `hosts` hosts (a tenth of them clients), `users` users in groups, and paths with up to 50,000 targets.
fn big(hosts: usize, users: usize) -> String {
    let mut s = String::from("version = 1\n");
    for (d, nb) in [
        ("corp.contoso.com", "CORP"),
        ("emea.corp.contoso.com", "EMEA"),
        ("fabrikam.com", "FAB"),
    ] {
        let forest = if d == "emea.corp.contoso.com" {
            "forest = \"corp.contoso.com\"\n"
        } else {
            ""
        };
        let _ = write!(
            s,
            "[[domain]]\ndns = \"{d}\"\nnetbios = \"{nb}\"\nfunctional_level = \"2016\"\n{forest}"
        );
    }
    s += "[[trust]]\ntrusting = \"corp.contoso.com\"\ntrusted = \"fabrikam.com\"\ndirection = \"two-way\"\ntype = \"forest\"\n";
    for g in 0..20 {
        let role = if g % 2 == 0 { "admin" } else { "helpdesk" };
        let _ = write!(
            s,
            "[[group]]\nname = \"G{g}\"\ndomain = \"corp.contoso.com\"\nroles = [\"{role}\"]\n"
        );
    }
    for u in 0..users {
        let dom = if u % 7 == 0 {
            "emea.corp.contoso.com"
        } else {
            "corp.contoso.com"
        };
        let member = if dom == "corp.contoso.com" {
            format!("member_of = [\"G{}\"]\n", u % 20)
        } else {
            String::new()
        };
        let pu = u % 11 == 0;
        let _ = write!(
            s,
            "[[user]]\nname = \"u{u}\"\ndomain = \"{dom}\"\nprotected_users = {pu}\n{member}"
        );
    }
    for h in 0..hosts {
        let client = h % 10 == 0;
        let (join, dom) = match h % 5 {
            0..=2 => ("ad", Some("corp.contoso.com")),
            3 => ("hybrid", Some("fabrikam.com")),
            _ => ("entra", None),
        };
        let _ = write!(
            s,
            "[[host]]\nname = \"H{h}\"\njoin = \"{join}\"\nos = \"windows-11\"\nbuild = {}\n",
            if h % 13 == 0 { 14393 } else { 22631 }
        );
        if let Some(d) = dom {
            let _ = writeln!(s, "domain = \"{d}\"");
        }
        let tag = if client { "clients" } else { "targets" };
        let _ = write!(
            s,
            "tags = [\"{tag}\", \"t{}\"]\nlaps = {}\nadministrators = [\"CORP\\\\G{}\"]\n",
            h % 2,
            h % 3 == 0,
            h % 20
        );
    }
    for p in 0..40 {
        let purpose = if p % 2 == 0 { "admin" } else { "helpdesk" };
        let _ = write!(
            s,
            "[[path]]\nname = \"p{p}\"\npurpose = \"{purpose}\"\nwho = [\"group:G{}\", \"group:G{}\"]\nfrom = [\"tag:clients\"]\nto = [\"tag:t{}\"]\nnetwork_as_user = true\n",
            p % 20,
            (p + 1) % 20,
            p % 2
        );
    }
    s
}

#[test]
#[ignore = "measures; run explicitly"]
fn evaluation_costs_less_than_loading() {
    let text = big(100_000, 200_000);
    let t = Instant::now();
    let inv = match load_str("big.toml", &text) {
        Ok(inv) => inv,
        Err(d) => panic!("{d}"),
    };
    let load = t.elapsed();
    let t = Instant::now();
    let graph = TrustGraph::new(&inv);
    let ev = rules::evaluate(&inv, &graph);
    let eval = t.elapsed();
    let t = Instant::now();
    let choices = rules::evaluate_choices(&inv, &ev.recommended_choices());
    let chosen = t.elapsed();
    let widest = inv.paths.iter().map(|p| p.to.len()).max().unwrap_or(0);
    let most_users = inv.paths.iter().map(|p| p.who.len()).max().unwrap_or(0);
    println!(
        "{} hosts, {} users, {} paths (up to {widest} targets and {most_users} users each): load {load:?}, evaluate {eval:?}, choices {chosen:?}; {} findings, {} from choices",
        inv.hosts.len(),
        inv.users.len(),
        inv.paths.len(),
        ev.findings.len(),
        choices.len()
    );
    assert!(widest >= 40_000 && most_users >= 10_000);
    assert!(ev.findings.iter().any(|f| f.message.contains(" targets")));
}
