//! The sample's hosts: the fixed ones of `contoso.com`, then bulk servers and clients site by site.

use std::fmt::Write as _;

use super::generator::{Gen, flag, opt_str};
use super::records::*;
use super::tables::*;

impl Gen {
    pub(super) fn hosts(&mut self, out: &mut String) {
        let doms = std::mem::take(&mut self.doms);
        let sites = std::mem::take(&mut self.sites);
        for (i, d) in doms.iter().enumerate() {
            let (os_a, os_b, kb_b) = if d.legacy {
                ("server-2008r2", "server-2012", true)
            } else if i == 0 {
                ("server-2022", "server-2025", false)
            } else {
                ("server-2019", "server-2022", false)
            };
            for (os, kb) in [(os_a, false), (os_b, kb_b)] {
                let h = HostRec {
                    prefix: "DC",
                    os,
                    kb,
                    role: "domain-controller",
                    tags: vec!["dc"],
                    acl: Some(&d.dc_acl),
                    ..HostRec::ad(i)
                };
                self.host(out, &doms, &h);
            }
            let mut paw_tags = vec!["paw"];
            if i == 0 {
                paw_tags.push("paw-tier0");
            }
            let paw = HostRec {
                prefix: "PAW",
                os: "windows-11",
                build: Some(26100),
                role: "paw",
                tags: paw_tags,
                member_of: Some("PAWs"),
                laps: true,
                policy: Some("restrict-credential-delegation"),
                acl: Some(&d.paw_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &paw);
            let console = HostRec {
                prefix: "HD",
                os: "windows-11",
                build: Some(22631),
                role: "helpdesk-console",
                member_of: Some("Helpdesk-Consoles"),
                laps: true,
                policy: Some("require-restricted-admin"),
                acl: Some(&d.ws_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &console);
            let fs = HostRec {
                prefix: "FS",
                os: "server-2022",
                role: "server",
                tags: vec!["file"],
                member_of: Some("File-Servers"),
                laps: true,
                acl: Some(&d.srv_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &fs);
        }
        for (prefix, os, build, kb, join, tag) in GLOBAL_HOSTS {
            let server = os.starts_with("server");
            let domain = matches!(join, "ad" | "hybrid").then_some(0);
            let h = HostRec {
                prefix,
                domain,
                join,
                os,
                build,
                kb,
                role: if server { "server" } else { "workstation" },
                tags: vec![tag],
                member_of: match tag {
                    "sql" => Some("SQL-Servers"),
                    "claims" => Some("File-Servers"),
                    _ => None,
                },
                uwp: tag == "uwp",
                no_dc: tag == "offsite",
                offline: tag == "offsite",
                laps: join != "workgroup",
                vdi: tag == "vdi",
                claims: tag == "claims",
                azure: tag == "azure",
                disable_ra: (tag == "jump").then_some(0),
                protected_creds: tag == "jump",
                acl: match (server, join) {
                    (_, "workgroup") => None,
                    (true, _) => Some(doms[0].srv_acl.as_str()),
                    (false, _) => Some(doms[0].ws_acl.as_str()),
                },
                ..HostRec::default()
            };
            self.host(out, &doms, &h);
        }
        // Every site gets a workstation and a server first, so that its paths always match.
        let mut b = 0usize;
        while self.serial < self.spec.hosts {
            let site = if b < 2 * sites.len() {
                b / 2
            } else {
                self.rng.below(sites.len() as u32) as usize
            };
            let server = if b < 2 * sites.len() {
                b % 2 == 1
            } else {
                self.rng.chance(130)
            };
            b += 1;
            let h = if server {
                self.bulk_server(&doms, &sites[site])
            } else {
                self.bulk_client(&doms, &sites[site])
            };
            self.host(out, &doms, &h);
        }
        self.doms = doms;
        self.sites = sites;
    }

    fn bulk_server<'a>(&mut self, doms: &'a [Dom], site: &'a Site) -> HostRec<'a> {
        let d = &doms[site.domain];
        let os = self.rng.pick(&[
            (10, "server-2008r2"),
            (80, "server-2012r2"),
            (200, "server-2016"),
            (300, "server-2019"),
            (290, "server-2022"),
            (120, "server-2025"),
        ]);
        let kind = self.rng.below(1000);
        let mut h = HostRec {
            prefix: "SRV",
            os,
            role: "server",
            tags: vec![site.srv_tag.as_str()],
            laps: self.rng.chance(920),
            azure: self.rng.chance(50),
            acl: Some(&d.srv_acl),
            ..HostRec::ad(site.domain)
        };
        if self.rng.chance(100) {
            h.join = "hybrid";
        }
        match kind {
            0..=99 => {
                h.prefix = "FS";
                h.member_of = Some("File-Servers");
                // Dynamic Access Control: some file servers need device claims.
                h.claims = self.rng.chance(150);
            }
            100..=179 => {
                h.prefix = "SQL";
                h.member_of = Some("SQL-Servers");
            }
            180..=219 => {
                h.prefix = "VDI";
                h.role = "workstation";
                h.os = "windows-11";
                h.build = Some(22631);
                h.vdi = true;
            }
            _ => {}
        }
        let r = self.rng.below(1000);
        h.disable_ra = match r {
            0..=149 => Some(0),
            150..=169 => Some(1),
            _ => None,
        };
        h.protected_creds = r < 100;
        h
    }

    fn bulk_client<'a>(&mut self, doms: &'a [Dom], site: &'a Site) -> HostRec<'a> {
        let d = &doms[site.domain];
        let (os, build, kb) = self.rng.pick(&[
            (350, ("windows-11", Some(22631), false)),
            (220, ("windows-11", Some(26100), false)),
            (330, ("windows-10", Some(19045), false)),
            (20, ("windows-10", Some(14393), false)),
            (20, ("windows-10", Some(15063), false)),
            (20, ("windows-7", None, true)),
            (10, ("windows-7", None, false)),
            (30, ("windows-8.1", None, false)),
        ]);
        let join = self.rng.pick(&[
            (300, "ad"),
            (550, "hybrid"),
            (120, "entra"),
            (30, "workgroup"),
        ]);
        let ad = matches!(join, "ad" | "hybrid");
        let kind = self.rng.below(1000);
        let mut h = HostRec {
            prefix: "WS",
            domain: ad.then_some(site.domain),
            join,
            os,
            build,
            kb,
            role: "workstation",
            tags: vec![site.ws_tag.as_str()],
            laps: join != "workgroup" && self.rng.chance(900),
            uwp: self.rng.chance(20),
            acl: (join != "workgroup").then_some(d.ws_acl.as_str()),
            ..HostRec::default()
        };
        match kind {
            0..=7 if ad => {
                h.prefix = "PAW";
                h.role = "paw";
                h.tags = vec!["paw"];
                h.member_of = Some("PAWs");
                h.acl = Some(&d.paw_acl);
                h.policy = Some(self.rng.pick(&[
                    (500, "restrict-credential-delegation"),
                    (300, "require-remote-guard"),
                    (200, "require-restricted-admin"),
                ]));
            }
            8..=13 if ad => {
                h.prefix = "HD";
                h.role = "helpdesk-console";
                h.member_of = Some("Helpdesk-Consoles");
                h.policy = self.rng.chance(300).then_some("require-restricted-admin");
            }
            14..=213 => {
                h.prefix = "LT";
                h.offline = true;
                h.no_dc = self.rng.chance(50);
            }
            _ => {}
        }
        h
    }

    fn host(&mut self, out: &mut String, doms: &[Dom], h: &HostRec) {
        self.serial += 1;
        let _ = write!(
            out,
            "[[host]]\nname = \"{}-{:07}\"\n",
            h.prefix, self.serial
        );
        if let Some(d) = h.domain {
            out.push_str("domain = \"");
            out.push_str(&doms[d].dns);
            out.push_str("\"\n");
        }
        opt_str(out, "join", Some(h.join));
        opt_str(out, "os", Some(h.os));
        if let Some(b) = h.build {
            let _ = writeln!(out, "build = {b}");
        }
        flag(out, "kb2871997", h.kb);
        let _ = writeln!(out, "roles = [\"{}\"]", h.role);
        if !h.tags.is_empty() {
            out.push_str("tags = [");
            for (i, t) in h.tags.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                out.push_str(t);
                out.push('"');
            }
            out.push_str("]\n");
        }
        if let Some(g) = h.member_of {
            let _ = writeln!(out, "member_of = [\"{g}\"]");
        }
        if h.uwp {
            out.push_str("rdp_client = \"uwp\"\n");
        }
        if h.no_dc {
            out.push_str("dc_line_of_sight = false\n");
        }
        flag(out, "laps", h.laps);
        flag(out, "rds_vdi", h.vdi);
        flag(out, "device_claims", h.claims);
        flag(out, "offline_signin", h.offline);
        flag(out, "azure_vm", h.azure);
        if let Some(v) = h.disable_ra {
            let _ = writeln!(out, "disable_restricted_admin = {v}");
        }
        flag(out, "allow_protected_creds", h.protected_creds);
        opt_str(out, "client_policy", h.policy);
        if let Some(acl) = h.acl {
            out.push_str(acl);
        }
        out.push('\n');
    }
}
