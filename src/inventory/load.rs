//! Loading: TOML text -> [`RawInventory`] -> validated, resolved [`Inventory`], with every problem reported.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::model::*;
use super::raw::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::names;

/// Name under which the embedded sample is reported.
pub const SAMPLE_NAME: &str = "<embedded sample: contoso.toml>";

/// The embedded sample estate.
pub const SAMPLE_TOML: &str = include_str!("../../assets/contoso.toml");

/// Loads the embedded sample.
pub fn load_sample() -> Result<Inventory, Diagnostics> {
    load_str(SAMPLE_NAME, SAMPLE_TOML)
}

/// Reads and loads an inventory file.
pub fn load_file(path: &std::path::Path) -> Result<Inventory, Diagnostics> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::file(
            &name,
            format!("cannot read the inventory: {e}"),
            Some("check the path and the file's permissions".into()),
        )])
    })?;
    load_bytes(&name, bytes)
}

/// Loads an inventory from the bytes of a file; text that is not UTF-8 is reported at its first bad byte.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Inventory, Diagnostics> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let src = SourceFile::new(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
        Diagnostics(vec![Diagnostic::at(
            &src,
            offset..offset + 1,
            "the file is not valid UTF-8",
            Some("save the inventory as UTF-8".into()),
        )])
    })?;
    // The text moves into the shared copy the inventory keeps, so the file is held once while parsing.
    let text: std::sync::Arc<str> = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.into(),
        None => text.into(),
    };
    load_shared(SourceFile::new(name, text))
}

/// Loads an inventory from text; `name` is used in messages.
pub fn load_str(name: &str, text: &str) -> Result<Inventory, Diagnostics> {
    // A byte order mark is legal in a UTF-8 file but not in TOML; editors on Windows write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    load_shared(SourceFile::new(name, text))
}

fn load_shared(src: SourceFile) -> Result<Inventory, Diagnostics> {
    let text = &*src.text.clone();
    // Fast path: a valid file is deserialized in one go (a 100,000-host estate must load quickly).
    let raw: RawInventory = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(first) => {
            let mut errors = shape_errors(&src, text);
            if errors.is_empty() {
                errors.push(toml_error(&src, &first));
            }
            return Err(finish(errors));
        }
    };
    resolve(raw, src)
}

/// Where the value of the top-level `version` key is (only asked when it is wrong).
fn version_span(text: &str) -> Option<Span> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    doc.get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "version")
        .map(|(_, v)| v.span())
}

/// Sorts diagnostics by position and drops repeats.
fn finish(mut errors: Vec<Diagnostic>) -> Diagnostics {
    errors.sort_by(|a, b| (a.line, a.col, &a.message).cmp(&(b.line, b.col, &b.message)));
    errors.dedup();
    Diagnostics(errors)
}

