//! The inventory file as written by the administrator (serde model of the TOML format).
//!
//! Every key is documented here and in `assets/inventory.schema.json`, which is generated from these types.
//! Names that other entries refer to are `Spanned` so that a dangling reference can point at its line.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

// What the loader checks of names, said in JSON Schema so that editors flag it too (see `crate::names`).

/// A DNS name: labels of letters, digits and `-` (not at a label's ends), at most 63 characters, joined by dots.
const DNS_PATTERN: &str = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";
/// A NetBIOS domain name: 1 to 15 letters, digits, `-` and `_`.
const NETBIOS_PATTERN: &str = r"^[A-Za-z0-9_-]{1,15}$";
/// A computer name: a NetBIOS name of at most 15 characters, or a fully qualified DNS name.
const HOST_PATTERN: &str = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,13}[A-Za-z0-9])?|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$";
/// An account or group name: none of `"/\[]:;|=,+*?<>@`, backtick or control characters, `$` only at the end,
/// no space at the start or before the end.
const SAM_PATTERN: &str = r#"^([^"/\\\[\]:;|=,+*?<>@`$\x00-\x1f\x7f ]([^"/\\\[\]:;|=,+*?<>@`$\x00-\x1f\x7f]*[^"/\\\[\]:;|=,+*?<>@`$\x00-\x1f\x7f ])?)?\$?$"#;
/// A path name or tag: letters, digits, `-`, `_` and `.`, at most 64 characters.
const IDENTIFIER_PATTERN: &str = r"^[A-Za-z0-9._-]{1,64}$";
/// An IPv4 or IPv6 address, with a prefix length for a subnet (the loader checks the numbers).
const ADDRESS_PATTERN: &str = r"^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$";

/// Writes an enum of documented unit variants as `enum` (so that an editor's message lists the allowed values)
/// instead of a `oneOf` of `const`s; the variants' descriptions go to `enumDescriptions`.
pub fn enum_of_consts(schema: &mut schemars::Schema) {
    let Some(branches) = schema.get("oneOf").and_then(|v| v.as_array()) else {
        return;
    };
    let mut values = Vec::with_capacity(branches.len());
    let mut docs = Vec::with_capacity(branches.len());
    for b in branches {
        let Some(value) = b.get("const") else {
            return;
        };
        values.push(value.clone());
        docs.push(b.get("description").cloned().unwrap_or_else(|| "".into()));
    }
    schema.remove("oneOf");
    schema.insert("type".into(), "string".into());
    schema.insert("enum".into(), values.into());
    schema.insert("enumDescriptions".into(), docs.into());
}

/// The whole inventory file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    /// Format version; must be 1.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    /// Free text describing the estate (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Active Directory domains.
    #[serde(default, rename = "domain", skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<RawDomain>,
    /// Trust relationships between domains.
    #[serde(default, rename = "trust", skip_serializing_if = "Vec::is_empty")]
    pub trusts: Vec<RawTrust>,
    /// Computers: clients, servers, domain controllers, jump hosts.
    #[serde(default, rename = "host", skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<RawHost>,
    /// User accounts (people, services, managed service accounts, computer accounts).
    #[serde(default, rename = "user", skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<RawUser>,
    /// Security groups (of users or of computers); nesting resolves transitively.
    #[serde(default, rename = "group", skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<RawGroup>,
    /// The Remote Desktop access paths to plan.
    #[serde(default, rename = "path", skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<RawPath>,
}

/// An Active Directory domain.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    /// DNS name, e.g. `corp.contoso.com`. Hosts, users, groups and trusts refer to the domain by it.
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub dns: Spanned<String>,
    /// NetBIOS name, e.g. `CORP` (1 to 15 characters). `CORP\alice` refers to a user of this domain.
    #[schemars(with = "String", length(min = 1, max = 15), regex(pattern = NETBIOS_PATTERN))]
    pub netbios: Spanned<String>,
    /// Domain functional level.
    pub functional_level: FunctionalLevel,
    /// DNS name of the forest root domain. Without it the domain is a forest root, unless a parent-child or
    /// tree-root trust joins it to another domain's forest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub forest: Option<Spanned<String>>,
    /// Operating systems of the domain controllers that are not listed as hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dc_os: Vec<OsFamily>,
    /// Operating system of the domain controller holding the PDC emulator role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdc_emulator_os: Option<OsFamily>,
    /// Whether the operators of this plan administer the domain (generated scripts enroll only its accounts in
    /// Protected Users). Default: true for the domains of the first domain's forest, false for other forests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administered: Option<bool>,
    /// Whether the domain's users are synchronized to Microsoft Entra ID (Entra Connect or Cloud Sync), so that
    /// they can sign in to Entra-joined devices; a user's own `entra_synced` overrides it. Not given: not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entra_synced: Option<bool>,
}

