//! Validating and resolving each kind of entry: domains and trusts, groups, users, hosts, paths.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::lookup::{Selectors, build_reverse_index};
use super::messages::shown;
use super::resolve::{Resolver, lc};
use crate::inventory::closure::Nesting;
use crate::inventory::model::*;
use crate::inventory::raw::*;
use crate::names;

impl Resolver {
    /// Domains, forests and trusts.
    pub(super) fn domains(&mut self, raw_domains: &[RawDomain], raw_trusts: &[RawTrust]) {
        self.domains.reserve(raw_domains.len());
        for d in raw_domains {
            self.check_name(&d.dns, "domain DNS name", names::dns_name);
            self.check_name(&d.netbios, "NetBIOS domain name", names::netbios_name);
            let id = self.domains.len() as DomainId;
            let mut keys = vec![lc(d.dns.get_ref())];
            if lc(d.netbios.get_ref()) != keys[0] {
                keys.push(lc(d.netbios.get_ref()));
            }
            for key in keys {
                if self.index.domains.insert(key.clone(), id).is_some() {
                    self.err(
                        d.dns.span(),
                        format!("domain `{}` is declared twice", shown(&key)),
                        "give each domain a unique DNS and NetBIOS name",
                    );
                }
            }
            self.domains.push(Domain {
                dns: d.dns.get_ref().clone(),
                netbios: d.netbios.get_ref().clone(),
                functional_level: d.functional_level,
                forest: id,
                dc_os: d.dc_os.clone(),
                pdc_emulator_os: d.pdc_emulator_os,
                administered: d.administered.unwrap_or(true),
                entra_synced: d.entra_synced,
                at: Pos::default(),
            });
            self.spans.domains.push(d.dns.span());
        }
        // Forests: a domain joins the forest its `forest` key names, and parent-child and tree-root trusts join
        // their two domains into one forest.
        let mut forests = UnionFind::new(self.domains.len());
        let mut named_root = vec![false; self.domains.len()];
        for (i, d) in raw_domains.iter().enumerate() {
            if let Some(f) = &d.forest
                && let Some(root) = self.domain_ref(f, "the forest of this domain")
            {
                named_root[root as usize] = true;
                forests.union(i, root as usize);
            }
        }

        self.trusts.reserve(raw_trusts.len());
        let mut seen_trusts = HashSet::new();
        for t in raw_trusts {
            let a = self.domain_ref(&t.trusting, "the trust");
            let b = self.domain_ref(&t.trusted, "the trust");
            let (Some(a), Some(b)) = (a, b) else { continue };
            if a == b {
                self.err(
                    t.trusted.span(),
                    format!(
                        "domain `{}` is set to trust itself",
                        shown(t.trusting.get_ref())
                    ),
                    "a domain always trusts its own accounts: remove this trust or correct `trusted`",
                );
                continue;
            }
            if !seen_trusts.insert((a.min(b), a.max(b))) {
                self.err(
                    t.trusting.span(),
                    format!(
                        "a trust between `{}` and `{}` is declared twice",
                        shown(t.trusting.get_ref()),
                        shown(t.trusted.get_ref())
                    ),
                    "merge the two entries into one (use direction = \"two-way\")",
                );
            }
            if matches!(t.kind, TrustKind::ParentChild | TrustKind::TreeRoot) {
                forests.union(a as usize, b as usize);
                if t.direction == TrustDirection::OneWay || t.transitive == Some(false) {
                    self.err(
                        t.trusting.span(),
                        format!(
                            "a {} trust is always two-way and transitive",
                            trust_kind_name(t.kind)
                        ),
                        "set direction = \"two-way\" (a one-way trust inside a forest does not exist in AD)",
                    );
                }
            }
            if t.kind == TrustKind::External && t.transitive == Some(true) {
                self.err(
                    t.trusting.span(),
                    "an external trust is never transitive",
                    "remove `transitive = true`, or use type = \"forest\" between two forest roots",
                );
            }
            let transitive = t.transitive.unwrap_or(match t.kind {
                TrustKind::External | TrustKind::Realm => false,
                TrustKind::ParentChild
                | TrustKind::TreeRoot
                | TrustKind::Forest
                | TrustKind::Shortcut => true,
            });
            self.trusts.push(Trust {
                trusting: a,
                trusted: b,
                direction: t.direction,
                kind: t.kind,
                transitive,
                selective_auth: t.selective_auth,
                sid_filtering: t.sid_filtering,
                at: Pos::default(),
            });
            self.spans.trusts.push(t.trusting.span());
        }
        self.forest_roots(&mut forests, &named_root);
        // Domains of other forests than the first domain's are partners' unless `administered = true`.
        for (i, d) in raw_domains.iter().enumerate() {
            if d.administered.is_none() && self.domains[i].forest != self.domains[0].forest {
                self.domains[i].administered = false;
            }
        }
    }