/// Slow path for a file that did not deserialize: parse the document once, then deserialize each entry on its
/// own so that every entry with a wrong type, an unknown or a missing key is reported, not only the first.
fn shape_errors(src: &SourceFile, text: &str) -> Vec<Diagnostic> {
    use serde::Deserialize;
    use toml::de::{DeTable, DeValue, ValueDeserializer};

    fn one<'i, T: Deserialize<'i>>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let span = value.span();
        if let Err(e) = T::deserialize(ValueDeserializer::from(value)) {
            let mut d = toml_error(src, &e);
            if e.span().is_none() {
                d = Diagnostic::at(src, span, d.message, d.help);
            }
            errors.push(d);
        }
    }
    /// One entry: every unknown key is reported, then the rest is deserialized for its first other problem.
    fn entry<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        known: &[String],
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            return one::<T>(src, value, errors);
        };
        let unknown: Vec<_> = table
            .keys()
            .filter(|k| !known.iter().any(|f| f == k.get_ref()))
            .cloned()
            .collect();
        if unknown.is_empty() || known.is_empty() {
            return one::<T>(src, value, errors);
        }
        let expected = known
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rest = table.clone();
        for key in &unknown {
            let help = match closest(key.get_ref(), known) {
                Some(near) => format!("did you mean `{near}`? {HELP_UNKNOWN}"),
                None => HELP_UNKNOWN.to_string(),
            };
            errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown field `{}`, expected one of {expected}",
                    shown(key.get_ref())
                ),
                Some(help),
            ));
            rest.remove(key);
        }
        one::<T>(
            src,
            Spanned::new(value.span(), DeValue::Table(rest)),
            errors,
        );
    }
    fn entries<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let schema = schemars::schema_for!(T);
        let mut known: Vec<String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        known.sort();
        match value.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    entry::<T>(src, &known, item.clone(), errors);
                }
            }
            _ => one::<Vec<T>>(src, value, errors),
        }
    }

    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => return vec![toml_error(src, &e)],
    };
    let mut errors = Vec::new();
    let mut has_version = false;
    for (key, value) in doc.into_inner() {
        match key.get_ref().as_ref() {
            "version" => {
                has_version = true;
                one::<u32>(src, value, &mut errors);
            }
            "description" => one::<String>(src, value, &mut errors),
            "domain" => entries::<RawDomain>(src, value, &mut errors),
            "trust" => entries::<RawTrust>(src, value, &mut errors),
            "host" => entries::<RawHost>(src, value, &mut errors),
            "user" => entries::<RawUser>(src, value, &mut errors),
            "group" => entries::<RawGroup>(src, value, &mut errors),
            "path" => entries::<RawPath>(src, value, &mut errors),
            other => errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown top-level key `{}`, expected one of `version`, `description`, `domain`, `trust`, \
                     `host`, `user`, `group`, `path`",
                    shown(other)
                ),
                Some(HELP_UNKNOWN.into()),
            )),
        }
    }
    if !has_version {
        errors.push(Diagnostic::at(
            src,
            0..0,
            "missing key `version`",
            Some("add `version = 1` at the top of the file".into()),
        ));
    }
    errors
}

