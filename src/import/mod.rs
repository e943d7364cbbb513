//! Importing the estate from Active Directory: LDIF exports, a live directory over LDAP, BloodHound data.
//!
//! Every source is first read into a [`Directory`] (what the directory says, with its own identifiers), then
//! [`mapping::build`] turns it into an inventory with the same rules for all sources, [`merge`] folds in what
//! the administrator wrote by hand into an earlier inventory, and [`writer`] prints the commented TOML.

use std::collections::BTreeMap;

use crate::inventory::raw::{FunctionalLevel, TrustKind};

pub mod bloodhound;
pub mod entries;
pub mod ldap;
pub mod ldap_wire;
pub mod ldif;
pub mod mapping;
pub mod merge;
pub mod state;
pub mod writer;

pub use mapping::{Imported, build};

/// One directory object as LDAP returns it: a DN and its attributes (names lower-cased, options dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Distinguished name as written.
    pub dn: String,
    /// Attribute values (raw bytes: binary attributes such as `objectSid` stay binary).
    pub attrs: BTreeMap<String, Vec<Vec<u8>>>,
}

impl Entry {
    /// An entry with no attributes.
    pub fn new(dn: impl Into<String>) -> Self {
        Self {
            dn: dn.into(),
            attrs: BTreeMap::new(),
        }
    }

    /// The first value of an attribute as text.
    pub fn first(&self, attr: &str) -> Option<String> {
        self.attrs
            .get(attr)
            .and_then(|v| v.first())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Every value of an attribute as text.
    pub fn all(&self, attr: &str) -> Vec<String> {
        self.attrs
            .get(attr)
            .map(|v| {
                v.iter()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the attribute is present with at least one value.
    pub fn has(&self, attr: &str) -> bool {
        self.attrs.get(attr).is_some_and(|v| !v.is_empty())
    }

    /// The first value as an integer (AD writes flags as signed 32-bit decimals).
    pub fn int(&self, attr: &str) -> Option<i64> {
        self.first(attr).and_then(|s| s.trim().parse().ok())
    }
}

/// What a source says about the estate, before it is mapped to the inventory.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Domains whose own objects were read.
    pub domains: Vec<DirDomain>,
    /// Trusts as seen from one side.
    pub trusts: Vec<DirTrust>,
    /// Users, computers, managed service accounts and groups.
    pub objects: Vec<DirObject>,
    /// Problems met while reading, one sentence each.
    pub warnings: Vec<String>,
}

/// A domain.
#[derive(Debug, Clone, Default)]
pub struct DirDomain {
    /// DNS name (lower case).
    pub dns: String,
    /// NetBIOS name, when the source has it.
    pub netbios: Option<String>,
    /// Domain functional level, when the source has it; `Err` holds a value that maps to no level.
    pub level: Option<Result<FunctionalLevel, String>>,
    /// Domain SID.
    pub sid: Option<String>,
    /// Computer name of the domain controller holding the PDC emulator role.
    pub pdc: Option<String>,
}

/// A trust as recorded in one domain about a partner.
#[derive(Debug, Clone)]
pub struct DirTrust {
    /// DNS name of the domain holding the record.
    pub local: String,
    /// DNS name of the partner.
    pub partner: String,
    /// NetBIOS name of the partner, when known.
    pub partner_netbios: Option<String>,
    /// Direction from the local domain's side.
    pub direction: Direction,
    /// Kind, when the source says it; `None` = unknown.
    pub kind: Option<TrustKind>,
    /// Transitivity, when the source says it.
    pub transitive: Option<bool>,
    /// SID filtering (quarantine).
    pub sid_filtering: Option<bool>,
    /// Selective authentication.
    pub selective_auth: bool,
}

/// Direction of a trust, from the local domain's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The trust is disabled.
    Disabled,
    /// The partner trusts the local domain (local accounts reach partner resources).
    Inbound,
    /// The local domain trusts the partner.
    Outbound,
    /// Both.
    Bidirectional,
}

/// Kind of a directory object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A user account.
    User,
    /// A (group) managed service account.
    ManagedServiceAccount,
    /// A computer.
    Computer,
    /// A security group.
    Group,
}

/// A user, computer, managed service account or group.
#[derive(Debug, Clone)]
pub struct DirObject {
    /// The source's identifier for the object (lower-cased DN, or BloodHound's object identifier).
    pub id: String,
    /// DNS name of the object's domain (lower case).
    pub domain: String,
    /// Kind.
    pub kind: ObjectKind,
    /// sAMAccountName (computers and service accounts with their trailing `$`).
    pub sam: String,
    /// Object SID.
    pub sid: Option<String>,
    /// SID of the primary group.
    pub primary_group_sid: Option<String>,
    /// The account is disabled.
    pub disabled: bool,
    /// A domain controller (SERVER_TRUST_ACCOUNT, PARTIAL_SECRETS_ACCOUNT, primary group 516 or 521).
    pub dc: bool,
    /// The account has a servicePrincipalName.
    pub has_spn: bool,
    /// `operatingSystem`.
    pub os: Option<String>,
    /// `operatingSystemVersion`, e.g. `10.0 (19045)`.
    pub os_version: Option<String>,
    /// `msDS-SupportedEncryptionTypes`.
    pub etypes: Option<u32>,
    /// USE_DES_KEY_ONLY.
    pub des_only: bool,
    /// NOT_DELEGATED.
    pub not_delegated: bool,
    /// TRUSTED_FOR_DELEGATION.
    pub unconstrained: bool,
    /// `msDS-AllowedToDelegateTo` or TRUSTED_TO_AUTH_FOR_DELEGATION.
    pub constrained: bool,
    /// LAPS (legacy or Windows LAPS) manages the local administrator password.
    pub laps: bool,
    /// Members (source identifiers), for groups.
    pub members: Vec<String>,
    /// Members of the computer's local Administrators group (source identifiers), when collected.
    pub local_admins: Option<Vec<String>>,
    /// Members of the computer's local Remote Desktop Users group (source identifiers), when collected.
    pub local_rdp_users: Option<Vec<String>>,
    /// Who holds "Allow log on through Remote Desktop Services" on the computer (source identifiers), when
    /// collected.
    pub rdp_logon_allowed: Option<Vec<String>>,
    /// When the password was last set (`pwdLastSet`), in seconds since 1970-01-01 UTC; `None` when unknown or
    /// never set.
    pub pwd_last_set: Option<i64>,
    /// When the object was created (`whenCreated`), in seconds since 1970-01-01 UTC.
    pub created: Option<i64>,
}

impl DirObject {
    /// An object with every flag off.
    pub fn new(id: String, domain: String, kind: ObjectKind, sam: String) -> Self {
        Self {
            id,
            domain,
            kind,
            sam,
            sid: None,
            primary_group_sid: None,
            disabled: false,
            dc: false,
            has_spn: false,
            os: None,
            os_version: None,
            etypes: None,
            des_only: false,
            not_delegated: false,
            unconstrained: false,
            constrained: false,
            laps: false,
            members: Vec::new(),
            local_admins: None,
            local_rdp_users: None,
            rdp_logon_allowed: None,
            pwd_last_set: None,
            created: None,
        }
    }
}

/// The relative identifier (last component) of a SID.
pub fn rid(sid: &str) -> Option<u32> {
    sid.rsplit('-').next().and_then(|r| r.parse().ok())
}

/// The domain part of a SID (everything before the RID).
pub fn domain_sid(sid: &str) -> Option<&str> {
    sid.rsplit_once('-').map(|(d, _)| d)
}