    /// The root of each forest: the domain a `forest` key names, else the one with the fewest DNS labels; then
    /// whether each trust fits the forests it joins.
    fn forest_roots(&mut self, forests: &mut UnionFind, named_root: &[bool]) {
        let mut roots: HashMap<usize, DomainId> = HashMap::new();
        for i in 0..self.domains.len() {
            let set = forests.find(i);
            let labels = |id: DomainId| self.domains[id as usize].dns.split('.').count();
            let candidate = i as DomainId;
            match roots.get(&set).copied() {
                None => {
                    roots.insert(set, candidate);
                }
                Some(cur) => {
                    let better = match (named_root[i], named_root[cur as usize]) {
                        (true, false) => true,
                        (false, true) => false,
                        (true, true) => {
                            let (d, other) = (&self.domains[i], &self.domains[cur as usize]);
                            let message = format!(
                                "domains `{}` and `{}` are joined into one forest but both are named as forest roots",
                                shown(&d.dns),
                                shown(&other.dns)
                            );
                            self.err(
                                self.spans.domains[i].clone(),
                                message,
                                "give every domain of a forest the same `forest` (the DNS name of its root domain)",
                            );
                            false
                        }
                        (false, false) => labels(candidate) < labels(cur),
                    };
                    if better {
                        roots.insert(set, candidate);
                    }
                }
            }
        }
        for i in 0..self.domains.len() {
            self.domains[i].forest = roots[&forests.find(i)];
        }
        for i in 0..self.trusts.len() {
            let t = &self.trusts[i];
            let (fa, fb) = (
                self.domains[t.trusting as usize].forest,
                self.domains[t.trusted as usize].forest,
            );
            let what = match t.kind {
                TrustKind::Forest if fa != t.trusting || fb != t.trusted || fa == fb => {
                    Some("a forest trust joins the root domains of two different forests")
                }
                TrustKind::Shortcut if fa != fb => {
                    Some("a shortcut trust joins two domains of the same forest")
                }
                TrustKind::External if fa == fb => {
                    Some("an external trust joins domains of two different forests")
                }
                _ => None,
            };
            if let Some(what) = what {
                let message = format!(
                    "the {} trust between `{}` and `{}` does not fit the forests: {what}",
                    trust_kind_name(t.kind),
                    shown(&self.domains[t.trusting as usize].dns),
                    shown(&self.domains[t.trusted as usize].dns)
                );
                self.err(
                    self.spans.trusts[i].clone(),
                    message,
                    "correct `type`, or the domains' `forest` keys (a domain without one is a forest root, unless a \
                     parent-child or tree-root trust joins it to another)",
                );
            }
        }
    }

