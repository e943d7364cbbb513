//! A deterministic synthetic inventory of any size, for trying guardplan at scale and for benchmarks.
//!
//! The estate has up to three forests (`contoso.com` with child domains, `fabrikam.com` joined by a forest
//! trust, `tailspin.net` behind a one-way external trust with selective authentication), hosts spread over
//! sites with a realistic mix of operating systems, join types and roles, users with admin and helpdesk roles,
//! Protected Users members (a few of them classic mistakes), and access paths written with selectors.
//!
//! The text is written straight into a `String` (no serde): the same [`SampleSpec`] always gives the same bytes.

use std::fmt::Write as _;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Number of hosts.
    pub hosts: u32,
    /// Number of users.
    pub users: u32,
    /// Number of domains (1 to [`MAX_DOMAINS`]).
    pub domains: u32,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
}

impl SampleSpec {
    /// `hosts` hosts, twice as many users, four domains, seed 1.
    pub fn new(hosts: u32) -> Self {
        SampleSpec {
            hosts,
            users: hosts.saturating_mul(2),
            domains: 4,
            seed: 1,
        }
    }
}

/// Most domains a sample may have.
pub const MAX_DOMAINS: u32 = 60;
/// Most hosts a sample may have.
pub const MAX_HOSTS: u32 = 5_000_000;
/// Most users a sample may have.
pub const MAX_USERS: u32 = 10_000_000;

/// Hosts every domain gets before the bulk: two domain controllers, a PAW, a helpdesk console, a file server.
const HOSTS_PER_DOMAIN: u32 = 5;
/// Users every domain gets before the bulk: one per admin and helpdesk group.
const USERS_PER_DOMAIN: u32 = 4;
/// One site per this many hosts (at least one per domain).
const HOSTS_PER_SITE: u32 = 2500;

/// Why a spec cannot be generated, as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// Fewest hosts a sample with `domains` domains needs so that every selector of its paths matches.
pub fn min_hosts(domains: u32) -> u32 {
    domains * HOSTS_PER_DOMAIN + GLOBAL_HOSTS.len() as u32 + 2 * domains
}

/// Fewest users a sample with `domains` domains needs.
pub fn min_users(domains: u32) -> u32 {
    domains * USERS_PER_DOMAIN + GLOBAL_USERS.len() as u32
}

/// Generates the inventory text.
pub fn generate(spec: &SampleSpec) -> Result<String, SpecError> {
    check(spec)?;
    // About 250 bytes per host and 90 per user.
    let mut out =
        String::with_capacity(spec.hosts as usize * 260 + spec.users as usize * 95 + 16384);
    Gen::new(spec).write(&mut out);
    // One newline at the end, as `taplo fmt` leaves a file.
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn check(spec: &SampleSpec) -> Result<(), SpecError> {
    if !(1..=MAX_DOMAINS).contains(&spec.domains) {
        return Err(SpecError(format!(
            "--domains must be between 1 and {MAX_DOMAINS}, not {}",
            spec.domains
        )));
    }
    let min = min_hosts(spec.domains);
    if !(min..=MAX_HOSTS).contains(&spec.hosts) {
        return Err(SpecError(format!(
            "--hosts must be between {min} and {MAX_HOSTS} for {} domain(s), not {}",
            spec.domains, spec.hosts
        )));
    }
    let min = min_users(spec.domains);
    if !(min..=MAX_USERS).contains(&spec.users) {
        return Err(SpecError(format!(
            "--users must be between {min} and {MAX_USERS} for {} domain(s), not {}",
            spec.domains, spec.users
        )));
    }
    Ok(())
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// True with a probability of `per_mille` / 1000.
    fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille
    }

    /// Picks from a table of `(weight, value)`; weights add up to 1000.
    fn pick<T: Copy>(&mut self, table: &[(u32, T)]) -> T {
        let mut roll = self.below(1000);
        for (w, v) in table {
            if roll < *w {
                return *v;
            }
            roll -= w;
        }
        table[table.len() - 1].1
    }
}

