//! The resolver: the state built while entries are validated and resolved, the problems found, and the
//! finished inventory with every item's line and column.

use std::collections::HashMap;

use toml::Spanned;

use super::lookup::{Ambiguity, Catalog};
use super::messages::{finish, sanitize, shorten_message, shown, version_span};
use super::source::Source;
use crate::diag::{Diagnostic, Diagnostics};
use crate::inventory::closure::Nesting;
use crate::inventory::model::*;
use crate::names;

/// Validates and resolves entries into the model, kind by kind: domains and trusts, then groups, then users,
/// then hosts, then paths. Users and hosts may come in several batches (a file read in pieces); each batch
/// is resolved as it arrives and its raw entries are dropped, so a large file is never held twice.
pub(super) struct Resolver {
    src: Source,
    /// Problems found, placed in the text once it is complete (a file is read again only then).
    errors: Vec<Problem>,
    pub(super) index: Index,
    pub(super) domains: Vec<Domain>,
    pub(super) trusts: Vec<Trust>,
    pub(super) groups: Vec<Group>,
    /// Group nesting, condensed: the groups a member belongs to transitively.
    pub(super) nesting: Nesting,
    pub(super) users: Vec<User>,
    pub(super) hosts: Vec<Host>,
    pub(super) paths: Vec<AccessPath>,
    /// Where each domain, trust, group, user, host and path is declared (the model keeps line and column).
    pub(super) spans: Spans,
    acls: Vec<Vec<Principal>>,
    acl_ids: hashbrown::HashMap<Vec<Principal>, AclId>,
    /// The lists entries share, one of each.
    pub(super) lists: Lists,
}

/// One shared copy of each distinct list of the users' and hosts' groups, roles, tags and encryption types.
#[derive(Default)]
pub(super) struct Lists {
    groups: Interner<GroupId>,
    user_roles: Interner<UserRole>,
    host_roles: Interner<HostRole>,
    etypes: Interner<EncryptionType>,
    tags: Interner<String>,
}

/// The lists of one kind of item given so far.
struct Interner<T>(hashbrown::HashSet<List<T>>);

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner(hashbrown::HashSet::new())
    }
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    /// The shared copy of `list`.
    fn get(&mut self, list: &[T]) -> List<T> {
        if let Some(shared) = self.0.get(list) {
            return shared.clone();
        }
        let shared: List<T> = list.into();
        self.0.insert(shared.clone());
        shared
    }
}

impl Lists {
    pub(super) fn groups(&mut self, list: &[GroupId]) -> List<GroupId> {
        self.groups.get(list)
    }
    pub(super) fn user_roles(&mut self, list: &[UserRole]) -> List<UserRole> {
        self.user_roles.get(list)
    }
    pub(super) fn host_roles(&mut self, list: &[HostRole]) -> List<HostRole> {
        self.host_roles.get(list)
    }
    pub(super) fn etypes(&mut self, list: &[EncryptionType]) -> List<EncryptionType> {
        self.etypes.get(list)
    }
    pub(super) fn tags(&mut self, list: &[String]) -> List<String> {
        self.tags.get(list)
    }
}

impl Resolver {
    pub(super) fn new(src: Source, version: u32) -> Self {
        let mut r = Resolver {
            src,
            errors: Vec::new(),
            index: Index::default(),
            domains: Vec::new(),
            trusts: Vec::new(),
            groups: Vec::new(),
            nesting: Nesting::default(),
            users: Vec::new(),
            hosts: Vec::new(),
            paths: Vec::new(),
            spans: Spans::default(),
            acls: Vec::new(),
            acl_ids: hashbrown::HashMap::new(),
            lists: Lists::default(),
        };
        if version != 1 {
            r.errors.push(Problem {
                span: None,
                message: format!("unsupported inventory version {version}"),
                help: "this guardplan reads `version = 1`: set it, or use the guardplan release that wrote the \
                       file"
                    .into(),
            });
        }
        r
    }

    pub(super) fn err(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.errors.push(Problem {
            span: Some(span),
            message: shorten_message(&sanitize(&message.into())),
            help: help.into(),
        });
    }