/// The known key nearest to a misspelt one (at most two edits away).
fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let key: Vec<char> = key.chars().take(64).collect();
    known
        .iter()
        .map(|k| (edit_distance(&key, &k.chars().collect::<Vec<_>>()), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

const HELP_UNKNOWN: &str = "remove the key or correct its spelling (the JSON Schema from `guardplan schema` lists every key)";

/// A name as quoted in a message: escaped (no raw control or right-to-left characters reach the terminal) and
/// cut short when very long.
pub fn shown(name: &str) -> String {
    const MAX: usize = 60;
    let mut out = sanitize(&name.chars().take(MAX).collect::<String>());
    if name.chars().nth(MAX).is_some() {
        out.push_str("...");
    }
    out
}

/// Writes control, invisible and right-to-left characters as `\u{..}` so that they cannot disguise a message.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || names::is_invisible_or_bidi(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Turns a `toml` error into a diagnostic at its position.
pub fn toml_error(src: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_string();
    let help = if message.starts_with("unknown field") {
        HELP_UNKNOWN.to_string()
    } else if message.starts_with("missing field") {
        "add the key; `guardplan schema` shows what each entry needs".to_string()
    } else if message.starts_with("invalid type") || message.starts_with("unknown variant") {
        "give a value of the expected type; `guardplan schema` lists the allowed values".to_string()
    } else if message.starts_with("invalid value") {
        "give a number in the allowed range (whole, not negative)".to_string()
    } else if message.contains("recursion limit") {
        "the inventory never nests arrays or tables this deeply: remove the nesting".to_string()
    } else {
        "fix the TOML syntax at this position".to_string()
    };
    Diagnostic::at(src, span, shorten_message(&sanitize(&message)), Some(help))
}

/// Keeps a message readable when it quotes a huge value.
fn shorten_message(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        return message.to_string();
    }
    let mut out: String = message.chars().take(MAX).collect();
    out.push_str("...");
    out
}

struct Resolver {
    src: SourceFile,
    errors: Vec<Diagnostic>,
}

impl Resolver {
    fn err(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        let message = shorten_message(&sanitize(&message.into()));
        self.errors
            .push(Diagnostic::at(&self.src, span, message, Some(help.into())));
    }

    fn check_name(
        &mut self,
        name: &Spanned<String>,
        what: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) {
        if let Err(why) = check(name.get_ref()) {
            self.err(
                name.span(),
                format!("{what} `{}` is not valid: it {why}", shown(name.get_ref())),
                format!("rename the {what} to a valid name"),
            );
        }
    }
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

/// Validates and resolves a parsed inventory.
pub fn resolve(raw: RawInventory, src: SourceFile) -> Result<Inventory, Diagnostics> {
    let mut r = Resolver {
        src: src.clone(),
        errors: Vec::new(),
    };
    if raw.version != 1 {
        let span = version_span(&src.text).unwrap_or(0..0);
        r.err(
            span,
            format!("unsupported inventory version {}", raw.version),
            "this guardplan reads `version = 1`: set it, or use the guardplan release that wrote the file",
        );
    }
    let mut index = Index::default();

    // Domains.
    let mut domains = Vec::with_capacity(raw.domains.len());
    for d in &raw.domains {
        r.check_name(&d.dns, "domain DNS name", names::dns_name);
        r.check_name(&d.netbios, "NetBIOS domain name", names::netbios_name);
        let id = domains.len() as DomainId;
        let mut keys = vec![lc(d.dns.get_ref())];
        if lc(d.netbios.get_ref()) != keys[0] {
            keys.push(lc(d.netbios.get_ref()));
        }
        for key in keys {
            if index.domains.insert(key.clone(), id).is_some() {
                r.err(
                    d.dns.span(),
                    format!("domain `{}` is declared twice", shown(&key)),
                    "give each domain a unique DNS and NetBIOS name",
                );
            }
        }
        domains.push(Domain {
            dns: d.dns.get_ref().clone(),
            netbios: d.netbios.get_ref().clone(),
            functional_level: d.functional_level,
            forest: id,
            dc_os: d.dc_os.clone(),
            pdc_emulator_os: d.pdc_emulator_os,
            span: d.dns.span(),
        });
    }
    let domain_ref = |r: &mut Resolver, s: &Spanned<String>, what: &str| -> Option<DomainId> {
        match index.domains.get(&lc(s.get_ref())) {
            Some(id) => Some(*id),
            None => {
                r.err(
                    s.span(),
                    format!(
                        "{what} refers to the unknown domain `{}`",
                        shown(s.get_ref())
                    ),
                    "declare the domain in a [[domain]] entry, or correct the name",
                );
                None
            }
        }
    };
    // Forests: a domain joins the forest its `forest` key names, and parent-child and tree-root trusts join
    // their two domains into one forest.
    let mut forests = UnionFind::new(domains.len());
    let mut named_root = vec![false; domains.len()];
    for (i, d) in raw.domains.iter().enumerate() {
        if let Some(f) = &d.forest
            && let Some(root) = domain_ref(&mut r, f, "the forest of this domain")
        {
            named_root[root as usize] = true;
            forests.union(i, root as usize);
        }
    }

    // Trusts.
    let mut trusts = Vec::with_capacity(raw.trusts.len());
    let mut seen_trusts = HashSet::new();
    for t in &raw.trusts {
        let a = domain_ref(&mut r, &t.trusting, "the trust");
        let b = domain_ref(&mut r, &t.trusted, "the trust");
        let (Some(a), Some(b)) = (a, b) else { continue };
        if a == b {
            r.err(
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
            r.err(
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
                r.err(
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
            r.err(
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
        trusts.push(Trust {
            trusting: a,
            trusted: b,
            direction: t.direction,
            kind: t.kind,
            transitive,
            selective_auth: t.selective_auth,
            sid_filtering: t.sid_filtering,
            span: t.trusting.span(),
        });
    }

    // The root of each forest: the domain a `forest` key names, else the one with the fewest DNS labels.
    let mut roots: HashMap<usize, DomainId> = HashMap::new();
    for (i, d) in domains.iter().enumerate() {
        let set = forests.find(i);
        let labels = |id: DomainId| domains[id as usize].dns.split('.').count();
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
                        r.err(
                            d.span.clone(),
                            format!(
                                "domains `{}` and `{}` are joined into one forest but both are named as forest roots",
                                shown(&d.dns),
                                shown(&domains[cur as usize].dns)
                            ),
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
    for i in 0..domains.len() {
        domains[i].forest = roots[&forests.find(i)];
    }
    for t in &trusts {
        let (fa, fb) = (
            domains[t.trusting as usize].forest,
            domains[t.trusted as usize].forest,
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
            r.err(
                t.span.clone(),
                format!(
                    "the {} trust between `{}` and `{}` does not fit the forests: {what}",
                    trust_kind_name(t.kind),
                    shown(&domains[t.trusting as usize].dns),
                    shown(&domains[t.trusted as usize].dns)
                ),
                "correct `type`, or the domains' `forest` keys (a domain without one is a forest root, unless a \
                 parent-child or tree-root trust joins it to another)",
            );
        }
    }

    // Groups (two passes: declare, then resolve nesting).
    let mut groups = Vec::with_capacity(raw.groups.len());
    let mut group_names: HashMap<String, Vec<GroupId>> = HashMap::new();
    for g in &raw.groups {
        r.check_name(&g.name, "group name", |s| names::sam_name(s, 256));
        let Some(domain) = domain_ref(&mut r, &g.domain, "the group") else {
            continue;
        };
        let id = groups.len() as GroupId;
        let key = format!(
            "{}\\{}",
            lc(&domains[domain as usize].netbios),
            lc(g.name.get_ref())
        );
        if index.groups.insert(key, id).is_some() {
            r.err(
                g.name.span(),
                format!(
                    "group `{}` is declared twice in its domain",
                    shown(g.name.get_ref())
                ),
                "remove one of the two entries or rename one",
            );
        }
        group_names
            .entry(lc(g.name.get_ref()))
            .or_default()
            .push(id);
        groups.push(Group {
            name: g.name.get_ref().clone(),
            domain,
            member_of: Vec::new(),
            roles: g.roles.clone(),
            protected_users: g.protected_users,
            span: g.name.span(),
        });
    }
    let group_ref = |r: &mut Resolver,
                     groups: &[Group],
                     s: &Spanned<String>,
                     home: Option<DomainId>|
     -> Option<GroupId> {
        let found = lookup_principal(s.get_ref(), home, &index.domains, &group_names, |id| {
            groups[id as usize].domain
        });
        match found {
            Ok(id) => Some(id),
            Err(Ambiguity::Missing) => {
                r.err(
                    s.span(),
                    format!("unknown group `{}`", shown(s.get_ref())),
                    "declare it in a [[group]] entry, or correct the name (NAME or NETBIOS\\NAME)",
                );
                None
            }
            Err(Ambiguity::Many) => {
                r.err(
                    s.span(),
                    format!(
                        "group name `{}` exists in several domains",
                        shown(s.get_ref())
                    ),
                    "qualify it as NETBIOS\\NAME",
                );
                None
            }
        }
    };
    {
        let mut gi = 0usize;
        for g in &raw.groups {
            if !index.domains.contains_key(&lc(g.domain.get_ref())) {
                continue;
            }
            let home = Some(groups[gi].domain);
            let mut parents = Vec::new();
            for m in &g.member_of {
                if let Some(p) = group_ref(&mut r, &groups, m, home) {
                    parents.push(p);
                }
            }
            parents.sort_unstable();
            parents.dedup();
            groups[gi].member_of = parents;
            gi += 1;
        }
    }
    // Transitive closure of group nesting (cycles are legal in AD and simply close).
    let closure: Vec<Vec<GroupId>> = (0..groups.len())
        .map(|g| {
            let mut seen = vec![g as GroupId];
            let mut stack = groups[g].member_of.clone();
            while let Some(p) = stack.pop() {
                if !seen.contains(&p) {
                    seen.push(p);
                    stack.extend(groups[p as usize].member_of.iter().copied());
                }
            }
            seen.sort_unstable();
            seen
        })
        .collect();
    for g in 0..groups.len() {
        let (pu, mut roles) = closure[g]
            .iter()
            .fold((false, Vec::new()), |(pu, mut roles), p| {
                roles.extend(groups[*p as usize].roles.iter().copied());
                (pu || groups[*p as usize].protected_users, roles)
            });
        roles.sort_unstable();
        roles.dedup();
        groups[g].protected_users = pu;
        groups[g].roles = roles;
    }
    let expand_groups = |direct: &[GroupId]| -> Vec<GroupId> {
        let mut all: Vec<GroupId> = direct
            .iter()
            .flat_map(|g| closure[*g as usize].iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    };

    // Users.
    let mut users = Vec::with_capacity(raw.users.len());
    let mut user_names: HashMap<String, Vec<UserId>> = HashMap::new();
    for u in &raw.users {
        let max = if u.kind == AccountKind::Computer {
            16
        } else {
            20
        };
        r.check_name(&u.name, "account name", |s| names::sam_name(s, max));
        let Some(domain) = domain_ref(&mut r, &u.domain, "the user") else {
            continue;
        };
        let id = users.len() as UserId;
        let key = format!(
            "{}\\{}",
            lc(&domains[domain as usize].netbios),
            lc(u.name.get_ref())
        );
        if index.users.insert(key, id).is_some() {
            r.err(
                u.name.span(),
                format!(
                    "user `{}` is declared twice in its domain",
                    shown(u.name.get_ref())
                ),
                "remove one of the two entries or rename one",
            );
        }
        user_names.entry(lc(u.name.get_ref())).or_default().push(id);
        let mut direct = Vec::new();
        for m in &u.member_of {
            if let Some(g) = group_ref(&mut r, &groups, m, Some(domain)) {
                direct.push(g);
            }
        }
        let all = expand_groups(&direct);
        let mut roles = u.roles.clone();
        roles.extend(
            all.iter()
                .flat_map(|g| groups[*g as usize].roles.iter().copied()),
        );
        roles.sort_unstable();
        roles.dedup();
        let protected_users =
            u.protected_users || all.iter().any(|g| groups[*g as usize].protected_users);
        let etypes = u.etypes.clone().unwrap_or_else(|| {
            vec![
                EncryptionType::Aes256,
                EncryptionType::Aes128,
                EncryptionType::Rc4,
            ]
        });
        users.push(User {
            name: u.name.get_ref().clone(),
            domain,
            kind: u.kind,
            roles,
            groups: all,
            protected_users,
            etypes,
            delegation: u.delegation,
            not_delegated: u.not_delegated,
            span: u.name.span(),
        });
    }

    // Hosts.
    let mut hosts = Vec::with_capacity(raw.hosts.len());
    let mut acls: Vec<Vec<Principal>> = Vec::new();
    let mut acl_ids: HashMap<Vec<Principal>, AclId> = HashMap::new();
    let mut intern = |list: Vec<Principal>| -> AclId {
        let next = acl_ids.len() as AclId;
        *acl_ids.entry(list.clone()).or_insert_with(|| {
            acls.push(list);
            next
        })
    };
    let principal_ref = |r: &mut Resolver,
                         s: &Spanned<String>,
                         home: Option<DomainId>,
                         users: &[User],
                         groups: &[Group]|
     -> Option<Principal> {
        let as_user = lookup_principal(s.get_ref(), home, &index.domains, &user_names, |id| {
            users[id as usize].domain
        });
        let as_group = lookup_principal(s.get_ref(), home, &index.domains, &group_names, |id| {
            groups[id as usize].domain
        });
        match (as_user, as_group) {
            (Ok(u), Err(Ambiguity::Missing)) => Some(Principal::User(u)),
            (Err(Ambiguity::Missing), Ok(g)) => Some(Principal::Group(g)),
            (Err(Ambiguity::Missing), Err(Ambiguity::Missing)) => {
                r.err(
                    s.span(),
                    format!("unknown user or group `{}`", shown(s.get_ref())),
                    "declare it in a [[user]] or [[group]] entry, or correct the name",
                );
                None
            }
            _ => {
                r.err(
                    s.span(),
                    format!("`{}` names more than one user or group", shown(s.get_ref())),
                    "qualify it as NETBIOS\\NAME",
                );
                None
            }
        }
    };
    for h in &raw.hosts {
        r.check_name(&h.name, "host name", names::host_name);
        let id = hosts.len() as HostId;
        if index.hosts.insert(lc(h.name.get_ref()), id).is_some() {
            r.err(
                h.name.span(),
                format!("host `{}` is declared twice", shown(h.name.get_ref())),
                "remove one of the two entries or rename one",
            );
        }
        let domain = match (&h.domain, h.join) {
            (Some(d), _) => domain_ref(&mut r, d, "the host"),
            (None, JoinType::Ad | JoinType::Hybrid) => {
                r.err(
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
            r.err(
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
                r.err(
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
        for t in &h.tags {
            r.check_name(t, "tag", names::identifier);
            let key = lc(t.get_ref());
            let list = index.tags.entry(key.clone()).or_default();
            if list.last() != Some(&id) {
                list.push(id);
            }
            tags.push(key);
        }
        let mut direct = Vec::new();
        for m in &h.member_of {
            if let Some(g) = group_ref(&mut r, &groups, m, domain) {
                direct.push(g);
            }
        }
        let mut acl = |list: &[Spanned<String>], r: &mut Resolver| -> AclId {
            let mut ps: Vec<Principal> = list
                .iter()
                .filter_map(|s| principal_ref(r, s, domain, &users, &groups))
                .collect();
            ps.sort_unstable();
            ps.dedup();
            intern(ps)
        };
        let administrators = acl(&h.administrators, &mut r);
        let remote_desktop_users = acl(&h.remote_desktop_users, &mut r);
        if h.roles.contains(&HostRole::DomainController)
            && let Some(d) = domain
        {
            domains[d as usize].dc_os.push(h.os);
        }
        hosts.push(Host {
            name: h.name.get_ref().clone(),
            domain,
            join: h.join,
            os: Os {
                family: h.os,
                build,
                kb2871997: h.kb2871997,
            },
            roles: h.roles.clone(),
            tags,
            groups: expand_groups(&direct),
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
            administrators,
            remote_desktop_users,
            span: h.name.span(),
        });
    }

    index.user_names = user_names;
    index.group_names = group_names;
    build_reverse_index(&mut index, domains.len(), groups.len(), &hosts, &users);

    // Paths.
    let selectors = Selectors {
        index: &index,
        hosts: &hosts,
        users: &users,
        groups: &groups,
    };
    let mut paths = Vec::with_capacity(raw.paths.len());
    let mut path_index = HashMap::new();
    for p in &raw.paths {
        r.check_name(&p.name, "path name", names::identifier);
        let id = paths.len() as PathId;
        if path_index.insert(lc(p.name.get_ref()), id).is_some() {
            r.err(
                p.name.span(),
                format!("path `{}` is declared twice", shown(p.name.get_ref())),
                "give each path a unique name",
            );
        }
        let mut expand_hosts = |list: &[Spanned<String>], key: &str, required: bool| {
            if required && list.is_empty() {
                r.err(
                    p.name.span(),
                    format!("path `{}` has an empty `{key}`", shown(p.name.get_ref())),
                    format!("list at least one selector in `{key}`"),
                );
            }
            let mut out = Vec::new();
            for s in list {
                match selectors.hosts(s.get_ref()) {
                    Ok(found) if found.is_empty() => r.err(
                        s.span(),
                        format!("selector `{}` matches no host", shown(s.get_ref())),
                        "correct the selector (host:NAME, tag:TAG, group:NAME, role:ROLE, domain:DNS or *)",
                    ),
                    Ok(found) => out.extend(found),
                    Err(why) => r.err(s.span(), why, "correct the selector (host:NAME, tag:TAG, group:NAME, role:ROLE, domain:DNS or *)"),
                }
            }
            out.sort_unstable();
            out.dedup();
            out
        };
        let from = expand_hosts(&p.from, "from", true);
        let to = expand_hosts(&p.to, "to", true);
        let hops = expand_hosts(&p.hops, "hops", false);
        if p.who.is_empty() {
            r.err(
                p.name.span(),
                format!("path `{}` has an empty `who`", shown(p.name.get_ref())),
                "list at least one user selector in `who`",
            );
        }
        let mut who = Vec::new();
        for s in &p.who {
            match selectors.users(s.get_ref()) {
                Ok(found) if found.is_empty() => r.err(
                    s.span(),
                    format!("selector `{}` matches no user", shown(s.get_ref())),
                    "correct the selector (user:NAME, group:NAME, role:ROLE, domain:DNS or *)",
                ),
                Ok(found) => who.extend(found),
                Err(why) => r.err(
                    s.span(),
                    why,
                    "correct the selector (user:NAME, group:NAME, role:ROLE, domain:DNS or *)",
                ),
            }
        }
        who.sort_unstable();
        who.dedup();
        if let Some(h) = p.session_hours
            && !(h.is_finite() && h > 0.0 && h <= 24.0 * 366.0)
        {
            r.err(
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
            note: p.note.clone(),
            selectors: PathSelectors {
                who: texts(&p.who),
                from: texts(&p.from),
                to: texts(&p.to),
                hops: texts(&p.hops),
            },
            span: p.name.span(),
        });
    }

    index.paths = path_index;
    if !r.errors.is_empty() {
        return Err(finish(r.errors));
    }
    Ok(Inventory {
        source: src,
        description: raw.description,
        domains,
        trusts,
        hosts,
        users,
        groups,
        paths,
        acls,
        index,
    })
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

enum Ambiguity {
    Missing,
    Many,
}

/// Resolves `NETBIOS\name`, `name@dns` or a bare name (own domain first, then unique in the inventory).
fn lookup_principal(
    text: &str,
    home: Option<DomainId>,
    domains: &HashMap<String, DomainId>,
    bare: &HashMap<String, Vec<u32>>,
    domain_of: impl Fn(u32) -> DomainId,
) -> Result<u32, Ambiguity> {
    let (dom, name) = if let Some((d, n)) = text.split_once('\\') {
        (Some(d), n)
    } else if let Some((n, d)) = text.rsplit_once('@') {
        (Some(d), n)
    } else {
        (None, text)
    };
    if let Some(d) = dom {
        let Some(did) = domains.get(&lc(d)) else {
            return Err(Ambiguity::Missing);
        };
        return bare
            .get(&lc(name))
            .and_then(|ids| ids.iter().copied().find(|id| domain_of(*id) == *did))
            .ok_or(Ambiguity::Missing);
    }
    let ids = bare.get(&lc(name)).ok_or(Ambiguity::Missing)?;
    if let Some(h) = home
        && let Some(id) = ids.iter().copied().find(|id| domain_of(*id) == h)
    {
        return Ok(id);
    }
    match ids.as_slice() {
        [one] => Ok(*one),
        [] => Err(Ambiguity::Missing),
        _ => Err(Ambiguity::Many),
    }
}

/// Fills the member lists selectors expand to, so an expansion costs what it returns.
/// Ids are pushed in increasing order, so every list comes out sorted.
fn build_reverse_index(
    index: &mut Index,
    domains: usize,
    groups: usize,
    hosts: &[Host],
    users: &[User],
) {
    index.group_users = vec![Vec::new(); groups];
    index.group_hosts = vec![Vec::new(); groups];
    index.domain_users = vec![Vec::new(); domains];
    index.domain_hosts = vec![Vec::new(); domains];
    for (id, u) in users.iter().enumerate() {
        let id = id as UserId;
        for &g in &u.groups {
            index.group_users[g as usize].push(id);
        }
        index.domain_users[u.domain as usize].push(id);
        for &role in &u.roles {
            index.user_roles.entry(role).or_default().push(id);
        }
    }
    for (id, h) in hosts.iter().enumerate() {
        let id = id as HostId;
        for &g in &h.groups {
            index.group_hosts[g as usize].push(id);
        }
        if let Some(d) = h.domain {
            index.domain_hosts[d as usize].push(id);
        }
        for &role in &h.roles {
            index.host_roles.entry(role).or_default().push(id);
        }
    }
    // A role listed twice on one principal must not list it twice.
    for list in index
        .user_roles
        .values_mut()
        .chain(index.host_roles.values_mut())
    {
        list.dedup();
    }
    for list in index.group_users.iter_mut().chain(&mut index.group_hosts) {
        list.dedup();
    }
}

/// Expands path and stage selectors.
pub struct Selectors<'a> {
    index: &'a Index,
    hosts: &'a [Host],
    users: &'a [User],
    groups: &'a [Group],
}

impl<'a> Selectors<'a> {
    fn group(&self, name: &str) -> Result<GroupId, String> {
        lookup_principal(
            name,
            None,
            &self.index.domains,
            &self.index.group_names,
            |id| self.groups[id as usize].domain,
        )
        .map_err(|a| match a {
            Ambiguity::Missing => format!("unknown group `{name}`"),
            Ambiguity::Many => format!(
                "group name `{name}` exists in several domains: qualify it as NETBIOS\\NAME"
            ),
        })
    }

    fn domain(&self, name: &str) -> Result<DomainId, String> {
        self.index
            .domains
            .get(&lc(name))
            .copied()
            .ok_or_else(|| format!("unknown domain `{name}`"))
    }

    /// Hosts a selector matches (unsorted).
    pub fn hosts(&self, sel: &str) -> Result<Vec<HostId>, String> {
        let all = || 0..self.hosts.len() as HostId;
        let (kind, value) = sel.split_once(':').unwrap_or(("host", sel));
        Ok(match kind {
            _ if sel == "*" => all().collect(),
            "host" => vec![
                *self
                    .index
                    .hosts
                    .get(&lc(value))
                    .ok_or_else(|| format!("unknown host `{value}`"))?,
            ],
            "tag" => self.index.tags.get(&lc(value)).cloned().unwrap_or_default(),
            "group" => self.index.group_hosts[self.group(value)? as usize].clone(),
            "role" => {
                let role: HostRole = parse_enum(value).map_err(|_| {
                    format!("unknown host role `{value}`: use workstation, server, domain-controller, paw or helpdesk-console")
                })?;
                self.index
                    .host_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_hosts[self.domain(value)? as usize].clone(),
            other => {
                return Err(format!(
                    "unknown selector kind `{other}:` in `{sel}` for hosts"
                ));
            }
        })
    }

    /// Users a selector matches (unsorted).
    pub fn users(&self, sel: &str) -> Result<Vec<UserId>, String> {
        let all = || 0..self.users.len() as UserId;
        if sel == "*" {
            return Ok(all().collect());
        }
        let (kind, value) = match sel.split_once(':') {
            Some((k, v)) if matches!(k, "user" | "group" | "role" | "domain") => (k, v),
            _ => ("", sel),
        };
        let user = |name: &str| {
            lookup_principal(
                name,
                None,
                &self.index.domains,
                &self.index.user_names,
                |id| self.users[id as usize].domain,
            )
        };
        let members = |g: GroupId| -> Vec<UserId> { self.index.group_users[g as usize].clone() };
        Ok(match kind {
            "user" => vec![user(value).map_err(|_| format!("unknown user `{value}`"))?],
            "group" => members(self.group(value)?),
            "role" => {
                let role: UserRole = parse_enum(value)
                    .map_err(|_| format!("unknown user role `{value}`: use admin or helpdesk"))?;
                self.index
                    .user_roles
                    .get(&role)
                    .cloned()
                    .unwrap_or_default()
            }
            "domain" => self.index.domain_users[self.domain(value)? as usize].clone(),
            _ => match (user(value), self.group(value)) {
                (Ok(u), Err(_)) => vec![u],
                (Err(Ambiguity::Missing), Ok(g)) => members(g),
                (Err(Ambiguity::Missing), Err(_)) => {
                    return Err(format!("unknown user or group `{value}`"));
                }
                _ => {
                    return Err(format!(
                        "`{value}` names more than one user or group: write user:NAME or group:NAME, or NETBIOS\\NAME"
                    ));
                }
            },
        })
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ()> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
        .map_err(|_| ())
}

impl Inventory {
    /// Selector expansion over this inventory (for plan stages and the TUI).
    pub fn selectors(&self) -> Selectors<'_> {
        Selectors {
            index: &self.index,
            hosts: &self.hosts,
            users: &self.users,
            groups: &self.groups,
        }
    }
}