const ROOTS: [(&str, &str); 3] = [
    ("contoso.com", "CONTOSO"),
    ("fabrikam.com", "FABRIKAM"),
    ("tailspin.net", "TAILSPIN"),
];

const REGIONS: [&str; 20] = [
    "emea", "apac", "amer", "eu", "us", "asia", "latam", "anz", "mea", "nordics", "dach",
    "benelux", "iberia", "uki", "japan", "korea", "india", "china", "canada", "brazil",
];

const CITIES: [&str; 20] = [
    "ams", "fra", "lon", "par", "nyc", "sea", "tok", "syd", "sin", "sao", "mad", "mil", "sto",
    "waw", "dub", "zrh", "bos", "chi", "dal", "mex",
];

const FIRST: [&str; 16] = [
    "anna", "ben", "chen", "dana", "emil", "fatma", "hiro", "ines", "jonas", "kofi", "lena",
    "marco", "nora", "omar", "priya", "yuki",
];

const LAST: [&str; 16] = [
    "berg", "costa", "diaz", "evans", "fuchs", "garcia", "haas", "ito", "jensen", "kim", "lopez",
    "meyer", "nagy", "ortiz", "sato", "weber",
];

/// One domain of the sample, with the text it contributes to its hosts' entries.
struct Dom {
    dns: String,
    netbios: String,
    /// Index of the forest root.
    forest: usize,
    /// The `tailspin.net` forest: legacy, behind an external trust.
    legacy: bool,
    ws_acl: String,
    srv_acl: String,
    dc_acl: String,
    paw_acl: String,
}

struct Site {
    domain: usize,
    ws_tag: String,
    srv_tag: String,
}

/// A host entry; name is `{prefix}-{serial}`.
#[derive(Default)]
struct HostRec<'a> {
    prefix: &'static str,
    domain: Option<usize>,
    join: &'static str,
    os: &'static str,
    build: Option<u32>,
    kb: bool,
    role: &'static str,
    tags: Vec<&'a str>,
    member_of: Option<&'static str>,
    uwp: bool,
    no_dc: bool,
    laps: bool,
    vdi: bool,
    claims: bool,
    offline: bool,
    azure: bool,
    disable_ra: Option<u32>,
    protected_creds: bool,
    policy: Option<&'static str>,
    acl: Option<&'a str>,
}

/// A user entry.
#[derive(Default)]
struct UserRec<'a> {
    name: &'a str,
    domain: usize,
    kind: Option<&'static str>,
    roles: Option<&'static str>,
    member_of: Option<&'static str>,
    protected: bool,
    etypes: Option<&'static str>,
    delegation: Option<&'static str>,
    not_delegated: bool,
}

/// Hosts of `contoso.com` that the fixed paths select: (prefix, os, build, kb2871997, join, tags).
type GlobalHost = (
    &'static str,
    &'static str,
    Option<u32>,
    bool,
    &'static str,
    &'static str,
);