/// Domain functional level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[schemars(transform = enum_of_consts)]
pub enum FunctionalLevel {
    /// Windows Server 2003.
    #[serde(rename = "2003")]
    W2003,
    /// Windows Server 2008.
    #[serde(rename = "2008")]
    W2008,
    /// Windows Server 2008 R2.
    #[serde(rename = "2008r2")]
    W2008R2,
    /// Windows Server 2012.
    #[serde(rename = "2012")]
    W2012,
    /// Windows Server 2012 R2.
    #[serde(rename = "2012r2")]
    W2012R2,
    /// Windows Server 2016 (also the highest level of 2019 and 2022).
    #[serde(rename = "2016")]
    W2016,
    /// Windows Server 2025.
    #[serde(rename = "2025")]
    W2025,
}

/// A trust: `trusting` holds the resources, accounts of `trusted` authenticate to them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrust {
    /// DNS name of the trusting domain: the one that holds the resources (targets).
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub trusting: Spanned<String>,
    /// DNS name of the trusted domain: the one whose accounts authenticate.
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub trusted: Spanned<String>,
    /// `one-way` (only `trusting` trusts `trusted`) or `two-way` (each trusts the other).
    pub direction: TrustDirection,
    /// Kind of trust.
    #[serde(rename = "type")]
    pub kind: TrustKind,
    /// Whether the trust is transitive; defaults by type (external: no; parent-child, tree-root, forest: yes;
    /// shortcut: yes; realm: no). An external trust is never transitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transitive: Option<bool>,
    /// Selective authentication: users need "Allowed to Authenticate" on each target.
    #[serde(default, skip_serializing_if = "is_false")]
    pub selective_auth: bool,
    /// SID filtering (quarantine) is on; informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid_filtering: Option<bool>,
}

/// Direction of a trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum TrustDirection {
    /// Only the trusting domain trusts the trusted domain.
    OneWay,
    /// Both domains trust each other.
    TwoWay,
}

/// Type of a trust.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum TrustKind {
    /// Between a parent and a child domain of one tree (two-way, transitive).
    ParentChild,
    /// Between the forest root and a new tree root in the same forest (two-way, transitive).
    TreeRoot,
    /// Between the root domains of two forests (transitive between those two forests only).
    Forest,
    /// To a single domain outside the forest (not transitive).
    External,
    /// Between two domains of one forest to shorten the authentication path.
    Shortcut,
    /// To a non-Windows Kerberos realm.
    Realm,
}

