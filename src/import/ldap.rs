//! Reading the directory live from a domain controller (LDAPS or StartTLS, simple bind, paged search).

use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, Scope, SearchEntry};

use super::Entry;

/// Page size of the paged search (Active Directory's MaxPageSize is 1000).
const PAGE: i32 = 500;

/// The objects the mapping reads, and the attributes it uses.
pub const FILTER: &str =
    "(|(objectClass=domainDNS)(objectClass=trustedDomain)(objectClass=user)(objectClass=group))";
/// Attributes requested (the same list is documented for LDIF exports in the README).
pub const ATTRIBUTES: &[&str] = &[
    "objectClass",
    "sAMAccountName",
    "objectSid",
    "userAccountControl",
    "primaryGroupID",
    "servicePrincipalName",
    "operatingSystem",
    "operatingSystemVersion",
    "msDS-SupportedEncryptionTypes",
    "ms-Mcs-AdmPwdExpirationTime",
    "msLAPS-PasswordExpirationTime",
    "msDS-AllowedToDelegateTo",
    "member",
    "msDS-Behavior-Version",
    "fSMORoleOwner",
    "trustPartner",
    "flatName",
    "trustDirection",
    "trustType",
    "trustAttributes",
];

/// How to reach the directory.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ldaps://host[:port]` or `ldap://host[:port]` (then StartTLS unless `insecure_plain`).
    pub url: String,
    /// Base DN of the domain, e.g. `DC=corp,DC=example,DC=com`.
    pub base: String,
    /// DN (or `user@domain`) to bind as; `None` binds anonymously.
    pub bind: Option<String>,
    /// Plain LDAP without TLS: only to a loopback address.
    pub insecure_plain: bool,
    /// Connection timeout.
    pub timeout: Duration,
}

/// Whether a URL names the loopback host (the only place plain LDAP is allowed).
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("ldap://")
        .or_else(|| url.strip_prefix("LDAP://"))
        .unwrap_or("");
    let host = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    matches!(host, "127.0.0.1" | "::1" | "localhost")
}

/// Checks the URL and TLS choice before anything connects.
pub fn check_target(t: &Target) -> Result<(), String> {
    let lower = t.url.to_ascii_lowercase();
    if t.insecure_plain {
        if !is_loopback_url(&t.url) {
            return Err(format!(
                "--insecure-plain sends the password unencrypted and is allowed only to ldap://127.0.0.1, not `{}`",
                t.url
            ));
        }
    } else if !(lower.starts_with("ldaps://") || lower.starts_with("ldap://")) {
        return Err(format!(
            "`{}` is not an LDAP URL: use ldaps://dc.example.com or ldap://dc.example.com (StartTLS)",
            t.url
        ));
    }
    Ok(())
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// Connects, binds and reads every object the mapping uses, plus the NetBIOS names from the partitions
/// container. The password is used for the bind and dropped.
pub fn read(t: &Target, password: Option<String>) -> Result<Vec<Entry>, String> {
    check_target(t)?;
    let starttls = t.url.to_ascii_lowercase().starts_with("ldap://") && !t.insecure_plain;
    let settings = LdapConnSettings::new()
        .set_conn_timeout(t.timeout)
        .set_starttls(starttls);
    let mut ldap = LdapConn::with_settings(settings, &t.url)
        .map_err(|e| err(&format!("cannot connect to {}", t.url), e))?;
    if let Some(dn) = &t.bind {
        let pw = password.unwrap_or_default();
        ldap.simple_bind(dn, &pw)
            .and_then(|r| r.success())
            .map_err(|e| err(&format!("bind as `{dn}` failed"), e))?;
    }
    let mut entries = search(&mut ldap, &t.base, FILTER, ATTRIBUTES)?;
    // NetBIOS names live in the configuration partition (crossRef objects); a failure here is not fatal.
    let config = ldap
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["configurationNamingContext"],
        )
        .and_then(|r| r.success())
        .ok()
        .and_then(|(rs, _)| rs.into_iter().next())
        .map(SearchEntry::construct)
        .and_then(|e| {
            e.attrs
                .get("configurationNamingContext")
                .and_then(|v| v.first().cloned())
        });
    if let Some(config) = config {
        let base = format!("CN=Partitions,{config}");
        if let Ok(mut refs) = search(
            &mut ldap,
            &base,
            "(&(objectClass=crossRef)(nETBIOSName=*))",
            &["objectClass", "nETBIOSName", "dnsRoot"],
        ) {
            entries.append(&mut refs);
        }
    }
    let _ = ldap.unbind();
    Ok(entries)
}

