//! The validated, resolved inventory the engine works on: names resolved to indices, groups flattened.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

pub use super::raw::{
    AccountKind, ClientPolicy, Credentials, Delegation, EncryptionType, FunctionalLevel, HostRole,
    JoinType, OsFamily, PolicySource, Purpose, RdpClient, Route, TrustDirection, TrustKind,
    UserRole,
};

/// Index of a domain in [`Inventory::domains`].
pub type DomainId = u32;
/// Index of a trust in [`Inventory::trusts`].
pub type TrustId = u32;
/// Index of a host in [`Inventory::hosts`].
pub type HostId = u32;
/// Index of a user in [`Inventory::users`].
pub type UserId = u32;
/// Index of a group in [`Inventory::groups`].
pub type GroupId = u32;
/// Index of an access path in [`Inventory::paths`].
pub type PathId = u32;
/// Index of an interned access control list in [`Inventory::acls`].
pub type AclId = u32;

/// Byte range of an item in its source file.
pub type Span = Range<usize>;

/// A place in an inventory file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub col: u32,
}

/// Where an inventory was read from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The name shown in messages (a path, or `<embedded sample>`).
    pub name: String,
}

/// A source text with its name, for turning byte offsets into line and column.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in messages (a path, or `<embedded sample>`).
    pub name: String,
    /// The full text.
    pub text: Arc<str>,
    /// Byte offsets of line starts, computed on the first position asked (a valid file never asks).
    line_starts: Arc<OnceLock<Box<[usize]>>>,
}

impl SourceFile {
    /// Wraps a text under a display name.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            line_starts: Arc::default(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let starts = self.line_starts();
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = starts.get(line).map_or(self.text.len(), |next| next - 1);
        self.text.get(start..end.max(start))
    }

    /// The offset [`SourceFile::line_col`] reports: within the text, and the end of a CRLF line is where the
    /// `\r` is, as it is for an LF line.
    fn reported(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let bytes = self.text.as_bytes();
        if bytes.get(offset) == Some(&b'\n') && offset > 0 && bytes[offset - 1] == b'\r' {
            offset - 1
        } else {
            offset
        }
    }

    /// 1-based column (in characters) of an offset on the line starting at `start`.
    fn col(&self, start: usize, offset: usize) -> usize {
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        self.text[start..end].chars().count() + 1
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.reported(offset);
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).max(1) - 1;
        (line + 1, self.col(starts[line], offset))
    }

    /// [`SourceFile::line_col`] of many offsets, in one pass over the text and without a line index.
    pub fn positions(&self, offsets: &[usize]) -> Vec<Pos> {
        let mut at = Locator::new(offsets);
        at.feed(&self.text);
        at.finish()
    }
}

/// [`SourceFile::line_col`] of many offsets, found from a text given a part at a time (a file read a block at
/// a time), without holding the text.
pub struct Locator<'o> {
    offsets: &'o [usize],
    /// Indexes of `offsets`, sorted by offset; `order[next..]` are not placed yet.
    order: Vec<usize>,
    next: usize,
    out: Vec<Pos>,
    /// The 1-based number of the line the next part starts in, and the byte offset of the next part.
    line: usize,
    start: usize,
    /// Characters of that line in the parts already fed (the line an offset past the end is placed on).
    open: usize,
}

impl<'o> Locator<'o> {
    /// Positions for `offsets`, in their order.
    pub fn new(offsets: &'o [usize]) -> Self {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_unstable_by_key(|&i| offsets[i]);
        Locator {
            offsets,
            order,
            next: 0,
            out: vec![Pos::default(); offsets.len()],
            line: 1,
            start: 0,
            open: 0,
        }
    }

