//! [`Directory`] -> inventory: the mapping shared by every source.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::Spanned;

use super::{DirObject, Direction, Directory, ObjectKind, rid};
use crate::inventory::raw::*;
use crate::names;

/// Identifies an inventory entry, for comments and for merging (lower-case names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A domain by DNS name.
    Domain(String),
    /// A trust by its two domains (ordered).
    Trust(String, String),
    /// A host by name.
    Host(String),
    /// A user by domain and name.
    User(String, String),
    /// A group by domain and name.
    Group(String, String),
    /// An access path by name.
    Path(String),
}

impl Key {
    /// The key of a trust between two domains, in either order.
    pub fn trust(a: &str, b: &str) -> Key {
        let (a, b) = (a.to_lowercase(), b.to_lowercase());
        if a <= b {
            Key::Trust(a, b)
        } else {
            Key::Trust(b, a)
        }
    }
}

/// An imported inventory with what the writer and the merge need to know about it.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The inventory (no access paths: the directory does not know them).
    pub inventory: RawInventory,
    /// Comments written above entries.
    pub notes: BTreeMap<Key, Vec<String>>,
    /// What was not imported, one sentence each (printed, and written at the end of the file).
    pub skipped: Vec<String>,
    /// Domains whose objects were read: on re-import, entries of these domains that are gone are removed.
    pub covered: BTreeSet<String>,
    /// Domains whose NetBIOS name or functional level the source did not give (a re-import keeps the
    /// values already in the inventory).
    pub guessed_domains: BTreeSet<String>,
    /// Domains whose trusts were read: on re-import, their trusts that are gone are removed.
    pub trust_scope: BTreeSet<String>,
    /// Hosts whose local Administrators and Remote Desktop Users members the source gave.
    pub local_groups_known: BTreeSet<String>,
}

fn sp(s: impl Into<String>) -> Spanned<String> {
    Spanned::new(0..0, s.into())
}

/// Maps a Windows `operatingSystem` / `operatingSystemVersion` pair to a family and (for 10 and 11) a build.
/// `Err` says why the host cannot be mapped. The note, when present, says what was assumed.
pub fn map_os(
    os: Option<&str>,
    version: Option<&str>,
) -> Result<(OsFamily, Option<u32>, Option<String>), String> {
    let name = os.unwrap_or("").to_lowercase();
    // `10.0 (19045)`, `6.1 (7601)`, `10.0 (20348)`.
    let (ver, build) = match version {
        Some(v) => {
            let (ver, rest) = v.split_once('(').unwrap_or((v, ""));
            let build = rest.trim_end_matches(')').trim().parse::<u32>().ok();
            (ver.trim().to_string(), build)
        }
        None => (String::new(), None),
    };
    if os.is_none() && version.is_none() {
        return Err("the directory has no operatingSystem for it".into());
    }
    if !name.is_empty() && !name.contains("windows") {
        return Err(format!(
            "its operatingSystem `{}` is not a Windows version",
            os.unwrap_or("").escape_debug()
        ));
    }
    let server = name.contains("server");
    let family = if server {
        let by_name = [
            ("2025", OsFamily::Server2025),
            ("2022", OsFamily::Server2022),
            ("2019", OsFamily::Server2019),
            ("2016", OsFamily::Server2016),
            ("2012 r2", OsFamily::Server2012R2),
            ("2012", OsFamily::Server2012),
            ("2008 r2", OsFamily::Server2008R2),
            ("2008", OsFamily::Server2008),
            ("2003", OsFamily::Server2003),
            ("2000", OsFamily::Server2000),
        ]
        .into_iter()
        .find(|(k, _)| name.contains(k))
        .map(|(_, f)| f);
        match (by_name, ver.as_str(), build) {
            (Some(f), _, _) => f,
            (None, "10.0", Some(b)) if b >= 26100 => OsFamily::Server2025,
            (None, "10.0", Some(b)) if b >= 20348 => OsFamily::Server2022,
            (None, "10.0", Some(b)) if b >= 17763 => OsFamily::Server2019,
            (None, "10.0", _) => OsFamily::Server2016,
            (None, "6.3", _) => OsFamily::Server2012R2,
            (None, "6.2", _) => OsFamily::Server2012,
            (None, "6.1", _) => OsFamily::Server2008R2,
            (None, "6.0", _) => OsFamily::Server2008,
            (None, "5.2", _) => OsFamily::Server2003,
            (None, "5.0", _) => OsFamily::Server2000,
            _ => return Err(unknown_version(os, version)),
        }
    } else {
        let by_name = [
            ("windows 11", OsFamily::Windows11),
            ("windows 10", OsFamily::Windows10),
            ("windows 8.1", OsFamily::Windows81),
            ("windows 8", OsFamily::Windows8),
            ("windows 7", OsFamily::Windows7),
            ("vista", OsFamily::WindowsVista),
        ]
        .into_iter()
        .find(|(k, _)| name.contains(k))
        .map(|(_, f)| f);
        match (by_name, ver.as_str(), build) {
            // Windows 11 reported itself as "Windows 10" for a while: the build decides.
            (Some(OsFamily::Windows10) | None, "10.0", Some(b)) if b >= 22000 => {
                OsFamily::Windows11
            }
            (Some(f), _, _) => f,
            (None, "10.0", _) => OsFamily::Windows10,
            (None, "6.3", _) => OsFamily::Windows81,
            (None, "6.2", _) => OsFamily::Windows8,
            (None, "6.1", _) => OsFamily::Windows7,
            (None, "6.0", _) => OsFamily::WindowsVista,
            _ => return Err(unknown_version(os, version)),
        }
    };
    Ok(match family {
        OsFamily::Windows10 | OsFamily::Windows11 => match build {
            Some(b) => (family, Some(b), None),
            None => {
                let first = if family == OsFamily::Windows10 {
                    10240
                } else {
                    22000
                };
                (
                    family,
                    Some(first),
                    Some(format!(
                        "build not in the source: written as {first}, the first release, so the rules assume the oldest; correct it"
                    )),
                )
            }
        },
        _ => (family, None, None),
    })
}