    /// Groups (two passes: declare, then resolve nesting) and the closure of their nesting.
    pub(super) fn groups(&mut self, raw: &[RawGroup]) {
        self.groups.reserve(raw.len());
        self.index.groups = NameTable::with_capacity(raw.len());
        let mut homes = Vec::with_capacity(raw.len());
        for g in raw {
            let Some(domain) = self.declare(&g.name, &g.domain, true, 256) else {
                homes.push(None);
                continue;
            };
            let id = self.groups.len() as GroupId;
            homes.push(Some(id));
            self.groups.push(Group {
                name: g.name.get_ref().clone(),
                domain,
                member_of: Vec::new(),
                roles: g.roles.clone(),
                protected_users: g.protected_users,
                at: Pos::default(),
            });
            self.spans.groups.push(g.name.span().start);
            let groups = &self.groups;
            self.index
                .groups
                .insert(id, |i| groups[i as usize].name.as_str());
        }
        for (g, id) in raw.iter().zip(homes) {
            let Some(id) = id else { continue };
            let home = Some(self.groups[id as usize].domain);
            let mut parents = Vec::new();
            for m in &g.member_of {
                if let Some(p) = self.group_ref(m, home) {
                    parents.push(p);
                }
            }
            parents.sort_unstable();
            parents.dedup();
            self.groups[id as usize].member_of = parents;
        }
        // Nesting may be deep and cyclic (legal in AD): condensed once, inherited per component.
        self.nesting = Nesting::new(&self.groups);
        self.nesting.inherit(&mut self.groups);
    }

    /// A batch of users, in file order.
    pub(super) fn users(&mut self, raw: Vec<RawUser>) {
        self.users.reserve(raw.len());
        for u in raw {
            let max = if u.kind == AccountKind::Computer {
                16
            } else {
                20
            };
            let Some(domain) = self.declare(&u.name, &u.domain, false, max) else {
                continue;
            };
            let mut direct = Vec::new();
            for m in &u.member_of {
                if let Some(g) = self.group_ref(m, Some(domain)) {
                    direct.push(g);
                }
            }
            let all = self.nesting.expand(&direct);
            let mut roles = u.roles;
            roles.extend(
                all.iter()
                    .flat_map(|g| self.groups[*g as usize].roles.iter().copied()),
            );
            roles.sort_unstable();
            roles.dedup();
            let protected_users =
                u.protected_users || all.iter().any(|g| self.groups[*g as usize].protected_users);
            let etypes = u.etypes.unwrap_or_else(|| {
                vec![
                    EncryptionType::Aes256,
                    EncryptionType::Aes128,
                    EncryptionType::Rc4,
                ]
            });
            // Not given: an account named Administrator is taken to be the built-in one (RID 500).
            let builtin_admin = u
                .builtin_admin
                .unwrap_or_else(|| crate::inventory::same_name(u.name.get_ref(), "Administrator"));
            self.spans.users.push(u.name.span().start);
            let id = self.users.len() as UserId;
            self.users.push(User {
                name: u.name.into_inner(),
                domain,
                kind: u.kind,
                roles: self.lists.user_roles(&roles),
                groups: self.lists.groups(&all),
                protected_users,
                etypes: self.lists.etypes(&etypes),
                delegation: u.delegation,
                not_delegated: u.not_delegated,
                aes_keys: u.aes_keys,
                builtin_admin,
                builtin_admin_given: u.builtin_admin,
                enabled: u.enabled.unwrap_or(true),
                enabled_given: u.enabled,
                entra_synced: u
                    .entra_synced
                    .or_else(|| self.domains[domain as usize].entra_synced),
                entra_synced_given: u.entra_synced,
                at: Pos::default(),
            });
            let users = &self.users;
            self.index
                .users
                .insert(id, |i| users[i as usize].name.as_str());
        }
    }

