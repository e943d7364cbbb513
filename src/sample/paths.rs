//! The sample's access paths, written with selectors.

use std::fmt::Write as _;

use super::generator::Gen;

impl Gen {
    pub(super) fn paths(&self, out: &mut String) {
        let c = &self.doms[0].netbios;
        let mut p = PathWriter { out };
        p.path(
            "tier0-dc",
            "admin",
            &[&format!("group:{c}\\Tier0-Admins")],
            &["tag:paw-tier0"],
            &["role:domain-controller"],
            &[],
        );
        p.path(
            "jump-multihop",
            "admin",
            &[&format!("group:{c}\\Server-Admins")],
            &["role:paw"],
            &["tag:jump"],
            &["tag:sql", &format!("group:{c}\\File-Servers")],
        );
        p.extra("network_as_user = true\nsession_hours = 2.0\nnote = \"SQL and file servers are administered from the jump host\"\n");
        p.path(
            "vdi-support",
            "helpdesk",
            &[&format!("group:{c}\\Helpdesk")],
            &["role:helpdesk-console"],
            &["tag:vdi"],
            &[],
        );
        p.path(
            "claims-fileserver",
            "admin",
            &[&format!("group:{c}\\Server-Admins")],
            &[&format!("group:{c}\\PAWs")],
            &["tag:claims"],
            &[],
        );
        p.extra("network_as_user = true\n");
        p.path(
            "entra-helpdesk",
            "helpdesk",
            &[&format!("group:{c}\\Helpdesk")],
            &[&format!("group:{c}\\Helpdesk-Consoles")],
            &["tag:entra"],
            &[],
        );
        p.path(
            "kiosk-support",
            "helpdesk",
            &[&format!("{c}\\hd-agent")],
            &["role:helpdesk-console"],
            &["tag:kiosk"],
            &[],
        );
        p.path(
            "legacy-admin",
            "admin",
            &["role:admin"],
            &["role:paw"],
            &["tag:legacy"],
            &[],
        );
        p.path(
            "vendor-saved",
            "admin",
            &[&format!("user:{c}\\vendor.acme")],
            &["tag:vendor"],
            &["tag:sql"],
            &[],
        );
        p.extra("credentials = \"saved\"\n");
        p.path(
            "contractor-supplied",
            "admin",
            &[&format!("user:{c}\\vendor.acme")],
            &["tag:contractor"],
            &["tag:jump"],
            &[],
        );
        p.extra("credentials = \"supplied\"\n");
        p.path(
            "uwp-admin",
            "admin",
            &[&format!("group:{c}\\Tier1-Operators")],
            &["tag:uwp"],
            &["tag:jump"],
            &[],
        );
        p.path(
            "offsite-admin",
            "admin",
            &[&format!("group:{c}\\Tier1-Operators")],
            &["tag:offsite"],
            &["tag:azure", "tag:jump"],
            &[],
        );
        p.path(
            "tier0-long-sessions",
            "admin",
            &[&format!("group:{c}\\Tier0-Admins")],
            &["tag:paw-tier0"],
            &["tag:sql"],
            &[],
        );
        p.extra("session_hours = 10.0\ncredssp_sso = true\n");
        p.path(
            "backup-delegation",
            "admin",
            &[
                &format!("user:{c}\\svc-backup"),
                &format!("user:{c}\\adm.deleg"),
            ],
            &["tag:jump"],
            &[&format!("group:{c}\\File-Servers")],
            &[],
        );
        p.extra("delegation = \"constrained\"\nnetwork_as_user = true\n");
        if self.forests >= 2 {
            let f = &self.doms[1].netbios;
            p.path(
                "fabrikam-from-contoso",
                "admin",
                &[&format!("group:{c}\\Tier1-Operators")],
                &[&format!("group:{c}\\PAWs")],
                &[&format!("group:{f}\\File-Servers")],
                &[],
            );
        }
        if self.forests >= 3 {
            p.path(
                "tailspin-ops",
                "admin",
                &[&format!("group:{c}\\Server-Admins")],
                &["role:paw"],
                &[&format!("domain:{}", self.doms[2].dns)],
                &[],
            );
            p.extra("note = \"external trust with selective authentication\"\n");
        }
        if let Some(child) = (self.forests..self.doms.len()).find(|i| self.doms[*i].forest == 0) {
            let nb = &self.doms[child].netbios;
            p.path(
                &format!("{}-from-root", nb.to_lowercase()),
                "admin",
                &[&format!("group:{c}\\Tier0-Admins")],
                &["tag:paw-tier0"],
                &[&format!("group:{nb}\\File-Servers"), "tag:file"],
                &[],
            );
        }
        for (k, site) in self.sites.iter().enumerate() {
            let nb = &self.doms[site.domain].netbios;
            let name = site.ws_tag.trim_start_matches("ws-");
            p.path(
                &format!("helpdesk-{name}"),
                "helpdesk",
                &[
                    &format!("group:{nb}\\Helpdesk"),
                    &format!("group:{nb}\\Helpdesk-L1"),
                ],
                &[&format!("group:{nb}\\Helpdesk-Consoles")],
                &[&format!("tag:{}", site.ws_tag)],
                &[],
            );
            p.path(
                &format!("servers-{name}"),
                "admin",
                &[&format!("group:{nb}\\Server-Admins")],
                &[&format!("group:{nb}\\PAWs")],
                &[&format!("tag:{}", site.srv_tag)],
                &[],
            );
            if k % 3 == 0 {
                p.extra("network_as_user = true\n");
            }
        }
    }
}

struct PathWriter<'o> {
    out: &'o mut String,
}

impl PathWriter<'_> {
    fn path(
        &mut self,
        name: &str,
        purpose: &str,
        who: &[&str],
        from: &[&str],
        to: &[&str],
        hops: &[&str],
    ) {
        let _ = writeln!(
            self.out,
            "[[path]]\nname = \"{name}\"\npurpose = \"{purpose}\""
        );
        for (key, list) in [("who", who), ("from", from), ("to", to), ("hops", hops)] {
            if list.is_empty() {
                continue;
            }
            self.out.push_str(key);
            self.out.push_str(" = [");
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                // Literal strings: selectors carry `NETBIOS\NAME`.
                self.out.push('\'');
                self.out.push_str(s);
                self.out.push('\'');
            }
            self.out.push_str("]\n");
        }
        self.out.push('\n');
    }

    /// Adds keys to the path just written.
    fn extra(&mut self, lines: &str) {
        self.out.pop();
        self.out.push_str(lines);
        self.out.push('\n');
    }
}