    /// The next part of the text: any number of lines, the first continuing the last one fed (parts may be cut
    /// anywhere but between the `\r` and `\n` of a line break).
    pub fn feed(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let end = self.start + text.len();
        // Where the current line starts in `text` (0 when it began in an earlier part), and how far newlines
        // are counted.
        let (mut line_start, mut scanned) = (0, 0);
        while let Some(&i) = self.order.get(self.next) {
            let offset = self.offsets[i];
            if offset >= end {
                break;
            }
            let mut within = offset.saturating_sub(self.start);
            // The end of a CRLF line is where the `\r` is, as it is for an LF line.
            if bytes.get(within) == Some(&b'\n') && within > 0 && bytes[within - 1] == b'\r' {
                within -= 1;
            }
            while !text.is_char_boundary(within) {
                within -= 1;
            }
            let within = within.max(scanned);
            for nl in memchr::memchr_iter(b'\n', &bytes[scanned..within]) {
                self.line += 1;
                self.open = 0;
                line_start = scanned + nl + 1;
            }
            scanned = within;
            let col = self.open + text[line_start..within].chars().count() + 1;
            self.out[i] = pos(self.line, col);
            self.next += 1;
        }
        if let Some(last) = memchr::memrchr(b'\n', &bytes[scanned..]) {
            self.line += memchr::memchr_iter(b'\n', &bytes[scanned..]).count();
            self.open = 0;
            line_start = scanned + last + 1;
        }
        self.open += text[line_start..].chars().count();
        self.start = end;
    }

    /// The positions; an offset past the end of the text is placed at its end.
    pub fn finish(mut self) -> Vec<Pos> {
        for &i in &self.order[self.next..] {
            self.out[i] = pos(self.line, self.open + 1);
        }
        self.out
    }
}

/// A position, saturated to what [`Pos`] holds.
fn pos(line: usize, col: usize) -> Pos {
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Pos {
        line: narrow(line),
        col: narrow(col),
    }
}

/// An operating system with its build and the KB2871997 back-port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Os {
    /// Family.
    pub family: OsFamily,
    /// Build number (derived from the family where the inventory gives none).
    pub build: u32,
    /// KB2871997 installed.
    pub kb2871997: bool,
}

/// Windows 10 version 1607 / Server 2016.
pub const BUILD_1607: u32 = 14393;
/// Windows 10 version 1703.
pub const BUILD_1703: u32 = 15063;
/// Windows 7 SP1 / Server 2008 R2 SP1.
pub const BUILD_WIN7: u32 = 7601;
/// Windows 8.1 / Server 2012 R2.
pub const BUILD_WIN81: u32 = 9600;
/// Windows Vista / Server 2008 (SP2).
pub const BUILD_2008: u32 = 6002;

impl OsFamily {
    /// The build a family implies when the inventory gives none (`None` for Windows 10 and 11).
    pub fn default_build(self) -> Option<u32> {
        Some(match self {
            OsFamily::Server2000 => 2195,
            OsFamily::Server2003 => 3790,
            OsFamily::WindowsVista | OsFamily::Server2008 => BUILD_2008,
            OsFamily::Windows7 | OsFamily::Server2008R2 => BUILD_WIN7,
            OsFamily::Windows8 | OsFamily::Server2012 => 9200,
            OsFamily::Windows81 | OsFamily::Server2012R2 => BUILD_WIN81,
            OsFamily::Server2016 => BUILD_1607,
            OsFamily::Server2019 => 17763,
            OsFamily::Server2022 => 20348,
            OsFamily::Server2025 => 26100,
            OsFamily::Windows10 | OsFamily::Windows11 => return None,
        })
    }

    /// Whether this is a server operating system.
    pub fn is_server(self) -> bool {
        matches!(
            self,
            OsFamily::Server2000
                | OsFamily::Server2003
                | OsFamily::Server2008
                | OsFamily::Server2008R2
                | OsFamily::Server2012
                | OsFamily::Server2012R2
                | OsFamily::Server2016
                | OsFamily::Server2019
                | OsFamily::Server2022
                | OsFamily::Server2025
        )
    }
}

/// A domain.
#[derive(Debug, Clone)]
pub struct Domain {
    /// DNS name (as written).
    pub dns: String,
    /// NetBIOS name (as written).
    pub netbios: String,
    /// Domain functional level.
    pub functional_level: FunctionalLevel,
    /// The forest root domain (itself for a forest root).
    pub forest: DomainId,
    /// Operating systems of all known domain controllers (hosts with the role and `dc_os`).
    pub dc_os: Vec<OsFamily>,
    /// Operating system of the PDC emulator, when given.
    pub pdc_emulator_os: Option<OsFamily>,
    /// The plan's operators administer this domain (`administered`; default: the first domain's forest).
    pub administered: bool,
    /// The domain's users are synchronized to Microsoft Entra ID (`None`: not known).
    pub entra_synced: Option<bool>,
    /// Where the domain is declared.
    pub at: Pos,
}