    /// The problems found, with positions and excerpts from the complete text.
    fn diagnostics(&self) -> Diagnostics {
        let src = self.src.whole();
        finish(
            self.errors
                .iter()
                .map(|p| {
                    let help = Some(p.help.clone());
                    let Ok(src) = &src else {
                        return Diagnostic::file(self.src.name(), p.message.clone(), help);
                    };
                    let span = p.span.clone().or_else(|| version_span(&src.text));
                    Diagnostic::at(src, span.unwrap_or(0..0), p.message.clone(), help)
                })
                .collect(),
        )
    }

    pub(super) fn check_name(
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

    pub(super) fn domain_ref(&mut self, s: &Spanned<String>, what: &str) -> Option<DomainId> {
        match self.index.domains.get(&lc(s.get_ref())) {
            Some(id) => Some(*id),
            None => {
                self.err(
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
    }

    pub(super) fn group_ref(
        &mut self,
        s: &Spanned<String>,
        home: Option<DomainId>,
    ) -> Option<GroupId> {
        match self.catalog().group(s.get_ref(), home) {
            Ok(id) => Some(id),
            Err(Ambiguity::Missing) => {
                self.err(
                    s.span(),
                    format!("unknown group `{}`", shown(s.get_ref())),
                    "declare it in a [[group]] entry, or correct the name (NAME or NETBIOS\\NAME)",
                );
                None
            }
            Err(Ambiguity::Many) => {
                self.err(
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
    }

    pub(super) fn principal_ref(
        &mut self,
        s: &Spanned<String>,
        home: Option<DomainId>,
    ) -> Option<Principal> {
        let names = self.catalog();
        match (
            names.user(s.get_ref(), home),
            names.group(s.get_ref(), home),
        ) {
            (Ok(u), Err(Ambiguity::Missing)) => Some(Principal::User(u)),
            (Err(Ambiguity::Missing), Ok(g)) => Some(Principal::Group(g)),
            (Err(Ambiguity::Missing), Err(Ambiguity::Missing)) => {
                self.err(
                    s.span(),
                    format!("unknown user or group `{}`", shown(s.get_ref())),
                    "declare it in a [[user]] or [[group]] entry, or correct the name",
                );
                None
            }
            _ => {
                self.err(
                    s.span(),
                    format!("`{}` names more than one user or group", shown(s.get_ref())),
                    "qualify it as NETBIOS\\NAME",
                );
                None
            }
        }
    }

    /// Checks a group's or user's name (at most `max` characters) and domain, and that no other of its kind in
    /// the domain has the name; its domain, unless that is unknown.
    pub(super) fn declare(
        &mut self,
        name: &Spanned<String>,
        domain: &Spanned<String>,
        group: bool,
        max: usize,
    ) -> Option<DomainId> {
        let (what, noun) = if group {
            ("group name", "group")
        } else {
            ("account name", "user")
        };
        self.check_name(name, what, |s| names::sam_name(s, max));
        let domain = self.domain_ref(domain, &format!("the {noun}"))?;
        let names = self.catalog();
        let taken = if group {
            names.group_in(name.get_ref(), domain)
        } else {
            names.user_in(name.get_ref(), domain)
        };
        if taken.is_some() {
            self.err(
                name.span(),
                format!(
                    "{noun} `{}` is declared twice in its domain",
                    shown(name.get_ref())
                ),
                "remove one of the two entries or rename one",
            );
        }
        Some(domain)
    }

    /// Name lookups over what is resolved so far.
    fn catalog(&self) -> Catalog<'_> {
        Catalog {
            index: &self.index,
            users: &self.users,
            groups: &self.groups,
        }
    }

    /// The id of an access control list, the same for every host that has the same one.
    pub(super) fn intern_acl(&mut self, list: Vec<Principal>) -> AclId {
        if let Some(id) = self.acl_ids.get(&list) {
            return *id;
        }
        let id = self.acls.len() as AclId;
        self.acl_ids.insert(list.clone(), id);
        self.acls.push(list);
        id
    }
}

/// A problem found while resolving: where (the `version` key when `None`), what and what to do.
struct Problem {
    span: Option<Span>,
    message: String,
    help: String,
}

impl Resolver {
    /// Refuses account names (users and groups, one namespace in AD) that look like another but are not the
    /// same name, when one of the two is not ASCII. Free when every name is ASCII.
    fn look_alikes(&mut self) {
        let accounts = || {
            (self.groups.iter().map(|g| g.name.as_str()))
                .zip(self.spans.groups.iter().copied())
                .chain(
                    (self.users.iter().map(|u| u.name.as_str()))
                        .zip(self.spans.users.iter().copied()),
                )
        };
        if accounts().all(|(n, _)| n.is_ascii()) {
            return;
        }
        let mut first: HashMap<String, (&str, usize)> = HashMap::new();
        let mut found = Vec::new();
        let mut all: Vec<(&str, usize)> = accounts().collect();
        all.sort_by_key(|(_, at)| *at);
        for (name, at) in all {
            let key = names::look_alike_key(name);
            match first.get(&key) {
                Some((other, _))
                    if (!name.is_ascii() || !other.is_ascii()) && !same_name(name, other) =>
                {
                    found.push((at..at + name.len(), name.to_string(), other.to_string()));
                }
                Some(_) => {}
                None => {
                    first.insert(key, (name, at));
                }
            }
        }
        for (span, name, other) in found {
            self.err(
                span,
                format!(
                    "account name `{}` looks like `{}`, declared earlier: look-alike names are refused",
                    shown(&name),
                    shown(&other)
                ),
                "rename one of the two so that they differ visibly",
            );
        }
    }

    /// Line and column of each offset, from one more pass over the text.
    fn positions(&self, offsets: &[usize]) -> Result<Vec<Pos>, Diagnostics> {
        let mut at = Locator::new(offsets);
        let read = self.src.blocks().and_then(|mut blocks| {
            while let Some(lines) = blocks.lines()? {
                let text = std::str::from_utf8(lines)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                at.feed(text);
            }
            Ok(())
        });
        read.map_err(|e| {
            Diagnostics(vec![Diagnostic::file(
                self.src.name(),
                format!("cannot read the inventory: {e}"),
                Some("the file changed or went away while it was read: load it again".into()),
            )])
        })?;
        Ok(at.finish())
    }

    /// The inventory, or every problem found. The model keeps where each item is written as line and column,
    /// so the file's text is not held once it is loaded.
    pub(super) fn finish(mut self, description: Option<String>) -> Result<Inventory, Diagnostics> {
        self.look_alikes();
        if !self.errors.is_empty() {
            return Err(self.diagnostics());
        }
        let s = &self.spans;
        let starts: Vec<usize> = (s.domains.iter().chain(&s.trusts).map(|r| r.start))
            .chain(
                s.groups
                    .iter()
                    .chain(&s.users)
                    .chain(&s.hosts)
                    .chain(&s.paths)
                    .copied(),
            )
            .collect();
        // Grown piece by piece, the lists may hold room for up to twice their entries.
        self.hosts.shrink_to_fit();
        self.users.shrink_to_fit();
        let mut at = self.positions(&starts)?.into_iter();
        let mut place = |pos: &mut Pos| *pos = at.next().unwrap_or_default();
        self.domains.iter_mut().for_each(|x| place(&mut x.at));
        self.trusts.iter_mut().for_each(|x| place(&mut x.at));
        self.groups.iter_mut().for_each(|x| place(&mut x.at));
        self.users.iter_mut().for_each(|x| place(&mut x.at));
        self.hosts.iter_mut().for_each(|x| place(&mut x.at));
        self.paths.iter_mut().for_each(|x| place(&mut x.at));
        Ok(Inventory {
            source: Origin {
                name: self.src.name().to_string(),
            },
            description,
            domains: self.domains,
            trusts: self.trusts,
            hosts: self.hosts,
            users: self.users,
            groups: self.groups,
            paths: self.paths,
            acls: self.acls,
            index: self.index,
        })
    }
}

/// Where the items are declared, in the order of their lists: the whole name of domains and trusts (messages
/// about them come after they are resolved), where the name starts for the rest.
#[derive(Default)]
pub(super) struct Spans {
    pub(super) domains: Vec<Span>,
    pub(super) trusts: Vec<Span>,
    pub(super) groups: Vec<usize>,
    pub(super) users: Vec<usize>,
    pub(super) hosts: Vec<usize>,
    pub(super) paths: Vec<usize>,
}

pub(super) fn lc(s: &str) -> String {
    names::fold(s).into_owned()
}