    /// A batch of hosts, in file order; every user is known by now.
    pub(super) fn hosts(&mut self, raw: Vec<RawHost>) {
        self.hosts.reserve(raw.len());
        for h in raw {
            self.check_name(&h.name, "host name", names::host_name);
            let id = self.hosts.len() as HostId;
            let hosts = &self.hosts;
            if self
                .index
                .hosts
                .find(h.name.get_ref(), |i| hosts[i as usize].name.as_str())
                .is_some()
            {
                self.err(
                    h.name.span(),
                    format!("host `{}` is declared twice", shown(h.name.get_ref())),
                    "remove one of the two entries or rename one",
                );
            }
            let domain = match (&h.domain, h.join) {
                (Some(d), _) => self.domain_ref(d, "the host"),
                (None, JoinType::Ad | JoinType::Hybrid) => {
                    self.err(
                        h.name.span(),
                        format!(
                            "host `{}` is domain-joined but names no domain",
                            shown(h.name.get_ref())
                        ),
                        "add `domain = \"DNS name\"`, or set the right `join`",
                    );
                    None
                }
                (None, _) => None,
            };
            if let (Some(d), JoinType::Entra | JoinType::Workgroup) = (&h.domain, h.join) {
                self.err(
                    d.span(),
                    format!(
                        "host `{}` is not AD-joined (join = \"{}\") but names a domain",
                        shown(h.name.get_ref()),
                        if h.join == JoinType::Entra {
                            "entra"
                        } else {
                            "workgroup"
                        }
                    ),
                    "remove `domain`, or use join = \"hybrid\" / \"ad\" if it is joined to AD",
                );
            }
            let build = match (h.build, h.os.default_build()) {
                (Some(b), _) => b,
                (None, Some(b)) => b,
                (None, None) => {
                    self.err(
                        h.name.span(),
                        format!(
                            "host `{}` runs Windows 10 or 11 but gives no build",
                            shown(h.name.get_ref())
                        ),
                        "add `build = 19045` (or the host's build: 14393 is 1607, 15063 is 1703)",
                    );
                    0
                }
            };
            let mut tags = Vec::with_capacity(h.tags.len());
            for t in h.tags.iter() {
                self.check_name(t, "tag", names::identifier);
                let key = lc(t.get_ref());
                let list = self.index.tags.entry(key.clone()).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
                tags.push(key);
            }
            let addresses = self.addresses(&h.name, &h.addresses);
            let mut direct = Vec::new();
            for m in &h.member_of {
                if let Some(g) = self.group_ref(m, domain) {
                    direct.push(g);
                }
            }
            let (admin_defaults, rdu_defaults) =
                self.default_local_groups(domain, h.join, &h.roles);
            let administrators =
                self.local_acl(h.administrators.as_deref(), domain, admin_defaults);
            let remote_desktop_users =
                self.local_acl(h.remote_desktop_users.as_deref(), domain, rdu_defaults);
            let rdp_logon_allowed = h.rdp_logon_allowed.as_deref().map(|l| self.acl(l, domain));
            let rdp_logon_denied = self.acl(&h.rdp_logon_denied, domain);
            let allowed_to_authenticate =
                (h.allowed_to_authenticate.as_deref()).map(|l| self.acl(l, domain));
            if h.roles.contains(&HostRole::DomainController)
                && let Some(d) = domain
            {
                self.domains[d as usize].dc_os.push(h.os);
            }
            self.spans.hosts.push(h.name.span().start);
            let groups = self.nesting.expand(&direct);
            let groups = self.lists.groups(&groups);
            self.hosts.push(Host {
                name: h.name.into_inner(),
                domain,
                join: h.join,
                os: Os {
                    family: h.os,
                    build,
                    kb2871997: h.kb2871997,
                },
                roles: self.lists.host_roles(&h.roles),
                tags: self.lists.tags(&tags),
                groups,
                rdp_client: h.rdp_client,
                dc_line_of_sight: h.dc_line_of_sight,
                laps: h.laps,
                rds_vdi: h.rds_vdi,
                device_claims: h.device_claims,
                offline_signin: h.offline_signin,
                azure_vm: h.azure_vm,
                disable_restricted_admin: h.disable_restricted_admin,
                allow_protected_creds: h.allow_protected_creds,
                client_policy: h.client_policy,
                administrators_given: h.administrators.is_some(),
                administrators,
                remote_desktop_users_given: h.remote_desktop_users.is_some(),
                remote_desktop_users,
                rdp_logon_allowed,
                rdp_logon_denied,
                addresses,
                enabled: h.enabled.unwrap_or(true),
                enabled_given: h.enabled,
                allowed_to_authenticate,
                client_policy_source: h.client_policy_source,
                at: Pos::default(),
            });
            let hosts = &self.hosts;
            self.index
                .hosts
                .insert(id, |i| hosts[i as usize].name.as_str());
        }
    }

