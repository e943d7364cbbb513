//! Fixed names of the sample: forest roots, sites, people, and the hosts and users of `contoso.com` that the
//! fixed access paths select.

pub(super) const ROOTS: [(&str, &str); 3] = [
    ("contoso.com", "CONTOSO"),
    ("fabrikam.com", "FABRIKAM"),
    ("tailspin.net", "TAILSPIN"),
];

pub(super) const REGIONS: [&str; 20] = [
    "emea", "apac", "amer", "eu", "us", "asia", "latam", "anz", "mea", "nordics", "dach",
    "benelux", "iberia", "uki", "japan", "korea", "india", "china", "canada", "brazil",
];

pub(super) const CITIES: [&str; 20] = [
    "ams", "fra", "lon", "par", "nyc", "sea", "tok", "syd", "sin", "sao", "mad", "mil", "sto",
    "waw", "dub", "zrh", "bos", "chi", "dal", "mex",
];

pub(super) const FIRST: [&str; 16] = [
    "anna", "ben", "chen", "dana", "emil", "fatma", "hiro", "ines", "jonas", "kofi", "lena",
    "marco", "nora", "omar", "priya", "yuki",
];

pub(super) const LAST: [&str; 16] = [
    "berg", "costa", "diaz", "evans", "fuchs", "garcia", "haas", "ito", "jensen", "kim", "lopez",
    "meyer", "nagy", "ortiz", "sato", "weber",
];

/// Hosts of `contoso.com` that the fixed paths select: (prefix, os, build, kb2871997, join, tags).
pub(super) type GlobalHost = (
    &'static str,
    &'static str,
    Option<u32>,
    bool,
    &'static str,
    &'static str,
);

pub(super) const GLOBAL_HOSTS: [GlobalHost; 17] = [
    ("JMP", "server-2022", None, false, "ad", "jump"),
    ("SQL", "server-2019", None, false, "ad", "sql"),
    ("FSC", "server-2022", None, false, "ad", "claims"),
    ("VDI", "windows-11", Some(22631), false, "ad", "vdi"),
    ("WS", "windows-11", Some(26100), false, "entra", "entra"),
    (
        "KSK",
        "windows-10",
        Some(19045),
        false,
        "workgroup",
        "kiosk",
    ),
    ("SRV", "server-2008r2", None, false, "ad", "legacy"),
    ("SRV", "server-2012", None, true, "ad", "legacy"),
    ("WS", "windows-7", None, true, "ad", "legacy"),
    ("WS", "windows-8.1", None, false, "hybrid", "legacy"),
    ("SRV", "server-2012r2", None, false, "ad", "legacy"),
    ("WS", "windows-10", Some(14393), false, "ad", "vendor"),
    ("WS", "windows-10", Some(14393), false, "ad", "contractor"),
    (
        "WS",
        "windows-10",
        Some(15063),
        false,
        "hybrid",
        "contractor",
    ),
    ("WS", "windows-11", Some(22631), false, "hybrid", "uwp"),
    ("LT", "windows-11", Some(22631), false, "hybrid", "offsite"),
    ("AZ", "server-2022", None, false, "ad", "azure"),
];

/// Users of `contoso.com` with classic Protected Users mistakes and the accounts the fixed paths name:
/// (name, kind, member_of, protected_users, etypes, delegation, roles).
pub(super) type GlobalUser = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    bool,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

pub(super) const GLOBAL_USERS: [GlobalUser; 8] = [
    // A service account put into Protected Users: its sign-ins fail.
    (
        "svc-backup",
        Some("service"),
        Some("Service-Accounts"),
        true,
        None,
        Some("constrained"),
        None,
    ),
    // A group managed service account inside a group nested in Protected Users.
    (
        "gmsa-sql$",
        Some("managed-service-account"),
        Some("Tier0-Admins"),
        false,
        None,
        None,
        None,
    ),
    // A computer account added to Protected Users.
    ("SRV-OLD$", Some("computer"), None, true, None, None, None),
    // A member with only RC4 keys: pre-authentication fails.
    (
        "adm.legacy",
        None,
        Some("Server-Admins"),
        true,
        Some(r#"["rc4"]"#),
        None,
        None,
    ),
    // A member whose account relies on delegation.
    (
        "adm.deleg",
        None,
        Some("Server-Admins"),
        true,
        None,
        Some("unconstrained"),
        None,
    ),
    // An admin who is not in Protected Users yet.
    (
        "vendor.acme",
        None,
        None,
        false,
        Some(r#"["aes256", "aes128"]"#),
        None,
        Some(r#"["admin"]"#),
    ),
    // A helpdesk member in Protected Users.
    ("hd.roaming", None, Some("Helpdesk"), true, None, None, None),
    (
        "adm.sensitive",
        None,
        Some("Tier1-Operators"),
        false,
        None,
        None,
        None,
    ),
];