/// A computer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {
        "if": { "properties": { "os": { "enum": ["windows-10", "windows-11"] } }, "required": ["os"] },
        "then": { "required": ["build"] }
    },
    {
        "if": { "properties": { "join": { "enum": ["ad", "hybrid"] } }, "required": ["join"] },
        "then": { "required": ["domain"] }
    },
    {
        "if": { "properties": { "join": { "enum": ["entra", "workgroup"] } }, "required": ["join"] },
        "then": { "properties": { "domain": false } }
    }
]))]
pub struct RawHost {
    /// Computer name (NetBIOS name, or a fully qualified DNS name). Unique in the inventory.
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = HOST_PATTERN))]
    pub name: Spanned<String>,
    /// DNS name of the AD domain the host is joined to (required for `ad` and `hybrid`, absent for `entra` and
    /// `workgroup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub domain: Option<Spanned<String>>,
    /// How the device is joined.
    pub join: JoinType,
    /// Operating system.
    pub os: OsFamily,
    /// OS build number (required for `windows-10` and `windows-11`, e.g. 14393, 15063, 19045, 22631, 26100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<u32>,
    /// Security update KB2871997 is installed (matters for Windows 7, 8, Server 2008 R2 and 2012).
    #[serde(default, skip_serializing_if = "is_false")]
    pub kb2871997: bool,
    /// Roles of the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<HostRole>,
    /// Free labels used by selectors (`tag:NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>", inner(regex(pattern = IDENTIFIER_PATTERN)))]
    pub tags: Vec<Spanned<String>>,
    /// Computer groups the host is a member of (`group:NAME` selectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub member_of: Vec<Spanned<String>>,
    /// Remote Desktop client used on this host.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rdp_client: RdpClient,
    /// The host can reach a domain controller (Kerberos) when connecting. Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub dc_line_of_sight: bool,
    /// The local administrator password is managed by LAPS.
    #[serde(default, skip_serializing_if = "is_false")]
    pub laps: bool,
    /// The host is a member of a Remote Desktop Services VDI collection.
    #[serde(default, skip_serializing_if = "is_false")]
    pub rds_vdi: bool,
    /// Sessions on this host need resources that require device claims (compound authentication).
    #[serde(default, skip_serializing_if = "is_false")]
    pub device_claims: bool,
    /// Users must be able to sign in to this device offline (cached credentials).
    #[serde(default, skip_serializing_if = "is_false")]
    pub offline_signin: bool,
    /// An AD-joined virtual machine running in Azure (informational; it is not Entra-joined).
    #[serde(default, skip_serializing_if = "is_false")]
    pub azure_vm: bool,
    /// Current `HKLM\SYSTEM\CurrentControlSet\Control\Lsa\DisableRestrictedAdmin`; absent = not set (disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_restricted_admin: Option<u32>,
    /// Current policy "Remote host allows delegation of non-exportable credentials" (`AllowProtectedCreds`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_protected_creds: bool,
    /// Current client policy "Restrict delegation of credentials to remote servers".
    #[serde(default, skip_serializing_if = "is_default")]
    pub client_policy: ClientPolicy,
    /// Members of the local Administrators group (users or groups), beyond what Active Directory puts there
    /// (Domain Admins on every domain-joined host; on a domain controller the domain's Administrators, Domain
    /// Admins and Enterprise Admins). Absent: not known; `[]`: nobody else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub administrators: Option<Vec<Spanned<String>>>,
    /// Members of the local Remote Desktop Users group (users or groups); on a domain controller the domain's
    /// Remote Desktop Users group is there too. Absent: not known; `[]`: nobody else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub remote_desktop_users: Option<Vec<Spanned<String>>>,
    /// Who holds "Allow log on through Remote Desktop Services" (SeRemoteInteractiveLogonRight) when a policy
    /// sets it (users or groups). Absent: the Windows default (Administrators and Remote Desktop Users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub rdp_logon_allowed: Option<Vec<Spanned<String>>>,
    /// Who holds "Deny log on through Remote Desktop Services" (SeDenyRemoteInteractiveLogonRight), users or
    /// groups; security baselines deny Domain Admins and Enterprise Admins on member servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub rdp_logon_denied: Vec<Spanned<String>>,
    /// The host's IP addresses, or subnets in CIDR form (`10.0.0.5`, `10.0.1.0/24`, `2001:db8::/64`): what
    /// `guardplan verify` matches a logon's `IpAddress` against to name its client. The most precise one wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>", inner(regex(pattern = ADDRESS_PATTERN)))]
    pub addresses: Vec<Spanned<String>>,
    /// The computer account is enabled (userAccountControl without ACCOUNTDISABLE). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Who is granted "Allowed to Authenticate" on this computer's account (users or groups of a domain trusted
    /// with selective authentication, as `NETBIOS\NAME`). Absent: not known; `[]`: nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub allowed_to_authenticate: Option<Vec<Spanned<String>>>,
    /// Where `client_policy` comes from today: a GPO, an Intune profile, or the local policy. Not given: not
    /// known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_policy_source: Option<PolicySource>,
}

/// Where a host's current client policy comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum PolicySource {
    /// A Group Policy object linked to the host's OU, site or domain.
    Gpo,
    /// An Intune configuration profile (Settings catalog or the CredentialsDelegation CSP).
    Intune,
    /// The local Group Policy of the device (gpedit.msc or the registry).
    Local,
}