    /// A host's addresses and subnets; each one that is not an address is reported where it is written.
    fn addresses(
        &mut self,
        host: &Spanned<String>,
        list: &[Spanned<String>],
    ) -> Box<[crate::inventory::address::Subnet]> {
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            match crate::inventory::address::Subnet::parse(a.get_ref().trim()) {
                Ok(s) => out.push(s),
                Err(why) => self.err(
                    a.span(),
                    format!(
                        "host `{}` has address `{}`: {why}",
                        shown(host.get_ref()),
                        shown(a.get_ref())
                    ),
                    "write an IPv4 or IPv6 address (`10.0.0.5`) or a subnet (`10.0.1.0/24`)",
                ),
            }
        }
        out.sort_unstable();
        out.dedup();
        out.into_boxed_slice()
    }

    /// The groups Active Directory puts in a host's local Administrators and Remote Desktop Users, among those
    /// the inventory declares: the domain's Domain Admins on every domain-joined host; on a domain controller,
    /// whose local groups are the domain's built-in groups, also Administrators and Enterprise Admins (of the
    /// forest root), and Remote Desktop Users.
    fn default_local_groups(
        &self,
        domain: Option<DomainId>,
        join: JoinType,
        roles: &[HostRole],
    ) -> (Vec<GroupId>, Vec<GroupId>) {
        let Some(d) = domain.filter(|_| matches!(join, JoinType::Ad | JoinType::Hybrid)) else {
            return (Vec::new(), Vec::new());
        };
        let group = |name: &str, dom: DomainId| -> Option<GroupId> {
            self.index
                .groups
                .find_all(name, |i| self.groups[i as usize].name.as_str())
                .into_iter()
                .find(|g| self.groups[*g as usize].domain == dom)
        };
        let mut admins: Vec<GroupId> = group("Domain Admins", d).into_iter().collect();
        let mut rdu = Vec::new();
        if roles.contains(&HostRole::DomainController) {
            let root = self.domains[d as usize].forest;
            admins.extend(group("Administrators", d));
            admins.extend(group("Enterprise Admins", root));
            rdu.extend(group("Remote Desktop Users", d));
        }
        (admins, rdu)
    }

    /// The interned access control list of a host's local group: the members given (none when not given) and
    /// the groups Active Directory puts there.
    fn local_acl(
        &mut self,
        list: Option<&[Spanned<String>]>,
        home: Option<DomainId>,
        defaults: Vec<GroupId>,
    ) -> AclId {
        let mut ps: Vec<Principal> = list
            .unwrap_or_default()
            .iter()
            .filter_map(|s| self.principal_ref(s, home))
            .collect();
        ps.extend(defaults.into_iter().map(Principal::Group));
        ps.sort_unstable();
        ps.dedup();
        self.intern_acl(ps)
    }

    /// The interned access control list of a host's local group.
    fn acl(&mut self, list: &[Spanned<String>], home: Option<DomainId>) -> AclId {
        let mut ps: Vec<Principal> = list
            .iter()
            .filter_map(|s| self.principal_ref(s, home))
            .collect();
        ps.sort_unstable();
        ps.dedup();
        self.intern_acl(ps)
    }

    /// Paths, once every host and user is resolved.
    pub(super) fn paths(&mut self, raw: &[RawPath]) {
        build_reverse_index(
            &mut self.index,
            self.domains.len(),
            self.groups.len(),
            &self.hosts,
            &self.users,
        );
        let mut paths = Vec::with_capacity(raw.len());
        let mut path_index = HashMap::new();
        let mut errors = Vec::new();
        let selectors = Selectors {
            index: &self.index,
            hosts: &self.hosts,
            users: &self.users,
            groups: &self.groups,
        };
        let mut err = |span: Span, message: String, help: &str| {
            errors.push((span, message, help.to_string()));
        };
        for p in raw {
            if let Err(why) = names::identifier(p.name.get_ref()) {
                err(
                    p.name.span(),
                    format!(
                        "path name `{}` is not valid: it {why}",
                        shown(p.name.get_ref())
                    ),
                    "rename the path name to a valid name",
                );
            }
            let id = paths.len() as PathId;
            if path_index.insert(lc(p.name.get_ref()), id).is_some() {
                err(
                    p.name.span(),
                    format!("path `{}` is declared twice", shown(p.name.get_ref())),
                    "give each path a unique name",
                );
            }
            let mut expand_hosts = |list: &[Spanned<String>], key: &str, required: bool| {
                if required && list.is_empty() {
                    err(
                        p.name.span(),
                        format!("path `{}` has an empty `{key}`", shown(p.name.get_ref())),
                        &format!("list at least one selector in `{key}`"),
                    );
                }
                let find = |s: &str| selectors.hosts(s);
                expand(list, find, "host", HOST_SELECTOR_HELP, &mut err)
            };
            let from = expand_hosts(&p.from, "from", true);
            let to = expand_hosts(&p.to, "to", true);
            let hops = expand_hosts(&p.hops, "hops", false);
            if p.who.is_empty() {
                err(
                    p.name.span(),
                    format!("path `{}` has an empty `who`", shown(p.name.get_ref())),
                    "list at least one user selector in `who`",
                );
            }
            let find = |s: &str| selectors.users(s);
            let mut who = expand(&p.who, find, "user", USER_SELECTOR_HELP, &mut err);
            // A disabled account signs in nowhere: it connects over no path.
            who.retain(|u| self.users.get(*u as usize).is_none_or(|u| u.enabled));
            if let Some(h) = p.session_hours
                && !(h.is_finite() && h > 0.0 && h <= 24.0 * 366.0)
            {
                err(
                    p.name.span(),
                    format!("path `{}` has session_hours = {h}", shown(p.name.get_ref())),
                    "give the expected session length in hours, greater than 0",
                );
            }
            let texts = |l: &[Spanned<String>]| l.iter().map(|s| s.get_ref().clone()).collect();
            paths.push(AccessPath {
                name: p.name.get_ref().clone(),
                purpose: p.purpose,
                who,
                from,
                to,
                hops,
                credentials: p.credentials,
                network_as_user: p.network_as_user,
                session_hours: p.session_hours,
                delegation: p.delegation,
                credssp_sso: p.credssp_sso,
                via: p.via,
                device_claims: p.device_claims,
                note: p.note.clone(),
                selectors: PathSelectors {
                    who: texts(&p.who),
                    from: texts(&p.from),
                    to: texts(&p.to),
                    hops: texts(&p.hops),
                },
                at: Pos::default(),
            });
            self.spans.paths.push(p.name.span().start);
        }
        for (span, message, help) in errors {
            self.err(span, message, help);
        }
        self.index.paths = path_index;
        self.paths = paths;
    }
}