fn unknown_version(os: Option<&str>, version: Option<&str>) -> String {
    format!(
        "its operating system (`{}`, version `{}`) is not one guardplan knows",
        os.unwrap_or("").escape_debug(),
        version.unwrap_or("").escape_debug()
    )
}

/// Derives a NetBIOS domain name from a DNS name (its first label, upper case, at most 15 characters).
fn derived_netbios(dns: &str) -> String {
    dns.split('.')
        .next()
        .unwrap_or(dns)
        .to_uppercase()
        .chars()
        .take(15)
        .collect()
}

fn push_note(notes: &mut BTreeMap<Key, Vec<String>>, key: Key, note: impl Into<String>) {
    notes.entry(key).or_default().push(note.into());
}

/// Well-known RIDs and SIDs.
const RID_KRBTGT: u32 = 502;
/// The domain's built-in Administrator.
const RID_ADMINISTRATOR: u32 = 500;
/// The domain's "Read-only Domain Controllers" group.
const RID_RODC: u32 = 521;
const RID_PROTECTED_USERS: u32 = 525;
const ADMIN_GROUP_RIDS: [u32; 3] = [512, 518, 519];
const BUILTIN_ADMINISTRATORS: &str = "S-1-5-32-544";

/// Maps what a source read to an inventory.
pub fn build(dir: Directory, description: &str) -> Imported {
    let mut imp = Imported {
        skipped: dir.warnings.clone(),
        ..Default::default()
    };
    let inv = &mut imp.inventory;
    inv.version = 1;
    inv.description = Some(description.to_string());

    // Domains: those read, then those only known from an object's DN or a trust.
    let mut domains: BTreeMap<String, RawDomain> = BTreeMap::new();
    let mut bad_domains: BTreeSet<String> = BTreeSet::new();
    let mut pdc: BTreeMap<String, String> = BTreeMap::new();
    let mut add_domain = |imp: &mut Imported,
                          domains: &mut BTreeMap<String, RawDomain>,
                          dns: &str,
                          netbios: Option<&str>,
                          level: Option<&Result<FunctionalLevel, String>>,
                          read: bool|
     -> bool {
        let dns = dns.to_lowercase();
        if domains.contains_key(&dns) {
            return true;
        }
        if bad_domains.contains(&dns) {
            return false;
        }
        if let Err(why) = names::dns_name(&dns) {
            imp.skipped.push(format!(
                "domain `{}` and everything in it: its DNS name {why}",
                dns.escape_debug()
            ));
            bad_domains.insert(dns);
            return false;
        }
        let key = Key::Domain(dns.clone());
        let netbios = match netbios {
            Some(nb) if names::netbios_name(nb).is_ok() => nb.to_string(),
            other => {
                let nb = derived_netbios(&dns);
                let why = match other {
                    Some(bad) => format!(
                        "the source's NetBIOS name `{}` is not valid",
                        bad.escape_debug()
                    ),
                    None => "the NetBIOS name is not in the source".to_string(),
                };
                push_note(
                    &mut imp.notes,
                    key.clone(),
                    format!("{why}: `{nb}` is derived from the DNS name; correct it if it differs"),
                );
                imp.guessed_domains.insert(dns.clone());
                if names::netbios_name(&nb).is_err() {
                    imp.skipped.push(format!(
                        "domain `{dns}`: no valid NetBIOS name can be derived from it"
                    ));
                    bad_domains.insert(dns);
                    return false;
                }
                nb
            }
        };
        let functional_level = match level {
            Some(Ok(l)) => *l,
            Some(Err(v)) => {
                push_note(
                    &mut imp.notes,
                    key.clone(),
                    format!(
                        "{v} is below Windows Server 2003 or unknown: written as the lowest level, 2003"
                    ),
                );
                FunctionalLevel::W2003
            }
            None => {
                push_note(
                    &mut imp.notes,
                    key.clone(),
                    "functional level not in the source: written as the lowest, 2003, so the rules assume the worst; correct it",
                );
                imp.guessed_domains.insert(dns.clone());
                FunctionalLevel::W2003
            }
        };
        if read {
            imp.covered.insert(dns.clone());
        } else {
            push_note(
                &mut imp.notes,
                key,
                "known only from a trust: its hosts, users and groups were not read",
            );
        }
        domains.insert(
            dns.clone(),
            RawDomain {
                dns: sp(dns),
                netbios: sp(netbios),
                functional_level,
                forest: None,
                dc_os: Vec::new(),
                pdc_emulator_os: None,
                administered: None,
                entra_synced: None,
            },
        );
        true
    };
    for d in &dir.domains {
        if add_domain(
            &mut imp,
            &mut domains,
            &d.dns,
            d.netbios.as_deref(),
            d.level.as_ref(),
            true,
        ) {
            if let Some(p) = &d.pdc {
                pdc.insert(d.dns.to_lowercase(), p.to_lowercase());
            }
        }
    }
    for o in &dir.objects {
        if !domains.contains_key(&o.domain) && !o.domain.is_empty() {
            add_domain(&mut imp, &mut domains, &o.domain, None, None, true);
        }
    }

    // Trusts, merged by pair of domains (each side of a trust records it).
    let mut trusts: BTreeMap<Key, RawTrust> = BTreeMap::new();
    for t in &dir.trusts {
        let (local, partner) = (t.local.to_lowercase(), t.partner.to_lowercase());
        imp.trust_scope.insert(local.clone());
        if t.direction == Direction::Disabled {
            imp.skipped.push(format!(
                "the trust between `{local}` and `{partner}`: it is disabled"
            ));
            continue;
        }
        if local == partner
            || !add_domain(&mut imp, &mut domains, &local, None, None, true)
            || !add_domain(
                &mut imp,
                &mut domains,
                &partner,
                t.partner_netbios.as_deref(),
                None,
                false,
            )
        {
            continue;
        }
        let key = Key::trust(&local, &partner);
        let (trusting, trusted, two_way) = match t.direction {
            Direction::Outbound => (local.clone(), partner.clone(), false),
            Direction::Inbound => (partner.clone(), local.clone(), false),
            _ => (local.clone(), partner.clone(), true),
        };
        if let Some(seen) = trusts.get_mut(&key) {
            // The other side's record: a one-way trust seen the other way round makes it two-way.
            if seen.trusting.get_ref() != &trusting || two_way {
                seen.direction = TrustDirection::TwoWay;
            }
            continue;
        }
        let kind = t.kind.unwrap_or_else(|| {
            push_note(
                &mut imp.notes,
                key.clone(),
                format!(
                    "trust type not in the source{}: written as external (not transitive), the most restrictive; correct it",
                    if t.transitive == Some(true) { ", which calls it transitive" } else { "" }
                ),
            );
            TrustKind::External
        });
        let default_transitive = !matches!(kind, TrustKind::External | TrustKind::Realm);
        // An external trust is never transitive, whatever a source claims.
        let transitive = if matches!(
            kind,
            TrustKind::External | TrustKind::ParentChild | TrustKind::TreeRoot
        ) {
            None
        } else {
            t.transitive.filter(|t| *t != default_transitive)
        };
        trusts.insert(
            key,
            RawTrust {
                trusting: sp(trusting),
                trusted: sp(trusted),
                direction: if two_way {
                    TrustDirection::TwoWay
                } else {
                    TrustDirection::OneWay
                },
                kind,
                transitive,
                selective_auth: t.selective_auth,
                sid_filtering: t.sid_filtering,
            },
        );
    }
    // Inside a forest, parent-child and tree-root trusts are two-way by definition; a trust recorded one-way
    // (seen from one side only) is written as the one-way kind that exists there, a shortcut.
    for (key, t) in trusts.iter_mut() {
        if t.direction == TrustDirection::OneWay
            && matches!(t.kind, TrustKind::ParentChild | TrustKind::TreeRoot)
        {
            t.kind = TrustKind::Shortcut;
            push_note(
                &mut imp.notes,
                key.clone(),
                "recorded as a one-way trust inside the forest: written as a shortcut trust",
            );
        }
    }
    // A child domain belongs to its parent's forest.
    for t in trusts.values() {
        if t.kind == TrustKind::ParentChild {
            let (a, b) = (t.trusting.get_ref(), t.trusted.get_ref());
            let (child, parent) = if a.ends_with(&format!(".{b}")) {
                (a, b)
            } else {
                (b, a)
            };
            if let Some(d) = domains.get_mut(child.as_str()) {
                d.forest = Some(sp(parent.clone()));
            }
        }
    }

    // Objects.
    let objects = &dir.objects;
    // The first of several copies of an object (overlapping exports) is the one imported.
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        by_id.entry(o.id.as_str()).or_insert(i);
    }
    let by_sid: HashMap<&str, usize> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.sid.as_deref().map(|s| (s, i)))
        .collect();
    // The domain first had AES keys when its first Windows Server 2008 domain controller came, which is when
    // the "Read-only Domain Controllers" group (RID 521) was created: a password last set before has none.
    let aes_since: HashMap<&str, i64> = objects
        .iter()
        .filter(|o| o.kind == ObjectKind::Group && o.sid.as_deref().and_then(rid) == Some(RID_RODC))
        .filter_map(|o| Some((o.domain.as_str(), o.created?)))
        .collect();
    let aes_keys = |o: &DirObject| -> bool {
        match (o.pwd_last_set, aes_since.get(o.domain.as_str())) {
            (Some(set), Some(since)) => set >= *since,
            _ => true,
        }
    };
    let mut disabled_objects: Vec<usize> = Vec::new();
    // Which objects are imported, and under which name.
    let mut name: Vec<Option<String>> = vec![None; objects.len()];
    let host_name_of = |o: &DirObject| o.sam.strip_suffix('$').unwrap_or(&o.sam).to_string();
    // A computer name used in several domains is written as a fully qualified name.
    let mut short_names: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for o in objects {
        if o.kind == ObjectKind::Computer {
            short_names
                .entry(host_name_of(o).to_lowercase())
                .or_default()
                .insert(o.domain.as_str());
        }
    }
    let mut no_domain = 0usize;
    for (i, o) in objects.iter().enumerate() {
        if by_id.get(o.id.as_str()) != Some(&i) {
            continue;
        }
        if !domains.contains_key(&o.domain) {
            no_domain += 1;
            continue;
        }
        // A disabled account is named for now: it stays if it is a member of a privileged group (below).
        if o.kind != ObjectKind::Group && o.disabled {
            disabled_objects.push(i);
        }
        if o.kind == ObjectKind::User && o.sid.as_deref().and_then(rid) == Some(RID_KRBTGT) {
            continue;
        }
        let (what, n, check) = match o.kind {
            ObjectKind::Computer => {
                let short = host_name_of(o);
                let n = if short_names
                    .get(&short.to_lowercase())
                    .map_or(0, |d| d.len())
                    > 1
                {
                    format!("{short}.{}", o.domain)
                } else {
                    short
                };
                let check = names::host_name(&n);
                ("host", n, check)
            }
            ObjectKind::Group => ("group", o.sam.clone(), names::sam_name(&o.sam, 256)),
            _ => ("user", o.sam.clone(), names::sam_name(&o.sam, 20)),
        };
        match check {
            Ok(()) => name[i] = Some(n),
            Err(why) => imp.skipped.push(format!(
                "{what} `{}` in `{}`: its name {why}",
                n.escape_debug(),
                o.domain
            )),
        }
    }
    if no_domain > 0 {
        imp.skipped.push(format!(
            "{no_domain} objects whose domain is unknown or not valid (their DN has no valid DC= components)"
        ));
    }
    // Memberships: parents[i] = groups object i is a direct member of.
    let mut parents: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); objects.len()];
    let mut outside = 0usize;
    let resolve = |id: &str| by_id.get(id).or_else(|| by_sid.get(id)).copied();
    for (g, o) in objects.iter().enumerate() {
        if o.kind != ObjectKind::Group || name[g].is_none() {
            continue;
        }
        for m in &o.members {
            match resolve(m) {
                Some(i) if name[i].is_some() => {
                    parents[i].insert(g);
                }
                Some(_) => {}
                None => outside += 1,
            }
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if let Some(pg) = o.primary_group_sid.as_deref()
            && let Some(&g) = by_sid.get(pg)
            && name[g].is_some()
            && name[i].is_some()
        {
            parents[i].insert(g);
        }
    }
    // A disabled account is kept, marked `enabled = false`, when it is a member (directly or through nesting)
    // of a well-known administrators group: PU-BREAKGLASS and reviewers must see it; the others are left out.
    let admin_group = |o: &DirObject| {
        let sid = o.sid.as_deref().unwrap_or("");
        o.kind == ObjectKind::Group
            && (sid == BUILTIN_ADMINISTRATORS
                || (!sid.starts_with("S-1-5-32-")
                    && rid(sid).is_some_and(|r| ADMIN_GROUP_RIDS.contains(&r))))
    };
    let mut disabled = 0usize;
    let mut kept_disabled: BTreeSet<usize> = BTreeSet::new();
    for &i in &disabled_objects {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = parents[i].iter().copied().collect();
        let mut privileged = false;
        while let Some(g) = stack.pop() {
            if admin_group(&objects[g]) {
                privileged = true;
                break;
            }
            if seen.insert(g) {
                stack.extend(parents[g].iter().copied());
            }
        }
        if privileged && name[i].is_some() {
            kept_disabled.insert(i);
        } else {
            disabled += name[i].is_some() as usize;
            name[i] = None;
            parents[i].clear();
        }
    }
    if disabled > 0 {
        imp.skipped.push(format!(
            "{disabled} disabled accounts: they cannot sign in, so no access path can use them"
        ));
    }
    if outside > 0 {
        imp.skipped.push(format!(
            "{outside} group memberships of principals outside the source (foreign security principals, other domains, well-known SIDs)"
        ));
    }
    let is_pu = |o: &DirObject| {
        o.kind == ObjectKind::Group
            && o.sid
                .as_deref()
                .is_some_and(|s| !s.starts_with("S-1-5-32-") && rid(s) == Some(RID_PROTECTED_USERS))
    };
    let in_pu_directly = |i: usize| parents[i].iter().any(|g| is_pu(&objects[*g]));
    let in_pu_transitively = |i: usize| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = parents[i].iter().copied().collect();
        while let Some(g) = stack.pop() {
            if is_pu(&objects[g]) {
                return true;
            }
            if seen.insert(g) {
                stack.extend(parents[g].iter().copied());
            }
        }
        false
    };
    let netbios: HashMap<String, String> = domains
        .iter()
        .map(|(k, d)| (k.clone(), d.netbios.get_ref().clone()))
        .collect();
    let netbios_of = |dns: &str| netbios.get(dns).cloned().unwrap_or_default();
    let mut pdc_os: Vec<(String, OsFamily)> = Vec::new();
    // How object `i` is written in a list held by an entry of domain `home`.
    let reference = |i: usize, home: &str| -> String {
        let n = name[i].clone().unwrap_or_default();
        if objects[i].domain == home {
            n
        } else {
            format!("{}\\{n}", netbios_of(&objects[i].domain))
        }
    };
    let member_of = |i: usize| -> Vec<Spanned<String>> {
        let mut v: Vec<String> = parents[i]
            .iter()
            .map(|g| reference(*g, &objects[i].domain))
            .collect();
        v.sort_by_key(|s| s.to_lowercase());
        v.into_iter().map(sp).collect()
    };

    let mut hosts = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut dropped_local = 0usize;
    for (i, o) in objects.iter().enumerate() {
        let Some(n) = name[i].clone() else { continue };
        let dom = o.domain.clone();
        match o.kind {
            ObjectKind::Group => {
                let key = Key::Group(dom.clone(), n.to_lowercase());
                let sid = o.sid.as_deref().unwrap_or("");
                let admin = sid == BUILTIN_ADMINISTRATORS
                    || (!sid.starts_with("S-1-5-32-")
                        && rid(sid).is_some_and(|r| ADMIN_GROUP_RIDS.contains(&r)));
                if admin {
                    push_note(
                        &mut imp.notes,
                        key.clone(),
                        "role admin: a well-known administrators group (by SID)",
                    );
                }
                let pu = is_pu(o);
                if pu {
                    push_note(
                        &mut imp.notes,
                        key,
                        "the domain's Protected Users group (well-known RID 525)",
                    );
                }
                groups.push(RawGroup {
                    name: sp(n),
                    domain: sp(dom),
                    member_of: member_of(i),
                    roles: if admin {
                        vec![UserRole::Admin]
                    } else {
                        Vec::new()
                    },
                    protected_users: pu || in_pu_directly(i),
                });
            }
            ObjectKind::User | ObjectKind::ManagedServiceAccount => {
                let key = Key::User(dom.clone(), n.to_lowercase());
                let kind = if o.kind == ObjectKind::ManagedServiceAccount {
                    AccountKind::ManagedServiceAccount
                } else if o.has_spn {
                    push_note(
                        &mut imp.notes,
                        key.clone(),
                        "kind service: the account has a servicePrincipalName; set kind = \"person\" if a person signs in with it",
                    );
                    AccountKind::Service
                } else {
                    AccountKind::Person
                };
                let aes = aes_keys(o);
                if !aes {
                    push_note(
                        &mut imp.notes,
                        key.clone(),
                        "aes_keys = false: the password was last set before the domain had AES keys (the creation of its Read-only Domain Controllers group, RID 521); reset it",
                    );
                }
                // By the RID; an account named Administrator that is not RID 500 (a decoy) says so, since the
                // loader takes an account of that name to be it otherwise.
                let user_rid = o.sid.as_deref().and_then(rid);
                let builtin_admin = match user_rid {
                    Some(RID_ADMINISTRATOR) => Some(true),
                    Some(_) if crate::inventory::same_name(&o.sam, "Administrator") => Some(false),
                    _ => None,
                };
                if builtin_admin == Some(true) {
                    push_note(
                        &mut imp.notes,
                        key.clone(),
                        "builtin_admin: the domain's built-in Administrator (RID 500), which Protected Users does not protect as it does other accounts",
                    );
                }
                let mut user = user_entry(o, n, dom, kind, member_of(i), in_pu_directly(i));
                user.aes_keys = aes;
                user.builtin_admin = builtin_admin;
                if kept_disabled.contains(&i) {
                    push_note(
                        &mut imp.notes,
                        key.clone(),
                        "enabled = false: a disabled account (ACCOUNTDISABLE), kept as a member of an administrators group",
                    );
                    user.enabled = Some(false);
                }
                users.push(user);
            }
            ObjectKind::Computer => {
                let key = Key::Host(n.to_lowercase());
                let (os, build, note) = match map_os(o.os.as_deref(), o.os_version.as_deref()) {
                    Ok(x) => x,
                    Err(why) => {
                        imp.skipped.push(format!("host `{n}` in `{dom}`: {why}"));
                        continue;
                    }
                };
                if let Some(note) = note {
                    push_note(&mut imp.notes, key.clone(), note);
                }
                let role = if o.dc {
                    HostRole::DomainController
                } else if os.is_server() {
                    HostRole::Server
                } else {
                    HostRole::Workstation
                };
                if o.dc
                    && let Some(p) = pdc.get(&dom)
                    && *p == host_name_of(o).to_lowercase()
                {
                    pdc_os.push((dom.clone(), os));
                }
                let mut local = |list: &Option<Vec<String>>| -> Vec<Spanned<String>> {
                    let mut v: Vec<String> = list
                        .iter()
                        .flatten()
                        .filter_map(|m| match resolve(m) {
                            Some(j)
                                if name[j].is_some() && objects[j].kind != ObjectKind::Computer =>
                            {
                                // Always qualified: a user and a group of two domains may share a name.
                                Some(format!(
                                    "{}\\{}",
                                    netbios_of(&objects[j].domain),
                                    name[j].clone().unwrap_or_default()
                                ))
                            }
                            _ => {
                                dropped_local += 1;
                                None
                            }
                        })
                        .collect();
                    v.sort_by_key(|s| s.to_lowercase());
                    v.dedup();
                    v.into_iter().map(sp).collect()
                };
                if o.local_admins.is_some() || o.local_rdp_users.is_some() {
                    imp.local_groups_known.insert(n.to_lowercase());
                }
                // A source without local group data leaves them out: not known is not "nobody".
                let administrators = o.local_admins.is_some().then(|| local(&o.local_admins));
                let remote_desktop_users = o
                    .local_rdp_users
                    .is_some()
                    .then(|| local(&o.local_rdp_users));
                let rdp_logon_allowed = o
                    .rdp_logon_allowed
                    .is_some()
                    .then(|| local(&o.rdp_logon_allowed));
                hosts.push(RawHost {
                    name: sp(n.clone()),
                    domain: Some(sp(dom.clone())),
                    join: JoinType::Ad,
                    os,
                    build,
                    kb2871997: false,
                    roles: vec![role],
                    tags: Vec::new(),
                    member_of: member_of(i),
                    rdp_client: RdpClient::Mstsc,
                    dc_line_of_sight: true,
                    laps: o.laps,
                    rds_vdi: false,
                    device_claims: false,
                    offline_signin: false,
                    azure_vm: false,
                    disable_restricted_admin: None,
                    allow_protected_creds: false,
                    client_policy: ClientPolicy::None,
                    administrators,
                    remote_desktop_users,
                    rdp_logon_allowed,
                    rdp_logon_denied: Vec::new(),
                    addresses: Vec::new(),
                    enabled: kept_disabled.contains(&i).then_some(false),
                    allowed_to_authenticate: None,
                    client_policy_source: None,
                });
                // A computer account in Protected Users is listed as an account, so that the rules see it.
                if in_pu_transitively(i) {
                    let key = Key::User(dom.clone(), o.sam.to_lowercase());
                    if names::sam_name(&o.sam, 16).is_ok() {
                        push_note(
                            &mut imp.notes,
                            key,
                            "the computer account of a host, listed because it is in Protected Users",
                        );
                        users.push(user_entry(
                            o,
                            o.sam.clone(),
                            dom,
                            AccountKind::Computer,
                            member_of(i),
                            in_pu_directly(i),
                        ));
                    }
                }
            }
        }
    }
    if dropped_local > 0 {
        imp.skipped.push(format!(
            "{dropped_local} members of local Administrators or Remote Desktop Users groups that are not imported accounts or groups"
        ));
    }

    for (dom, os) in pdc_os {
        if let Some(d) = domains.get_mut(&dom) {
            d.pdc_emulator_os = Some(os);
        }
    }
    let inv = &mut imp.inventory;
    inv.domains = domains.into_values().collect();
    inv.trusts = trusts.into_values().collect();
    inv.hosts = hosts;
    inv.users = users;
    inv.groups = groups;
    sort(inv);
    imp
}