impl PolicySource {
    /// The name in the inventory format.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicySource::Gpo => "gpo",
            PolicySource::Intune => "intune",
            PolicySource::Local => "local",
        }
    }
}

/// How a device is joined.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum JoinType {
    /// Joined to an Active Directory domain.
    Ad,
    /// Joined to an AD domain and registered in Entra ID (hybrid).
    Hybrid,
    /// Joined to Entra ID (Azure AD) only.
    Entra,
    /// Not joined to any directory.
    Workgroup,
}

/// Operating system of a host.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum OsFamily {
    /// Windows Vista.
    WindowsVista,
    /// Windows 7 (6.1).
    #[serde(rename = "windows-7")]
    Windows7,
    /// Windows 8 (6.2).
    #[serde(rename = "windows-8")]
    Windows8,
    /// Windows 8.1 (6.3).
    #[serde(rename = "windows-8.1")]
    Windows81,
    /// Windows 10 (give `build`).
    #[serde(rename = "windows-10")]
    Windows10,
    /// Windows 11 (give `build`).
    #[serde(rename = "windows-11")]
    Windows11,
    /// Windows 2000 Server (5.0).
    #[serde(rename = "server-2000")]
    Server2000,
    /// Windows Server 2003 or 2003 R2 (5.2).
    #[serde(rename = "server-2003")]
    Server2003,
    /// Windows Server 2008 (6.0).
    #[serde(rename = "server-2008")]
    Server2008,
    /// Windows Server 2008 R2 (6.1).
    #[serde(rename = "server-2008r2")]
    Server2008R2,
    /// Windows Server 2012 (6.2).
    #[serde(rename = "server-2012")]
    Server2012,
    /// Windows Server 2012 R2 (6.3).
    #[serde(rename = "server-2012r2")]
    Server2012R2,
    /// Windows Server 2016 (build 14393).
    #[serde(rename = "server-2016")]
    Server2016,
    /// Windows Server 2019 (build 17763).
    #[serde(rename = "server-2019")]
    Server2019,
    /// Windows Server 2022 (build 20348).
    #[serde(rename = "server-2022")]
    Server2022,
    /// Windows Server 2025 (build 26100).
    #[serde(rename = "server-2025")]
    Server2025,
}

/// Role of a host.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum HostRole {
    /// An end-user workstation.
    Workstation,
    /// A member server.
    Server,
    /// A domain controller of its domain.
    DomainController,
    /// A privileged access workstation or jump host.
    Paw,
    /// A helpdesk console.
    HelpdeskConsole,
}

/// Remote Desktop client application.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum RdpClient {
    /// Remote Desktop Connection (`mstsc.exe`), the classic Windows app.
    #[default]
    Mstsc,
    /// The Remote Desktop Universal Windows Platform (store) app.
    Uwp,
}

/// Client policy "Restrict delegation of credentials to remote servers".
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum ClientPolicy {
    /// Not configured.
    #[default]
    None,
    /// `RestrictedRemoteAdministrationType` = 1.
    RequireRestrictedAdmin,
    /// `RestrictedRemoteAdministrationType` = 2.
    RequireRemoteGuard,
    /// `RestrictedRemoteAdministrationType` = 3 (prefer Remote Credential Guard, fall back to Restricted Admin).
    RestrictCredentialDelegation,
}