/// Disjoint sets of domains (forests).
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        Self((0..n).collect())
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The ids a list of selectors matches (sorted, unique); a selector that is wrong or matches nothing is
/// reported through `err`.
fn expand(
    list: &[Spanned<String>],
    find: impl Fn(&str) -> Result<Vec<u32>, String>,
    noun: &str,
    help: &str,
    err: &mut impl FnMut(Span, String, &str),
) -> Vec<u32> {
    let mut out = Vec::new();
    for s in list {
        match find(s.get_ref()) {
            Ok(found) if found.is_empty() => err(
                s.span(),
                format!("selector `{}` matches no {noun}", shown(s.get_ref())),
                help,
            ),
            Ok(found) => out.extend(found),
            Err(why) => err(s.span(), why, help),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Correct selectors for hosts.
const HOST_SELECTOR_HELP: &str = "correct the selector (host:NAME, tag:TAG, group:NAME, role:ROLE, domain:DNS, os:OS, build:<NUMBER, join:JOIN, rdp-client:APP or *)";
/// Correct selectors for users.
const USER_SELECTOR_HELP: &str =
    "correct the selector (user:NAME, group:NAME, role:ROLE, domain:DNS or *)";

/// The word used in the file for a trust type.
pub fn trust_kind_name(kind: TrustKind) -> &'static str {
    match kind {
        TrustKind::ParentChild => "parent-child",
        TrustKind::TreeRoot => "tree-root",
        TrustKind::Forest => "forest",
        TrustKind::External => "external",
        TrustKind::Shortcut => "shortcut",
        TrustKind::Realm => "realm",
    }
}
