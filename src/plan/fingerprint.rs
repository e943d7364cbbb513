//! The normalized form of an inventory that its fingerprint is taken of: one line per fact-bearing entry, with
//! references written as names, sorted so that neither key order nor entry order matters.

use crate::inventory::{Inventory, Principal};

fn j<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn names<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let mut v: Vec<String> = items.iter().map(f).collect();
    v.sort();
    v.join(",")
}

/// Every fact of the inventory, one line per entry, sorted. Names are compared case-insensitively by the
/// inventory, so they are lowercased here.
pub fn normalized(inv: &Inventory) -> Vec<String> {
    let dom = |d: u32| inv.domains[d as usize].dns.to_lowercase();
    let host = |h: &u32| inv.hosts[*h as usize].name.to_lowercase();
    let user = |u: &u32| inv.user_label(*u).to_lowercase();
    let group = |g: &u32| inv.group_label(*g).to_lowercase();
    let acl = |a: u32| {
        names(&inv.acls[a as usize], |p| match p {
            Principal::User(u) => format!("u:{}", user(u)),
            Principal::Group(g) => format!("g:{}", group(g)),
        })
    };
    let mut out = Vec::new();
    for d in &inv.domains {
        let mut dc = d.dc_os.clone();
        dc.sort();
        out.push(format!(
            "domain|{}|{}|{}|{}|{}|{}",
            d.dns.to_lowercase(),
            d.netbios.to_lowercase(),
            j(&d.functional_level),
            dom(d.forest),
            j(&dc),
            j(&d.pdc_emulator_os)
        ));
    }
    for t in &inv.trusts {
        out.push(format!(
            "trust|{}|{}|{}|{}|{}|{}|{:?}",
            dom(t.trusting),
            dom(t.trusted),
            j(&t.direction),
            j(&t.kind),
            t.transitive,
            t.selective_auth,
            t.sid_filtering
        ));
    }
    for h in &inv.hosts {
        let mut roles = h.roles.clone();
        roles.sort();
        let mut tags: Vec<String> = h.tags.iter().map(|t| t.to_lowercase()).collect();
        tags.sort();
        out.push(format!(
            "host|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}|{}|{}|{}",
            h.name.to_lowercase(),
            h.domain.map(dom).unwrap_or_default(),
            j(&h.join),
            j(&h.os.family),
            h.os.build,
            h.os.kb2871997,
            j(&roles),
            tags.join(","),
            names(&h.groups, group),
            j(&h.rdp_client),
            h.dc_line_of_sight,
            h.laps,
            h.rds_vdi,
            h.device_claims,
            h.offline_signin,
            h.azure_vm,
            h.disable_restricted_admin,
            h.allow_protected_creds,
            j(&h.client_policy),
            acl(h.administrators),
            acl(h.remote_desktop_users),
        ));
    }
    for (i, u) in inv.users.iter().enumerate() {
        let mut et = u.etypes.clone();
        et.sort();
        out.push(format!(
            "user|{}|{}|{}|{}|{}|{}|{}|{}",
            user(&(i as u32)),
            j(&u.kind),
            j(&u.roles),
            names(&u.groups, group),
            u.protected_users,
            j(&et),
            j(&u.delegation),
            u.not_delegated
        ));
    }
    for (i, g) in inv.groups.iter().enumerate() {
        out.push(format!(
            "group|{}|{}|{}|{}",
            group(&(i as u32)),
            names(&g.member_of, group),
            j(&g.roles),
            g.protected_users
        ));
    }
    for p in &inv.paths {
        out.push(format!(
            "path|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
            p.name.to_lowercase(),
            j(&p.purpose),
            names(&p.who, user),
            names(&p.from, host),
            names(&p.to, host),
            names(&p.hops, host),
            j(&p.credentials),
            p.network_as_user,
            p.session_hours,
            j(&p.delegation),
            p.credssp_sso
        ));
    }
    out.sort();
    out
}
