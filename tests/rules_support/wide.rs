//! The wide-path estate: a tenth of the hosts are clients of every path, and each path reaches half of the
//! other hosts, so a few dozen paths carry tens of thousands of targets and users each.

use std::fmt::Write;

/// `hosts` hosts (a tenth of them clients), `users` users in groups, and paths with up to 50,000 targets.
pub fn wide(hosts: usize, users: usize) -> String {
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
