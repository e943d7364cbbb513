//! The generator: the estate's shape from a spec, written kind by kind (domains, trusts, groups, then users,
//! hosts and paths in their own modules), and the helpers that write optional keys.

use std::fmt::Write as _;

use super::records::*;
use super::rng::Rng;
use super::tables::*;
use super::{HOSTS_PER_SITE, SampleSpec};

pub(super) struct Gen {
    pub(super) spec: SampleSpec,
    pub(super) doms: Vec<Dom>,
    pub(super) forests: usize,
    pub(super) sites: Vec<Site>,
    pub(super) rng: Rng,
    pub(super) serial: u32,
}

impl Gen {
    pub(super) fn new(spec: &SampleSpec) -> Self {
        let n = spec.domains as usize;
        let forests = match n {
            1 => 1,
            2 | 3 => 2,
            _ => 3,
        };
        let mut doms: Vec<Dom> = Vec::with_capacity(n);
        for (i, (dns, nb)) in ROOTS.iter().take(forests).enumerate() {
            doms.push(Dom::new(dns.to_string(), nb.to_string(), i, i == 2));
        }
        for j in 0..n - forests {
            // Two of three child domains go under contoso.com, every third under fabrikam.com.
            let parent = if forests >= 2 && j % 3 == 2 { 1 } else { 0 };
            let region = match REGIONS.get(j) {
                Some(r) => r.to_string(),
                None => format!("r{j}"),
            };
            let dns = format!("{region}.{}", ROOTS[parent].0);
            doms.push(Dom::new(dns, region.to_uppercase(), parent, false));
        }
        for i in 0..n {
            let root = doms[doms[i].forest].netbios.clone();
            doms[i].set_acls(&root);
        }
        let nsites = (spec.hosts / HOSTS_PER_SITE).max(spec.domains) as usize;
        let sites = (0..nsites)
            .map(|k| {
                let city = CITIES[k % CITIES.len()];
                let name = match k / CITIES.len() {
                    0 => city.to_string(),
                    round => format!("{city}{}", round + 1),
                };
                Site {
                    domain: k % n,
                    ws_tag: format!("ws-{name}"),
                    srv_tag: format!("srv-{name}"),
                }
            })
            .collect();
        Gen {
            spec: *spec,
            doms,
            forests,
            sites,
            rng: Rng(spec.seed ^ 0x6775_6172_6470_6c61),
            serial: 0,
        }
    }

    pub(super) fn write(mut self, out: &mut String) {
        let s = self.spec;
        let _ = writeln!(out, "{}", crate::inventory::SCHEMA_DIRECTIVE);
        let _ = writeln!(
            out,
            "# Synthetic estate: guardplan sample --hosts {} --users {} --domains {} --seed {}\n\
             version = 1\n\
             description = \"Synthetic estate: {} hosts, {} users, {} domains (seed {})\"\n",
            s.hosts, s.users, s.domains, s.seed, s.hosts, s.users, s.domains, s.seed
        );
        self.domains(out);
        self.trusts(out);
        self.groups(out);
        self.users(out);
        self.hosts(out);
        self.paths(out);
    }

    fn domains(&self, out: &mut String) {
        for (i, d) in self.doms.iter().enumerate() {
            let level = if d.legacy {
                "2008r2"
            } else if d.forest != i && i % 2 == 0 {
                "2012r2"
            } else {
                "2016"
            };
            let _ = writeln!(
                out,
                "[[domain]]\ndns = \"{}\"\nnetbios = \"{}\"\nfunctional_level = \"{level}\"",
                d.dns, d.netbios
            );
            if d.forest != i {
                let _ = writeln!(out, "forest = \"{}\"", self.doms[d.forest].dns);
            }
            if d.legacy {
                out.push_str("pdc_emulator_os = \"server-2008r2\"\n");
            }
            out.push('\n');
        }
    }

    fn trusts(&self, out: &mut String) {
        let trust = |out: &mut String, a: usize, b: usize, two_way: bool, kind: &str| {
            let _ = writeln!(
                out,
                "[[trust]]\ntrusting = \"{}\"\ntrusted = \"{}\"\ndirection = \"{}\"\ntype = \"{kind}\"",
                self.doms[a].dns,
                self.doms[b].dns,
                if two_way { "two-way" } else { "one-way" }
            );
        };
        for (i, d) in self.doms.iter().enumerate() {
            if d.forest != i {
                trust(out, i, d.forest, true, "parent-child");
                out.push('\n');
            }
        }
        if self.forests >= 2 {
            trust(out, 0, 1, true, "forest");
            out.push('\n');
        }
        if self.forests >= 3 {
            // tailspin.net holds resources that contoso.com administers; only selected accounts may sign in.
            trust(out, 2, 0, false, "external");
            out.push_str("selective_auth = true\nsid_filtering = true\n\n");
        }
        let children: Vec<usize> = (self.forests..self.doms.len())
            .filter(|i| self.doms[*i].forest == 0)
            .take(2)
            .collect();
        if let [a, b] = children[..] {
            trust(out, a, b, true, "shortcut");
            out.push('\n');
        }
    }

    fn groups(&self, out: &mut String) {
        // (name, member_of, roles, protected_users)
        const GROUPS: [(&str, &str, &str, bool); 12] = [
            ("Tier0-Admins", "", r#"["admin"]"#, true),
            ("Server-Admins", "", r#"["admin"]"#, false),
            ("Tier1-Operators", r#"["Server-Admins"]"#, "", false),
            ("Workstation-Admins", "", "", false),
            (
                "Helpdesk",
                r#"["Workstation-Admins"]"#,
                r#"["helpdesk"]"#,
                false,
            ),
            ("Helpdesk-L1", "", r#"["helpdesk"]"#, false),
            ("Staff", "", "", false),
            ("Service-Accounts", "", "", false),
            ("PAWs", "", "", false),
            ("Helpdesk-Consoles", "", "", false),
            ("File-Servers", "", "", false),
            ("SQL-Servers", "", "", false),
        ];
        for d in &self.doms {
            for (name, member_of, roles, pu) in GROUPS {
                let _ = writeln!(out, "[[group]]\nname = \"{name}\"\ndomain = \"{}\"", d.dns);
                if !member_of.is_empty() {
                    let _ = writeln!(out, "member_of = {member_of}");
                }
                if !roles.is_empty() {
                    let _ = writeln!(out, "roles = {roles}");
                }
                if pu {
                    out.push_str("protected_users = true\n");
                }
                out.push('\n');
            }
        }
    }
}

pub(super) fn flag(out: &mut String, key: &str, on: bool) {
    if on {
        out.push_str(key);
        out.push_str(" = true\n");
    }
}

pub(super) fn opt_str(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(key);
        out.push_str(" = \"");
        out.push_str(v);
        out.push_str("\"\n");
    }
}

pub(super) fn opt_raw(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(v);
        out.push('\n');
    }
}