/// A trust between two domains.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The domain holding the resources.
    pub trusting: DomainId,
    /// The domain whose accounts authenticate.
    pub trusted: DomainId,
    /// One-way or two-way.
    pub direction: TrustDirection,
    /// Type.
    pub kind: TrustKind,
    /// Transitivity (after type defaults).
    pub transitive: bool,
    /// Selective authentication.
    pub selective_auth: bool,
    /// SID filtering, when given.
    pub sid_filtering: Option<bool>,
    /// Where the trust is declared.
    pub at: Pos,
}

/// A list that the entries holding the same one share: an estate's hundreds of thousands of accounts and hosts
/// have a few dozen distinct lists of groups, roles, tags and encryption types.
pub type List<T> = std::sync::Arc<[T]>;

/// A host.
#[derive(Debug, Clone)]
pub struct Host {
    /// Name as written.
    pub name: String,
    /// AD domain, for `ad` and `hybrid` joins.
    pub domain: Option<DomainId>,
    /// Join type.
    pub join: JoinType,
    /// Operating system.
    pub os: Os,
    /// Roles.
    pub roles: List<HostRole>,
    /// Tags.
    pub tags: List<String>,
    /// Computer groups, transitively (sorted).
    pub groups: List<GroupId>,
    /// Remote Desktop client app.
    pub rdp_client: RdpClient,
    /// Can reach a domain controller.
    pub dc_line_of_sight: bool,
    /// LAPS manages the local administrator password.
    pub laps: bool,
    /// Member of an RDS VDI collection.
    pub rds_vdi: bool,
    /// Sessions need device claims (compound authentication).
    pub device_claims: bool,
    /// Must allow offline sign-in.
    pub offline_signin: bool,
    /// AD-joined Azure VM.
    pub azure_vm: bool,
    /// Current `DisableRestrictedAdmin` value (`None`: not set).
    pub disable_restricted_admin: Option<u32>,
    /// Current `AllowProtectedCreds` policy.
    pub allow_protected_creds: bool,
    /// Current client policy.
    pub client_policy: ClientPolicy,
    /// Local Administrators: the members given and those Active Directory puts there.
    pub administrators: AclId,
    /// Whether the inventory gives the local Administrators (else only the defaults are known).
    pub administrators_given: bool,
    /// Local Remote Desktop Users: the members given and those Active Directory puts there.
    pub remote_desktop_users: AclId,
    /// Whether the inventory gives the local Remote Desktop Users (else only the defaults are known).
    pub remote_desktop_users_given: bool,
    /// Who holds "Allow log on through Remote Desktop Services" when a policy sets it (`None`: the default,
    /// Administrators and Remote Desktop Users).
    pub rdp_logon_allowed: Option<AclId>,
    /// Who holds "Deny log on through Remote Desktop Services".
    pub rdp_logon_denied: AclId,
    /// Its addresses and subnets (`addresses`), for naming the client of a logon by its `IpAddress`.
    pub addresses: Box<[super::address::Subnet]>,
    /// The computer account is enabled.
    pub enabled: bool,
    /// `enabled` as the inventory gives it.
    pub enabled_given: Option<bool>,
    /// Who is granted "Allowed to Authenticate" on the computer (`None`: not known).
    pub allowed_to_authenticate: Option<AclId>,
    /// Where the current client policy comes from (`None`: not known).
    pub client_policy_source: Option<PolicySource>,
    /// Where the host is declared.
    pub at: Pos,
}

impl Host {
    /// Joined to an AD domain (`ad` or `hybrid`).
    pub fn is_ad_joined(&self) -> bool {
        matches!(self.join, JoinType::Ad | JoinType::Hybrid)
    }
    /// Restricted Admin and Remote Credential Guard are allowed on this host today.
    pub fn restricted_admin_enabled(&self) -> bool {
        self.disable_restricted_admin == Some(0)
    }
    /// This host accepts Restricted Admin logons today: `DisableRestrictedAdmin` = 0 and, as MS-RCG-2023 and
    /// MS-CSP require for Restricted Admin too, `AllowProtectedCreds` = 1.
    pub fn accepts_restricted_admin(&self) -> bool {
        self.restricted_admin_enabled() && self.allow_protected_creds
    }
}