const GLOBAL_HOSTS: [GlobalHost; 17] = [
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
type GlobalUser = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    bool,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const GLOBAL_USERS: [GlobalUser; 8] = [
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

struct Gen {
    spec: SampleSpec,
    doms: Vec<Dom>,
    forests: usize,
    sites: Vec<Site>,
    rng: Rng,
    serial: u32,
}

impl Gen {
    fn new(spec: &SampleSpec) -> Self {
        let n = spec.domains as usize;
        let forests = match n {
            1 => 1,
            2 | 3 => 2,
            _ => 3,
        };
        let mut doms: Vec<Dom> = Vec::with_capacity(n);
        for (i, (dns, nb)) in ROOTS.iter().take(forests).enumerate() {
            doms.push(Dom::new(dns.to_string(), nb.to_string(), i, i == 2));
        }
        for j in 0..n - forests {
            // Two of three child domains go under contoso.com, every third under fabrikam.com.
            let parent = if forests >= 2 && j % 3 == 2 { 1 } else { 0 };
            let region = match REGIONS.get(j) {
                Some(r) => r.to_string(),
                None => format!("r{j}"),
            };
            let dns = format!("{region}.{}", ROOTS[parent].0);
            doms.push(Dom::new(dns, region.to_uppercase(), parent, false));
        }
        for i in 0..n {
            let root = doms[doms[i].forest].netbios.clone();
            doms[i].set_acls(&root);
        }
        let nsites = (spec.hosts / HOSTS_PER_SITE).max(spec.domains) as usize;
        let sites = (0..nsites)
            .map(|k| {
                let city = CITIES[k % CITIES.len()];
                let name = match k / CITIES.len() {
                    0 => city.to_string(),
                    round => format!("{city}{}", round + 1),
                };
                Site {
                    domain: k % n,
                    ws_tag: format!("ws-{name}"),
                    srv_tag: format!("srv-{name}"),
                }
            })
            .collect();
        Gen {
            spec: *spec,
            doms,
            forests,
            sites,
            rng: Rng(spec.seed ^ 0x6775_6172_6470_6c61),
            serial: 0,
        }
    }

    fn write(mut self, out: &mut String) {
        let s = self.spec;
        let _ = writeln!(out, "{}", crate::inventory::SCHEMA_DIRECTIVE);
        let _ = writeln!(
            out,
            "# Synthetic estate: guardplan sample --hosts {} --users {} --domains {} --seed {}\n\
             version = 1\n\
             description = \"Synthetic estate: {} hosts, {} users, {} domains (seed {})\"\n",
            s.hosts, s.users, s.domains, s.seed, s.hosts, s.users, s.domains, s.seed
        );
        self.domains(out);
        self.trusts(out);
        self.groups(out);
        self.users(out);
        self.hosts(out);
        self.paths(out);
    }

    fn domains(&self, out: &mut String) {
        for (i, d) in self.doms.iter().enumerate() {
            let level = if d.legacy {
                "2008r2"
            } else if d.forest != i && i % 2 == 0 {
                "2012r2"
            } else {
                "2016"
            };
            let _ = writeln!(
                out,
                "[[domain]]\ndns = \"{}\"\nnetbios = \"{}\"\nfunctional_level = \"{level}\"",
                d.dns, d.netbios
            );
            if d.forest != i {
                let _ = writeln!(out, "forest = \"{}\"", self.doms[d.forest].dns);
            }
            if d.legacy {
                out.push_str("pdc_emulator_os = \"server-2008r2\"\n");
            }
            out.push('\n');
        }
    }

    fn trusts(&self, out: &mut String) {
        let trust = |out: &mut String, a: usize, b: usize, two_way: bool, kind: &str| {
            let _ = writeln!(
                out,
                "[[trust]]\ntrusting = \"{}\"\ntrusted = \"{}\"\ndirection = \"{}\"\ntype = \"{kind}\"",
                self.doms[a].dns,
                self.doms[b].dns,
                if two_way { "two-way" } else { "one-way" }
            );
        };
        for (i, d) in self.doms.iter().enumerate() {
            if d.forest != i {
                trust(out, i, d.forest, true, "parent-child");
                out.push('\n');
            }
        }
        if self.forests >= 2 {
            trust(out, 0, 1, true, "forest");
            out.push('\n');
        }
        if self.forests >= 3 {
            // tailspin.net holds resources that contoso.com administers; only selected accounts may sign in.
            trust(out, 2, 0, false, "external");
            out.push_str("selective_auth = true\nsid_filtering = true\n\n");
        }
        let children: Vec<usize> = (self.forests..self.doms.len())
            .filter(|i| self.doms[*i].forest == 0)
            .take(2)
            .collect();
        if let [a, b] = children[..] {
            trust(out, a, b, true, "shortcut");
            out.push('\n');
        }
    }

    fn groups(&self, out: &mut String) {
        // (name, member_of, roles, protected_users)
        const GROUPS: [(&str, &str, &str, bool); 12] = [
            ("Tier0-Admins", "", r#"["admin"]"#, true),
            ("Server-Admins", "", r#"["admin"]"#, false),
            ("Tier1-Operators", r#"["Server-Admins"]"#, "", false),
            ("Workstation-Admins", "", "", false),
            (
                "Helpdesk",
                r#"["Workstation-Admins"]"#,
                r#"["helpdesk"]"#,
                false,
            ),
            ("Helpdesk-L1", "", r#"["helpdesk"]"#, false),
            ("Staff", "", "", false),
            ("Service-Accounts", "", "", false),
            ("PAWs", "", "", false),
            ("Helpdesk-Consoles", "", "", false),
            ("File-Servers", "", "", false),
            ("SQL-Servers", "", "", false),
        ];
        for d in &self.doms {
            for (name, member_of, roles, pu) in GROUPS {
                let _ = writeln!(out, "[[group]]\nname = \"{name}\"\ndomain = \"{}\"", d.dns);
                if !member_of.is_empty() {
                    let _ = writeln!(out, "member_of = {member_of}");
                }
                if !roles.is_empty() {
                    let _ = writeln!(out, "roles = {roles}");
                }
                if pu {
                    out.push_str("protected_users = true\n");
                }
                out.push('\n');
            }
        }
    }

    fn users(&mut self, out: &mut String) {
        const SPECIAL: [(&str, &str); 4] = [
            ("t0-admin", "Tier0-Admins"),
            ("srv-admin", "Tier1-Operators"),
            ("hd-agent", "Helpdesk"),
            ("hd-l1-agent", "Helpdesk-L1"),
        ];
        let mut written = 0u32;
        for d in 0..self.doms.len() {
            for (name, group) in SPECIAL {
                self.user(
                    out,
                    &UserRec {
                        name,
                        domain: d,
                        member_of: Some(group),
                        ..UserRec::default()
                    },
                );
                written += 1;
            }
        }
        for (name, kind, member_of, protected, etypes, delegation, roles) in GLOBAL_USERS {
            self.user(
                out,
                &UserRec {
                    name,
                    domain: 0,
                    kind,
                    roles,
                    member_of,
                    protected,
                    etypes,
                    delegation,
                    not_delegated: name == "adm.sensitive",
                },
            );
            written += 1;
        }
        let mut name = String::with_capacity(24);
        for i in written..self.spec.users {
            let domain = self.rng.below(self.doms.len() as u32) as usize;
            let roll = self.rng.below(1000);
            let mut u = UserRec {
                domain,
                ..UserRec::default()
            };
            name.clear();
            match roll {
                0..=29 => {
                    let _ = write!(name, "svc-{i:07}");
                    u.kind = Some("service");
                    u.member_of = Some("Service-Accounts");
                }
                30..=34 => {
                    let _ = write!(name, "msa-{i:07}$");
                    u.kind = Some("managed-service-account");
                }
                _ => {
                    let f = FIRST[(i as usize / 7) % FIRST.len()];
                    let l = LAST[(i as usize / 3) % LAST.len()];
                    let _ = write!(name, "{f}.{l}{i}");
                    u.member_of = Some(match roll {
                        35 => "Tier0-Admins",
                        36..=42 => "Tier1-Operators",
                        43..=46 => "Server-Admins",
                        47..=51 => "Workstation-Admins",
                        52..=56 => "Helpdesk",
                        57..=59 => "Helpdesk-L1",
                        _ => "Staff",
                    });
                    // Some admins are already enrolled in Protected Users directly.
                    u.protected = (36..=56).contains(&roll) && self.rng.chance(350);
                }
            }
            let e = self.rng.below(1000);
            u.etypes = match e {
                0..=49 => Some(r#"["aes256", "aes128"]"#),
                50..=54 => Some(r#"["rc4"]"#),
                _ => None,
            };
            u.name = &name;
            self.user(out, &u);
        }
    }

    fn user(&self, out: &mut String, u: &UserRec) {
        out.push_str("[[user]]\nname = \"");
        out.push_str(u.name);
        out.push_str("\"\ndomain = \"");
        out.push_str(&self.doms[u.domain].dns);
        out.push_str("\"\n");
        opt_str(out, "kind", u.kind);
        opt_raw(out, "roles", u.roles);
        if let Some(g) = u.member_of {
            let _ = writeln!(out, "member_of = [\"{g}\"]");
        }
        flag(out, "protected_users", u.protected);
        opt_raw(out, "etypes", u.etypes);
        opt_str(out, "delegation", u.delegation);
        flag(out, "not_delegated", u.not_delegated);
        out.push('\n');
    }

    fn hosts(&mut self, out: &mut String) {
        let doms = std::mem::take(&mut self.doms);
        let sites = std::mem::take(&mut self.sites);
        for (i, d) in doms.iter().enumerate() {
            let (os_a, os_b, kb_b) = if d.legacy {
                ("server-2008r2", "server-2012", true)
            } else if i == 0 {
                ("server-2022", "server-2025", false)
            } else {
                ("server-2019", "server-2022", false)
            };
            for (os, kb) in [(os_a, false), (os_b, kb_b)] {
                let h = HostRec {
                    prefix: "DC",
                    os,
                    kb,
                    role: "domain-controller",
                    tags: vec!["dc"],
                    acl: Some(&d.dc_acl),
                    ..HostRec::ad(i)
                };
                self.host(out, &doms, &h);
            }
            let mut paw_tags = vec!["paw"];
            if i == 0 {
                paw_tags.push("paw-tier0");
            }
            let paw = HostRec {
                prefix: "PAW",
                os: "windows-11",
                build: Some(26100),
                role: "paw",
                tags: paw_tags,
                member_of: Some("PAWs"),
                laps: true,
                policy: Some("restrict-credential-delegation"),
                acl: Some(&d.paw_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &paw);
            let console = HostRec {
                prefix: "HD",
                os: "windows-11",
                build: Some(22631),
                role: "helpdesk-console",
                member_of: Some("Helpdesk-Consoles"),
                laps: true,
                policy: Some("require-restricted-admin"),
                acl: Some(&d.ws_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &console);
            let fs = HostRec {
                prefix: "FS",
                os: "server-2022",
                role: "server",
                tags: vec!["file"],
                member_of: Some("File-Servers"),
                laps: true,
                acl: Some(&d.srv_acl),
                ..HostRec::ad(i)
            };
            self.host(out, &doms, &fs);
        }
        for (prefix, os, build, kb, join, tag) in GLOBAL_HOSTS {
            let server = os.starts_with("server");
            let domain = matches!(join, "ad" | "hybrid").then_some(0);
            let h = HostRec {
                prefix,
                domain,
                join,
                os,
                build,
                kb,
                role: if server { "server" } else { "workstation" },
                tags: vec![tag],
                member_of: match tag {
                    "sql" => Some("SQL-Servers"),
                    "claims" => Some("File-Servers"),
                    _ => None,
                },
                uwp: tag == "uwp",
                no_dc: tag == "offsite",
                offline: tag == "offsite",
                laps: join != "workgroup",
                vdi: tag == "vdi",
                claims: tag == "claims",
                azure: tag == "azure",
                disable_ra: (tag == "jump").then_some(0),
                protected_creds: tag == "jump",
                acl: match (server, join) {
                    (_, "workgroup") => None,
                    (true, _) => Some(doms[0].srv_acl.as_str()),
                    (false, _) => Some(doms[0].ws_acl.as_str()),
                },
                ..HostRec::default()
            };
            self.host(out, &doms, &h);
        }
        // Every site gets a workstation and a server first, so that its paths always match.
        let mut b = 0usize;
        while self.serial < self.spec.hosts {
            let site = if b < 2 * sites.len() {
                b / 2
            } else {
                self.rng.below(sites.len() as u32) as usize
            };
            let server = if b < 2 * sites.len() {
                b % 2 == 1
            } else {
                self.rng.chance(130)
            };
            b += 1;
            let h = if server {
                self.bulk_server(&doms, &sites[site])
            } else {
                self.bulk_client(&doms, &sites[site])
            };
            self.host(out, &doms, &h);
        }
        self.doms = doms;
        self.sites = sites;
    }

    fn bulk_server<'a>(&mut self, doms: &'a [Dom], site: &'a Site) -> HostRec<'a> {
        let d = &doms[site.domain];
        let os = self.rng.pick(&[
            (10, "server-2008r2"),
            (80, "server-2012r2"),
            (200, "server-2016"),
            (300, "server-2019"),
            (290, "server-2022"),
            (120, "server-2025"),
        ]);
        let kind = self.rng.below(1000);
        let mut h = HostRec {
            prefix: "SRV",
            os,
            role: "server",
            tags: vec![site.srv_tag.as_str()],
            laps: self.rng.chance(920),
            azure: self.rng.chance(50),
            acl: Some(&d.srv_acl),
            ..HostRec::ad(site.domain)
        };
        if self.rng.chance(100) {
            h.join = "hybrid";
        }
        match kind {
            0..=99 => {
                h.prefix = "FS";
                h.member_of = Some("File-Servers");
                // Dynamic Access Control: some file servers need device claims.
                h.claims = self.rng.chance(150);
            }
            100..=179 => {
                h.prefix = "SQL";
                h.member_of = Some("SQL-Servers");
            }
            180..=219 => {
                h.prefix = "VDI";
                h.role = "workstation";
                h.os = "windows-11";
                h.build = Some(22631);
                h.vdi = true;
            }
            _ => {}
        }
        let r = self.rng.below(1000);
        h.disable_ra = match r {
            0..=149 => Some(0),
            150..=169 => Some(1),
            _ => None,
        };
        h.protected_creds = r < 100;
        h
    }

    fn bulk_client<'a>(&mut self, doms: &'a [Dom], site: &'a Site) -> HostRec<'a> {
        let d = &doms[site.domain];
        let (os, build, kb) = self.rng.pick(&[
            (350, ("windows-11", Some(22631), false)),
            (220, ("windows-11", Some(26100), false)),
            (330, ("windows-10", Some(19045), false)),
            (20, ("windows-10", Some(14393), false)),
            (20, ("windows-10", Some(15063), false)),
            (20, ("windows-7", None, true)),
            (10, ("windows-7", None, false)),
            (30, ("windows-8.1", None, false)),
        ]);
        let join = self.rng.pick(&[
            (300, "ad"),
            (550, "hybrid"),
            (120, "entra"),
            (30, "workgroup"),
        ]);
        let ad = matches!(join, "ad" | "hybrid");
        let kind = self.rng.below(1000);
        let mut h = HostRec {
            prefix: "WS",
            domain: ad.then_some(site.domain),
            join,
            os,
            build,
            kb,
            role: "workstation",
            tags: vec![site.ws_tag.as_str()],
            laps: join != "workgroup" && self.rng.chance(900),
            uwp: self.rng.chance(20),
            acl: (join != "workgroup").then_some(d.ws_acl.as_str()),
            ..HostRec::default()
        };
        match kind {
            0..=7 if ad => {
                h.prefix = "PAW";
                h.role = "paw";
                h.tags = vec!["paw"];
                h.member_of = Some("PAWs");
                h.acl = Some(&d.paw_acl);
                h.policy = Some(self.rng.pick(&[
                    (500, "restrict-credential-delegation"),
                    (300, "require-remote-guard"),
                    (200, "require-restricted-admin"),
                ]));
            }
            8..=13 if ad => {
                h.prefix = "HD";
                h.role = "helpdesk-console";
                h.member_of = Some("Helpdesk-Consoles");
                h.policy = self.rng.chance(300).then_some("require-restricted-admin");
            }
            14..=213 => {
                h.prefix = "LT";
                h.offline = true;
                h.no_dc = self.rng.chance(50);
            }
            _ => {}
        }
        h
    }

    fn host(&mut self, out: &mut String, doms: &[Dom], h: &HostRec) {
        self.serial += 1;
        let _ = write!(
            out,
            "[[host]]\nname = \"{}-{:07}\"\n",
            h.prefix, self.serial
        );
        if let Some(d) = h.domain {
            out.push_str("domain = \"");
            out.push_str(&doms[d].dns);
            out.push_str("\"\n");
        }
        opt_str(out, "join", Some(h.join));
        opt_str(out, "os", Some(h.os));
        if let Some(b) = h.build {
            let _ = writeln!(out, "build = {b}");
        }
        flag(out, "kb2871997", h.kb);
        let _ = writeln!(out, "roles = [\"{}\"]", h.role);
        if !h.tags.is_empty() {
            out.push_str("tags = [");
            for (i, t) in h.tags.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                out.push_str(t);
                out.push('"');
            }
            out.push_str("]\n");
        }
        if let Some(g) = h.member_of {
            let _ = writeln!(out, "member_of = [\"{g}\"]");
        }
        if h.uwp {
            out.push_str("rdp_client = \"uwp\"\n");
        }
        if h.no_dc {
            out.push_str("dc_line_of_sight = false\n");
        }
        flag(out, "laps", h.laps);
        flag(out, "rds_vdi", h.vdi);
        flag(out, "device_claims", h.claims);
        flag(out, "offline_signin", h.offline);
        flag(out, "azure_vm", h.azure);
        if let Some(v) = h.disable_ra {
            let _ = writeln!(out, "disable_restricted_admin = {v}");
        }
        flag(out, "allow_protected_creds", h.protected_creds);
        opt_str(out, "client_policy", h.policy);
        if let Some(acl) = h.acl {
            out.push_str(acl);
        }
        out.push('\n');
    }

    fn paths(&self, out: &mut String) {
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

impl Dom {
    fn new(dns: String, netbios: String, forest: usize, legacy: bool) -> Self {
        Dom {
            dns,
            netbios,
            forest,
            legacy,
            ws_acl: String::new(),
            srv_acl: String::new(),
            dc_acl: String::new(),
            paw_acl: String::new(),
        }
    }

    /// The local group lines: groups only, so that the loader interns them to a few distinct lists.
    fn set_acls(&mut self, root: &str) {
        let nb = &self.netbios;
        self.ws_acl = format!(
            "administrators = ['{nb}\\Workstation-Admins']\nremote_desktop_users = ['{nb}\\Helpdesk-L1']\n"
        );
        let extra = match (self.forest, self.legacy) {
            (_, true) => ", 'CONTOSO\\Server-Admins'",
            (1, _) => ", 'CONTOSO\\Tier1-Operators'",
            _ => "",
        };
        self.srv_acl = format!("administrators = ['{nb}\\Server-Admins'{extra}]\n");
        self.dc_acl = if root == nb {
            format!("administrators = ['{nb}\\Tier0-Admins']\n")
        } else {
            format!("administrators = ['{nb}\\Tier0-Admins', '{root}\\Tier0-Admins']\n")
        };
        self.paw_acl = format!("administrators = ['{nb}\\Tier0-Admins']\n");
    }
}

impl HostRec<'_> {
    fn ad(domain: usize) -> Self {
        HostRec {
            domain: Some(domain),
            join: "ad",
            ..HostRec::default()
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

fn flag(out: &mut String, key: &str, on: bool) {
    if on {
        out.push_str(key);
        out.push_str(" = true\n");
    }
}

fn opt_str(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(key);
        out.push_str(" = \"");
        out.push_str(v);
        out.push_str("\"\n");
    }
}

fn opt_raw(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(key);
        out.push_str(" = ");
        out.push_str(v);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable() {
        // The first outputs of SplitMix64 seeded with 0 (reference values of the algorithm).
        let mut r = Rng(0);
        assert_eq!(r.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn small_specs_are_refused() {
        assert!(generate(&SampleSpec::new(10)).is_err());
        assert!(
            generate(&SampleSpec {
                domains: 0,
                ..SampleSpec::new(1000)
            })
            .is_err()
        );
        assert!(
            generate(&SampleSpec {
                users: 3,
                ..SampleSpec::new(1000)
            })
            .is_err()
        );
    }
}