/// A user account.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {
        "if": { "properties": { "kind": { "const": "computer" } }, "required": ["kind"] },
        "then": { "properties": { "name": { "maxLength": 16 } } }
    }
]))]
pub struct RawUser {
    /// sAMAccountName: 1 to 20 characters (computer accounts 16 and ending in `$`), none of `"/\[]:;|=,+*?<>@`
    /// or backtick, `$` only at the end.
    #[schemars(with = "String", length(min = 1, max = 20), regex(pattern = SAM_PATTERN))]
    pub name: Spanned<String>,
    /// DNS name of the user's domain.
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub domain: Spanned<String>,
    /// Kind of account.
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: AccountKind,
    /// Roles: `admin`, `helpdesk`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<UserRole>,
    /// Groups the user is a direct member of (`NAME` or `NETBIOS\NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub member_of: Vec<Spanned<String>>,
    /// Direct member of the domain's Protected Users group (RID 525).
    #[serde(default, skip_serializing_if = "is_false")]
    pub protected_users: bool,
    /// Kerberos encryption types the account has keys for; default `["aes256", "aes128", "rc4"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etypes: Option<Vec<EncryptionType>>,
    /// Delegation configured on the account.
    #[serde(default, skip_serializing_if = "is_default")]
    pub delegation: Delegation,
    /// "Account is sensitive and cannot be delegated" (NOT_DELEGATED).
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_delegated: bool,
    /// The account has AES keys. `false`: its password was last set before the domain had AES keys (or it was
    /// migrated), so it has none until the password is reset. Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub aes_keys: bool,
    /// The domain's built-in Administrator (RID 500: `S-1-5-21-<domain>-500`), whatever its name. Protected
    /// Users does not protect it as it does other accounts (exempt from authentication policies). Not given: an
    /// account named `Administrator` is taken to be it; set `false` for a decoy of that name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin_admin: Option<bool>,
    /// The account is enabled (userAccountControl without ACCOUNTDISABLE, 0x2). Default true. A disabled account
    /// signs in nowhere; imports keep it only as a member of a privileged group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The account is synchronized to Microsoft Entra ID and can sign in to Entra-joined devices. Not given: the
    /// domain's `entra_synced`, else not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entra_synced: Option<bool>,
}

/// Kind of account.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum AccountKind {
    /// A person.
    #[default]
    Person,
    /// A service account (a user account running a service).
    Service,
    /// A (group) managed service account.
    ManagedServiceAccount,
    /// A computer account.
    Computer,
}

/// Role of a user (or, on a group, of its members).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum UserRole {
    /// An administrator.
    Admin,
    /// Helpdesk personnel.
    Helpdesk,
}

/// Kerberos encryption type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum EncryptionType {
    /// DES (DES-CBC-CRC, DES-CBC-MD5).
    Des,
    /// RC4-HMAC.
    Rc4,
    /// AES128-CTS-HMAC-SHA1-96.
    Aes128,
    /// AES256-CTS-HMAC-SHA1-96.
    Aes256,
}

/// Kerberos delegation configured on an account.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum Delegation {
    /// No delegation.
    #[default]
    None,
    /// Constrained delegation (`msDS-AllowedToDelegateTo`).
    Constrained,
    /// Unconstrained delegation (TRUSTED_FOR_DELEGATION).
    Unconstrained,
}

/// A security group.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    /// sAMAccountName of the group.
    #[schemars(with = "String", length(min = 1, max = 256), regex(pattern = SAM_PATTERN))]
    pub name: Spanned<String>,
    /// DNS name of the group's domain.
    #[schemars(with = "String", length(min = 1, max = 253), regex(pattern = DNS_PATTERN))]
    pub domain: Spanned<String>,
    /// Groups this group is a member of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub member_of: Vec<Spanned<String>>,
    /// Roles every member has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<UserRole>,
    /// The group is nested in the domain's Protected Users group: every member is protected.
    #[serde(default, skip_serializing_if = "is_false")]
    pub protected_users: bool,
}