/// A user or group, as a member of an access control list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principal {
    /// A user.
    User(UserId),
    /// A group.
    Group(GroupId),
}

/// A user account.
#[derive(Debug, Clone)]
pub struct User {
    /// sAMAccountName as written.
    pub name: String,
    /// Domain.
    pub domain: DomainId,
    /// Kind of account.
    pub kind: AccountKind,
    /// Effective roles (own and inherited from groups), sorted.
    pub roles: List<UserRole>,
    /// Groups, transitively (sorted).
    pub groups: List<GroupId>,
    /// Effective Protected Users membership (direct or through a nested group).
    pub protected_users: bool,
    /// Kerberos encryption types with keys.
    pub etypes: List<EncryptionType>,
    /// Delegation configured on the account.
    pub delegation: Delegation,
    /// Marked sensitive, cannot be delegated.
    pub not_delegated: bool,
    /// Has AES keys (`false`: the password predates them; a reset creates them).
    pub aes_keys: bool,
    /// The domain's built-in Administrator (RID 500, `S-1-5-21-<domain>-500`): as given, else an account named
    /// `Administrator`.
    pub builtin_admin: bool,
    /// `builtin_admin` as the inventory gives it (`None`: inferred from the name).
    pub builtin_admin_given: Option<bool>,
    /// The account is enabled.
    pub enabled: bool,
    /// `enabled` as the inventory gives it.
    pub enabled_given: Option<bool>,
    /// Synchronized to Microsoft Entra ID: as given, else the domain's (`None`: not known).
    pub entra_synced: Option<bool>,
    /// `entra_synced` as the inventory gives it on the user.
    pub entra_synced_given: Option<bool>,
    /// Where the user is declared.
    pub at: Pos,
}

impl User {
    /// Admin or helpdesk role.
    pub fn is_privileged(&self) -> bool {
        !self.roles.is_empty()
    }
    /// Has at least one AES key.
    pub fn has_aes(&self) -> bool {
        self.etypes
            .iter()
            .any(|e| matches!(e, EncryptionType::Aes128 | EncryptionType::Aes256))
    }
}

/// A group.
#[derive(Debug, Clone)]
pub struct Group {
    /// sAMAccountName as written.
    pub name: String,
    /// Domain.
    pub domain: DomainId,
    /// Direct parent groups.
    pub member_of: Vec<GroupId>,
    /// Roles given to members.
    pub roles: Vec<UserRole>,
    /// Members are in Protected Users (directly or through nesting).
    pub protected_users: bool,
    /// Where the group is declared.
    pub at: Pos,
}

/// An access path with its selectors expanded.
#[derive(Debug, Clone)]
pub struct AccessPath {
    /// Name.
    pub name: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Users who connect (sorted, unique).
    pub who: Vec<UserId>,
    /// Client devices (sorted, unique).
    pub from: Vec<HostId>,
    /// Targets (sorted, unique).
    pub to: Vec<HostId>,
    /// Onward hops (sorted, unique).
    pub hops: Vec<HostId>,
    /// Credentials.
    pub credentials: Credentials,
    /// Sessions reach network resources as the user.
    pub network_as_user: bool,
    /// Expected session length in hours.
    pub session_hours: Option<f64>,
    /// Delegation the sessions rely on.
    pub delegation: Delegation,
    /// Sessions rely on CredSSP default credential delegation.
    pub credssp_sso: bool,
    /// How the connection reaches its targets.
    pub via: Route,
    /// Sessions need device claims, as the path gives it (`None`: the targets' `device_claims`).
    pub device_claims: Option<bool>,
    /// Reviewer note.
    pub note: Option<String>,
    /// The selectors as written (who, from, to, hops), for display.
    pub selectors: PathSelectors,
    /// Where the path is declared.
    pub at: Pos,
}

/// The selectors of a path as written.
#[derive(Debug, Clone, Default)]
pub struct PathSelectors {
    /// `who`.
    pub who: Vec<String>,
    /// `from`.
    pub from: Vec<String>,
    /// `to`.
    pub to: Vec<String>,
    /// `hops`.
    pub hops: Vec<String>,
}