fn user_entry(
    o: &DirObject,
    name: String,
    domain: String,
    kind: AccountKind,
    member_of: Vec<Spanned<String>>,
    protected_users: bool,
) -> RawUser {
    let etypes = if o.des_only {
        Some(vec![EncryptionType::Des])
    } else {
        o.etypes.map(|bits| {
            let mut v = Vec::new();
            if bits & 0x3 != 0 {
                v.push(EncryptionType::Des);
            }
            if bits & 0x4 != 0 {
                v.push(EncryptionType::Rc4);
            }
            if bits & 0x8 != 0 {
                v.push(EncryptionType::Aes128);
            }
            if bits & 0x10 != 0 {
                v.push(EncryptionType::Aes256);
            }
            v
        })
    };
    RawUser {
        name: sp(name),
        domain: sp(domain),
        kind,
        roles: Vec::new(),
        member_of,
        protected_users,
        etypes,
        delegation: if o.unconstrained {
            Delegation::Unconstrained
        } else if o.constrained {
            Delegation::Constrained
        } else {
            Delegation::None
        },
        not_delegated: o.not_delegated,
        aes_keys: true,
        builtin_admin: None,
        enabled: None,
        entra_synced: None,
    }
}

/// Sorts every list of an inventory the way the writer prints it.
pub fn sort(inv: &mut RawInventory) {
    let lc = |s: &Spanned<String>| s.get_ref().to_lowercase();
    inv.domains.sort_by_key(|d| lc(&d.dns));
    inv.trusts
        .sort_by_key(|t| (lc(&t.trusting), lc(&t.trusted)));
    inv.hosts.sort_by_key(|h| lc(&h.name));
    inv.users.sort_by_key(|u| (lc(&u.domain), lc(&u.name)));
    inv.groups.sort_by_key(|g| (lc(&g.domain), lc(&g.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_systems() {
        let f = |os: &str, v: Option<&str>| map_os(Some(os), v).map(|(f, b, _)| (f, b));
        assert_eq!(
            f("Windows 10 Enterprise", Some("10.0 (19045)")),
            Ok((OsFamily::Windows10, Some(19045)))
        );
        assert_eq!(
            f("Windows 10 Pro", Some("10.0 (22631)")),
            Ok((OsFamily::Windows11, Some(22631)))
        );
        assert_eq!(
            f("Windows Server 2008 R2 Enterprise", Some("6.1 (7601)")),
            Ok((OsFamily::Server2008R2, None))
        );
        assert_eq!(
            f("Windows Server Standard", Some("10.0 (17763)")),
            Ok((OsFamily::Server2019, None))
        );
        assert_eq!(f("Windows 8.1 Pro", None), Ok((OsFamily::Windows81, None)));
        assert_eq!(
            f("Windows 10 Enterprise Evaluation", None),
            Ok((OsFamily::Windows10, Some(10240)))
        );
        assert!(f("Samba", Some("4.17.12-Debian")).is_err());
        assert!(f("Windows Whatever", Some("5.2 (3790)")).is_err());
        // Domain controllers older than Windows Server 2008 (PU-OLD-DC-PASSWORD).
        assert_eq!(
            f("Windows Server 2003", Some("5.2 (3790)")),
            Ok((OsFamily::Server2003, None))
        );
        assert_eq!(
            f("Windows Server® 2003 R2 Enterprise", None),
            Ok((OsFamily::Server2003, None))
        );
        assert_eq!(
            f("Windows 2000 Server", Some("5.0 (2195)")),
            Ok((OsFamily::Server2000, None))
        );
        assert!(map_os(None, None).is_err());
    }
}