fn search(
    ldap: &mut LdapConn,
    base: &str,
    filter: &str,
    attrs: &[&str],
) -> Result<Vec<Entry>, String> {
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(PAGE)),
    ];
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    let mut stream = ldap
        .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs)
        .map_err(|e| err(&format!("search under `{base}` failed"), e))?;
    let mut out = Vec::new();
    let mut ranged = Vec::new();
    while let Some(re) = stream
        .next()
        .map_err(|e| err(&format!("search under `{base}` failed"), e))?
    {
        let (entry, more) = to_entry(SearchEntry::construct(re));
        if let Some(next) = more {
            ranged.push((out.len(), next));
        }
        out.push(entry);
    }
    stream
        .result()
        .success()
        .map_err(|e| err(&format!("search under `{base}` failed"), e))?;
    // Groups with more members than the server returns at once give `member;range=0-1499`: fetch the rest.
    for (i, mut next) in ranged {
        let dn = out[i].dn.clone();
        while let Some(from) = next {
            let attr = format!("member;range={from}-*");
            let (rs, _) = ldap
                .search(&dn, Scope::Base, "(objectClass=*)", vec![attr.as_str()])
                .and_then(|r| r.success())
                .map_err(|e| err(&format!("reading the members of `{dn}` failed"), e))?;
            next = None;
            for re in rs {
                let (e, more) = to_entry(SearchEntry::construct(re));
                if let Some(m) = e.attrs.get("member") {
                    out[i]
                        .attrs
                        .entry("member".into())
                        .or_default()
                        .extend(m.clone());
                }
                next = more.flatten();
            }
        }
    }
    Ok(out)
}

/// Converts a search entry; the second value is `Some(next)` when `member` came as a range (`Some(None)`
/// when it was the last range).
fn to_entry(se: SearchEntry) -> (Entry, Option<Option<u64>>) {
    let mut e = Entry::new(se.dn);
    let mut more = None;
    let values = se
        .attrs
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(String::into_bytes).collect::<Vec<_>>()))
        .chain(se.bin_attrs);
    for (k, v) in values {
        let mut parts = k.split(';');
        let name = parts.next().unwrap_or("").to_ascii_lowercase();
        if let Some(range) = parts.find_map(|p| p.strip_prefix("range=")) {
            // `0-1499` means more follow, `1500-*` is the last part.
            more = Some(
                range
                    .split_once('-')
                    .and_then(|(_, end)| end.parse::<u64>().ok())
                    .map(|end| end + 1),
            );
        }
        e.attrs.entry(name).or_default().extend(v);
    }
    (e, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ldap_only_to_loopback() {
        let t = |url: &str, plain: bool| Target {
            url: url.into(),
            base: "DC=x".into(),
            bind: None,
            insecure_plain: plain,
            timeout: Duration::from_secs(1),
        };
        assert!(check_target(&t("ldap://127.0.0.1:389", true)).is_ok());
        assert!(check_target(&t("ldap://[::1]", true)).is_ok());
        assert!(check_target(&t("ldap://dc01.corp.example", true)).is_err());
        assert!(check_target(&t("ldap://127.0.0.1.evil.example", true)).is_err());
        assert!(check_target(&t("ldaps://dc01.corp.example", false)).is_ok());
        assert!(check_target(&t("http://dc01", false)).is_err());
    }
}