/// The resolved inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// Where it was read from.
    pub source: Origin,
    /// Description.
    pub description: Option<String>,
    /// Domains, in file order.
    pub domains: Vec<Domain>,
    /// Trusts, in file order.
    pub trusts: Vec<Trust>,
    /// Hosts, in file order.
    pub hosts: Vec<Host>,
    /// Users, in file order.
    pub users: Vec<User>,
    /// Groups, in file order.
    pub groups: Vec<Group>,
    /// Access paths, in file order.
    pub paths: Vec<AccessPath>,
    /// Interned access control lists (sorted, unique principals).
    pub acls: Vec<Vec<Principal>>,
    /// Lookup tables.
    pub index: Index,
}

/// The entries that reports list by label, many at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labelled {
    /// Users, labelled `NETBIOS\name`.
    User,
    /// Groups, labelled `NETBIOS\name`.
    Group,
    /// Hosts, labelled by their names.
    Host,
}

/// A value derived from the whole inventory on first use and kept, which any thread may ask for (the first
/// one derives it, the others wait). A clone starts without it: a copy of an inventory is made to be changed,
/// and derives it again from what it holds then.
#[derive(Default)]
pub struct Derived<T>(OnceLock<T>);

impl<T> Derived<T> {
    /// The value, derived by `f` if no thread has derived it yet.
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(f)
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived(OnceLock::new())
    }
}

impl<T> std::fmt::Debug for Derived<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Derived(kept)"
        } else {
            "Derived(not yet)"
        })
    }
}

/// Case-insensitive lookup tables (keys are lowercase).
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Domain by DNS name and by NetBIOS name.
    pub domains: HashMap<String, DomainId>,
    /// Per host, the facts that `os:`, `build:<`, `join:` and `rdp-client:` selectors read, one bit each;
    /// derived from the hosts on first use (see `plan::cover`).
    pub host_facts: Derived<Vec<u64>>,
    /// The users', groups' and hosts' dense ranks in the order of their labels (see
    /// [`Inventory::label_ranks`]); derived on first use.
    pub label_ranks: [Derived<Vec<u32>>; 3],
    /// The inventory's fingerprint (see `plan::io::fingerprint`); derived on first use.
    pub fingerprint: Derived<String>,
    /// Hosts by name.
    pub hosts: NameTable,
    /// Users by name (one per domain that has the name).
    pub users: NameTable,
    /// Groups by name (one per domain that has the name).
    pub groups: NameTable,
    /// Path by name.
    pub paths: HashMap<String, PathId>,
    /// Hosts by tag.
    pub tags: HashMap<String, Vec<HostId>>,
    /// Members of each group (by `GroupId`), sorted: users whose `groups` list it.
    pub group_users: Vec<Vec<UserId>>,
    /// Hosts in each group (by `GroupId`), sorted.
    pub group_hosts: Vec<Vec<HostId>>,
    /// Users of each domain (by `DomainId`), sorted.
    pub domain_users: Vec<Vec<UserId>>,
    /// Hosts of each domain (by `DomainId`), sorted.
    pub domain_hosts: Vec<Vec<HostId>>,
    /// Users holding each role, sorted.
    pub user_roles: HashMap<UserRole, Vec<UserId>>,
    /// Hosts holding each role, sorted.
    pub host_roles: HashMap<HostRole, Vec<HostId>>,
}

/// Ids of named items, found by name regardless of case. Only the ids are stored: the names stay in the items,
/// so an estate of hundreds of thousands of accounts does not hold every name twice.
#[derive(Clone, Default)]
pub struct NameTable {
    table: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl std::fmt::Debug for NameTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NameTable({} names)", self.table.len())
    }
}

/// Whether two names are the same after compatibility normalization and case folding ([`crate::names::fold`]).
pub fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        crate::names::fold(a) == crate::names::fold(b)
    }
}

