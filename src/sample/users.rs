//! The sample's users: the fixed ones, the special admin accounts and the bulk of each domain.

use std::fmt::Write as _;

use super::generator::{Gen, flag, opt_raw, opt_str};
use super::records::*;
use super::tables::*;

impl Gen {
    pub(super) fn users(&mut self, out: &mut String) {
        const SPECIAL: [(&str, &str); 4] = [
            ("t0-admin", "Tier0-Admins"),
            ("srv-admin", "Tier1-Operators"),
            ("hd-agent", "Helpdesk"),
            ("hd-l1-agent", "Helpdesk-L1"),
        ];
        let mut written = 0u32;
        for d in 0..self.doms.len() {
            for (name, group) in SPECIAL {
                self.user(
                    out,
                    &UserRec {
                        name,
                        domain: d,
                        member_of: Some(group),
                        ..UserRec::default()
                    },
                );
                written += 1;
            }
        }
        for (name, kind, member_of, protected, etypes, delegation, roles) in GLOBAL_USERS {
            self.user(
                out,
                &UserRec {
                    name,
                    domain: 0,
                    kind,
                    roles,
                    member_of,
                    protected,
                    etypes,
                    delegation,
                    not_delegated: name == "adm.sensitive",
                },
            );
            written += 1;
        }
        let mut name = String::with_capacity(24);
        for i in written..self.spec.users {
            let domain = self.rng.below(self.doms.len() as u32) as usize;
            let roll = self.rng.below(1000);
            let mut u = UserRec {
                domain,
                ..UserRec::default()
            };
            name.clear();
            match roll {
                0..=29 => {
                    let _ = write!(name, "svc-{i:07}");
                    u.kind = Some("service");
                    u.member_of = Some("Service-Accounts");
                }
                30..=34 => {
                    let _ = write!(name, "msa-{i:07}$");
                    u.kind = Some("managed-service-account");
                }
                _ => {
                    let f = FIRST[(i as usize / 7) % FIRST.len()];
                    let l = LAST[(i as usize / 3) % LAST.len()];
                    let _ = write!(name, "{f}.{l}{i}");
                    u.member_of = Some(match roll {
                        35 => "Tier0-Admins",
                        36..=42 => "Tier1-Operators",
                        43..=46 => "Server-Admins",
                        47..=51 => "Workstation-Admins",
                        52..=56 => "Helpdesk",
                        57..=59 => "Helpdesk-L1",
                        _ => "Staff",
                    });
                    // Some admins are already enrolled in Protected Users directly.
                    u.protected = (36..=56).contains(&roll) && self.rng.chance(350);
                }
            }
            let e = self.rng.below(1000);
            u.etypes = match e {
                0..=49 => Some(r#"["aes256", "aes128"]"#),
                50..=54 => Some(r#"["rc4"]"#),
                _ => None,
            };
            u.name = &name;
            self.user(out, &u);
        }
    }

    fn user(&self, out: &mut String, u: &UserRec) {
        out.push_str("[[user]]\nname = \"");
        out.push_str(u.name);
        out.push_str("\"\ndomain = \"");
        out.push_str(&self.doms[u.domain].dns);
        out.push_str("\"\n");
        opt_str(out, "kind", u.kind);
        opt_raw(out, "roles", u.roles);
        if let Some(g) = u.member_of {
            let _ = writeln!(out, "member_of = [\"{g}\"]");
        }
        flag(out, "protected_users", u.protected);
        opt_raw(out, "etypes", u.etypes);
        opt_str(out, "delegation", u.delegation);
        flag(out, "not_delegated", u.not_delegated);
        out.push('\n');
    }
}