/// An access path: who connects from which clients to which targets, and how.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPath {
    /// Unique name of the path (letters, digits, `-`, `_`, `.`).
    #[schemars(with = "String", length(min = 1, max = 64), regex(pattern = IDENTIFIER_PATTERN))]
    pub name: Spanned<String>,
    /// What the sessions are for.
    pub purpose: Purpose,
    /// Who connects: selectors of users (`user:NAME`, `group:NAME`, `role:admin`, `domain:DNS`, or a bare name).
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub who: Vec<Spanned<String>>,
    /// Client devices: host selectors (`host:NAME`, `tag:TAG`, `group:NAME`, `role:paw`, `domain:DNS`, `*`, and the
    /// facts `os:OS`, hosts running that system, `build:<NUMBER`, hosts whose build is lower, `join:JOIN` and
    /// `rdp-client:APP`).
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub from: Vec<Spanned<String>>,
    /// Targets: host selectors.
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub to: Vec<Spanned<String>>,
    /// Which credentials the client uses.
    #[serde(default, skip_serializing_if = "is_default")]
    pub credentials: Credentials,
    /// Hosts the user connects onward to from the target, as the user (multi-hop); host selectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub hops: Vec<Spanned<String>>,
    /// Sessions must reach network resources (file shares, SQL) as the user.
    #[serde(default, skip_serializing_if = "is_false")]
    pub network_as_user: bool,
    /// Expected session length in hours (greater than 0, at most a year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 8784.0), extend("exclusiveMinimum" = 0))]
    pub session_hours: Option<f64>,
    /// Kerberos delegation the sessions rely on.
    #[serde(default, skip_serializing_if = "is_default")]
    pub delegation: Delegation,
    /// Sessions rely on CredSSP default credential delegation (single sign-on with saved or default credentials).
    #[serde(default, skip_serializing_if = "is_false")]
    pub credssp_sso: bool,
    /// How the connection reaches its targets: `direct`, or through an RD Gateway or RD Connection Broker.
    #[serde(default, skip_serializing_if = "is_default")]
    pub via: Route,
    /// Sessions of this path need resources that require device claims (compound authentication). Not given:
    /// the targets' `device_claims`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_claims: Option<bool>,
    /// Free text shown to reviewers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Purpose of an access path.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum Purpose {
    /// Administration of the target.
    Admin,
    /// Helpdesk support of the target's user.
    Helpdesk,
}

/// How an access path reaches its targets.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum Route {
    /// The client connects to the target itself.
    #[default]
    Direct,
    /// Through a Remote Desktop Gateway.
    Gateway,
    /// Through a Remote Desktop Connection Broker.
    Broker,
}

/// Credentials used by the Remote Desktop client.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = enum_of_consts)]
pub enum Credentials {
    /// The user's signed-in credentials.
    #[default]
    SignedIn,
    /// Credentials typed at connection time.
    Supplied,
    /// Credentials saved in the client.
    Saved,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Moves a span `by` bytes later (an entry parsed from a slice of the file, placed back at its offset).
fn shift<T: Default>(s: &mut Spanned<T>, by: usize) {
    let span = s.span();
    let value = std::mem::take(s.get_mut());
    *s = Spanned::new(span.start + by..span.end + by, value);
}

fn shift_all<T: Default>(list: &mut [Spanned<T>], by: usize) {
    list.iter_mut().for_each(|s| shift(s, by));
}

impl RawDomain {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.dns, by);
        shift(&mut self.netbios, by);
        self.forest.iter_mut().for_each(|s| shift(s, by));
    }
}

impl RawTrust {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.trusting, by);
        shift(&mut self.trusted, by);
    }
}

impl RawHost {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.name, by);
        self.domain.iter_mut().for_each(|s| shift(s, by));
        shift_all(&mut self.tags, by);
        shift_all(&mut self.member_of, by);
        for list in [
            &mut self.administrators,
            &mut self.remote_desktop_users,
            &mut self.rdp_logon_allowed,
            &mut self.allowed_to_authenticate,
        ]
        .into_iter()
        .flatten()
        {
            shift_all(list, by);
        }
        shift_all(&mut self.rdp_logon_denied, by);
        shift_all(&mut self.addresses, by);
    }
}

impl RawUser {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.name, by);
        shift(&mut self.domain, by);
        shift_all(&mut self.member_of, by);
    }
}

impl RawGroup {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.name, by);
        shift(&mut self.domain, by);
        shift_all(&mut self.member_of, by);
    }
}

impl RawPath {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        shift(&mut self.name, by);
        shift_all(&mut self.who, by);
        shift_all(&mut self.from, by);
        shift_all(&mut self.to, by);
        shift_all(&mut self.hops, by);
    }
}

impl RawInventory {
    /// Moves every span `by` bytes later.
    pub fn shift_spans(&mut self, by: usize) {
        self.domains.iter_mut().for_each(|d| d.shift_spans(by));
        self.trusts.iter_mut().for_each(|t| t.shift_spans(by));
        self.hosts.iter_mut().for_each(|h| h.shift_spans(by));
        self.users.iter_mut().for_each(|u| u.shift_spans(by));
        self.groups.iter_mut().for_each(|g| g.shift_spans(by));
        self.paths.iter_mut().for_each(|p| p.shift_spans(by));
    }
}