impl NameTable {
    /// A table for `n` names.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            table: hashbrown::HashTable::with_capacity(n),
            hasher: Default::default(),
        }
    }

    fn hash(hasher: &hashbrown::DefaultHashBuilder, name: &str) -> u64 {
        use std::hash::BuildHasher;
        const SHORT: usize = 128;
        if name.is_ascii() && name.len() <= SHORT {
            let mut buf = [0u8; SHORT];
            let lower = &mut buf[..name.len()];
            lower.copy_from_slice(name.as_bytes());
            lower.make_ascii_lowercase();
            hasher.hash_one(&*lower)
        } else {
            hasher.hash_one(crate::names::fold(name).as_bytes())
        }
    }

    /// Adds `id` under its name; `name_of` gives the name of any id in the table. A name may be added more
    /// than once (a user name in several domains).
    pub fn insert<'a>(&mut self, id: u32, name_of: impl Fn(u32) -> &'a str) {
        let hash = Self::hash(&self.hasher, name_of(id));
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, id, |&i| Self::hash(hasher, name_of(i)));
    }

    /// Every id under `name`, in increasing order.
    pub fn find_all<'a>(&self, name: &str, name_of: impl Fn(u32) -> &'a str) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .table
            .iter_hash(Self::hash(&self.hasher, name))
            .copied()
            .filter(|&i| same_name(name_of(i), name))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The first id under `name`.
    pub fn find<'a>(&self, name: &str, name_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.table
            .iter_hash(Self::hash(&self.hasher, name))
            .copied()
            .filter(|&i| same_name(name_of(i), name))
            .min()
    }
}

impl Inventory {
    /// Dense ranks of the users, groups or hosts in the order of their labels as written (`NETBIOS\name`, a
    /// host's name), equal labels sharing a rank: sorting by rank sorts by label. A finding at 100,000 hosts
    /// lists tens of thousands of them. Derived on first use and kept (a clone derives them again).
    pub fn label_ranks(&self, kind: Labelled) -> &[u32] {
        let (slot, count) = match kind {
            Labelled::User => (0, self.users.len()),
            Labelled::Group => (1, self.groups.len()),
            Labelled::Host => (2, self.hosts.len()),
        };
        self.index.label_ranks[slot].get_or_init(|| {
            let mut text = String::new();
            let mut ends = Vec::with_capacity(count);
            for i in 0..count {
                let (domain, name) = match kind {
                    Labelled::User => (Some(self.users[i].domain), &self.users[i].name),
                    Labelled::Group => (Some(self.groups[i].domain), &self.groups[i].name),
                    Labelled::Host => (None, &self.hosts[i].name),
                };
                if let Some(d) = domain {
                    match self.domains.get(d as usize) {
                        Some(d) => {
                            text.push_str(&d.netbios);
                            text.push('\\');
                            text.push_str(name);
                        }
                        None => text.push('?'),
                    }
                } else {
                    text.push_str(name);
                }
                ends.push(text.len());
            }
            let label = |i: u32| {
                let i = i as usize;
                &text[i.checked_sub(1).map_or(0, |j| ends[j])..ends[i]]
            };
            let mut order: Vec<u32> = (0..count as u32).collect();
            order.sort_unstable_by(|a, b| label(*a).cmp(label(*b)));
            let mut ranks = vec![0; count];
            let mut rank = 0;
            for (n, w) in order.iter().enumerate() {
                if n > 0 && label(order[n - 1]) != label(*w) {
                    rank += 1;
                }
                ranks[*w as usize] = rank;
            }
            ranks
        })
    }

    /// The host of a name (any case).
    pub fn host_named(&self, name: &str) -> Option<HostId> {
        self.index
            .hosts
            .find(name, |id| self.hosts[id as usize].name.as_str())
    }

    /// `NETBIOS\name` of a user.
    pub fn user_label(&self, id: UserId) -> String {
        let u = &self.users[id as usize];
        format!("{}\\{}", self.domains[u.domain as usize].netbios, u.name)
    }
    /// `NETBIOS\name` of a group.
    pub fn group_label(&self, id: GroupId) -> String {
        let g = &self.groups[id as usize];
        format!("{}\\{}", self.domains[g.domain as usize].netbios, g.name)
    }
    /// Whether a user is in an access control list, directly or through a group.
    pub fn acl_allows(&self, acl: AclId, user: UserId) -> bool {
        let list = &self.acls[acl as usize];
        if list.binary_search(&Principal::User(user)).is_ok() {
            return true;
        }
        self.users[user as usize]
            .groups
            .iter()
            .any(|g| list.binary_search(&Principal::Group(*g)).is_ok())
    }
}
