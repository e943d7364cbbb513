//! The records the generator writes: domains, sites, hosts and users.

/// One domain of the sample, with the text it contributes to its hosts' entries.
pub(super) struct Dom {
    pub(super) dns: String,
    pub(super) netbios: String,
    /// Index of the forest root.
    pub(super) forest: usize,
    /// The `tailspin.net` forest: legacy, behind an external trust.
    pub(super) legacy: bool,
    pub(super) ws_acl: String,
    pub(super) srv_acl: String,
    pub(super) dc_acl: String,
    pub(super) paw_acl: String,
}

pub(super) struct Site {
    pub(super) domain: usize,
    pub(super) ws_tag: String,
    pub(super) srv_tag: String,
}

/// A host entry; name is `{prefix}-{serial}`.
#[derive(Default)]
pub(super) struct HostRec<'a> {
    pub(super) prefix: &'static str,
    pub(super) domain: Option<usize>,
    pub(super) join: &'static str,
    pub(super) os: &'static str,
    pub(super) build: Option<u32>,
    pub(super) kb: bool,
    pub(super) role: &'static str,
    pub(super) tags: Vec<&'a str>,
    pub(super) member_of: Option<&'static str>,
    pub(super) uwp: bool,
    pub(super) no_dc: bool,
    pub(super) laps: bool,
    pub(super) vdi: bool,
    pub(super) claims: bool,
    pub(super) offline: bool,
    pub(super) azure: bool,
    pub(super) disable_ra: Option<u32>,
    pub(super) protected_creds: bool,
    pub(super) policy: Option<&'static str>,
    pub(super) acl: Option<&'a str>,
}

/// A user entry.
#[derive(Default)]
pub(super) struct UserRec<'a> {
    pub(super) name: &'a str,
    pub(super) domain: usize,
    pub(super) kind: Option<&'static str>,
    pub(super) roles: Option<&'static str>,
    pub(super) member_of: Option<&'static str>,
    pub(super) protected: bool,
    pub(super) etypes: Option<&'static str>,
    pub(super) delegation: Option<&'static str>,
    pub(super) not_delegated: bool,
}

impl Dom {
    pub(super) fn new(dns: String, netbios: String, forest: usize, legacy: bool) -> Self {
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
    pub(super) fn set_acls(&mut self, root: &str) {
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
    pub(super) fn ad(domain: usize) -> Self {
        HostRec {
            domain: Some(domain),
            join: "ad",
            ..HostRec::default()
        }
    }
}
