//! Reading the directory live from a domain controller (LDAPS or StartTLS, simple bind, paged search), within
//! the bounds of [`Limits`] (see [`super::ldap_wire`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::net::IpAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Once};
use std::time::Duration;

pub use super::ldap_wire::Limits;
use super::ldap_wire::{self, OpenError, Security};
use ldap3::adapters::EntriesOnly;
use ldap3::controls::{Control, ControlType, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, LdapError, Scope, SearchEntry, StdStream};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

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
    "pwdLastSet",
    "whenCreated",
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
    /// Plain LDAP without TLS: only to a loopback IP address.
    pub insecure_plain: bool,
    /// Connection timeout, and the longest wait for each reply.
    pub timeout: Duration,
    /// What is read from the server at most, and for how long.
    pub limits: Limits,
    /// Certificates (DER) trusted in addition to the system's roots, e.g. the enterprise CA.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// Reads the PEM certificates of `--ca-cert` (`name` is the file, for messages).
pub fn pem_certificates(name: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{name}: not a PEM certificate file ({e})"))?;
    if certs.is_empty() {
        return Err(format!(
            "{name} holds no certificate: --ca-cert expects PEM (-----BEGIN CERTIFICATE-----), \
             e.g. exported with `certutil -encode ca.cer ca.pem`"
        ));
    }
    Ok(certs)
}

/// The TLS configuration: the system's root certificates plus `extra`.
fn tls_config(extra: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    // Unreadable system certificates are skipped: the ones that load are still trusted.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    for cert in extra {
        roots
            .add(cert.clone())
            .map_err(|e| format!("--ca-cert: the certificate cannot be used as a root ({e})"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The host part of an LDAP URL, for messages.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// Explains a failed TLS connection; certificate problems say what to do about them.
fn tls_error(url: &str, e: &rustls::Error) -> String {
    let host = url_host(url);
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
        | rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
            ..
        }) => format!(
            "cannot connect to {url}: the server's certificate does not name `{host}`; \
             use the host name the certificate was issued for in the URL (e.g. the DC's FQDN)"
        ),
        rustls::Error::InvalidCertificate(c) => format!(
            "cannot connect to {url}: the server's certificate is not trusted ({c:?}); \
             if the DC's certificate comes from your enterprise CA, pass that CA with --ca-cert FILE (PEM)"
        ),
        other => format!("cannot connect to {url}: TLS failed ({other})"),
    }
}

/// Where an LDAP URL points: whether it is `ldaps://`, the host (an IPv6 address without its brackets) and
/// the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `ldaps://` (TLS from the start).
    pub ldaps: bool,
    /// Host name or IP address.
    pub host: String,
    /// Port (389 or 636 unless the URL gives one).
    pub port: u16,
}

/// Reads an LDAP URL.
pub fn endpoint(url: &str) -> Result<Endpoint, String> {
    let lower = url.to_ascii_lowercase();
    let not_ldap = || {
        format!(
            "`{}` is not an LDAP URL: use ldaps://dc.example.com or ldap://dc.example.com (StartTLS)",
            crate::inventory::load::shown(url)
        )
    };
    let (ldaps, rest) = if lower.starts_with("ldaps://") {
        (true, &url[8..])
    } else if lower.starts_with("ldap://") {
        (false, &url[7..])
    } else {
        return Err(not_ldap());
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(not_ldap)?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let port = match port {
        None => {
            if ldaps {
                636
            } else {
                389
            }
        }
        Some(p) => p.parse::<u16>().map_err(|_| not_ldap())?,
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(not_ldap());
    }
    Ok(Endpoint {
        ldaps,
        host: host.to_string(),
        port,
    })
}

/// Whether a URL is `ldap://` to a loopback IP address (the only place plain LDAP is allowed). A name such as
/// `localhost` is not one: the resolver decides where it leads.
pub fn is_loopback_url(url: &str) -> bool {
    endpoint(url)
        .is_ok_and(|e| !e.ldaps && e.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

/// Checks the URL and TLS choice before anything connects.
pub fn check_target(t: &Target) -> Result<(), String> {
    if t.insecure_plain && !is_loopback_url(&t.url) {
        return Err(format!(
            "--insecure-plain sends the password unencrypted and is allowed only to ldap://127.0.0.1 (or \
             another loopback IP address, such as ldap://[::1]; not a name such as localhost), not `{}`",
            crate::inventory::load::shown(&t.url)
        ));
    }
    endpoint(&t.url).map(|_| ())
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

thread_local! {
    /// While [`guarded`] runs on this thread: the message of a panic, instead of printing it.
    static CAUGHT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic (in this thread, including the LDAP client's tasks that run on it) into an
/// error that says what to do, without the panic message and backtrace reaching the terminal.
pub fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let guarded = CAUGHT.with(|c| {
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        let msg = info
                            .payload()
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| info.payload().downcast_ref::<String>().cloned());
                        slot.get_or_insert(msg.unwrap_or_else(|| "unknown".into()));
                        true
                    }
                    None => false,
                }
            });
            if !guarded {
                previous(info);
            }
        }));
    });
    CAUGHT.with(|c| *c.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let caught = CAUGHT.with(|c| c.borrow_mut().take()).flatten();
    let advice = "the server's reply could not be read; check that the URL points to an Active Directory \
                  domain controller, or export the directory with ldifde and use `guardplan import ldif`";
    match (result, caught) {
        (Ok(Ok(v)), _) => Ok(v),
        // A panic inside the client's connection task surfaces as an error (or not at all): name the cause.
        (Ok(Err(e)), Some(p)) => Err(format!("{what}: {e} ({advice}; client error: {p})")),
        (Ok(Err(e)), None) => Err(e),
        (Err(_), p) => Err(format!(
            "{what}: {advice} (client error: {})",
            p.unwrap_or_else(|| "unknown".into())
        )),
    }
}

/// Connects, binds and reads every object the mapping uses, plus the NetBIOS names from the partitions
/// container. The password is used for the bind and dropped. A panic of the LDAP client becomes an error; a
/// server that crosses one of the [`Limits`] is cut off, and the error names the limit.
pub fn read(t: &Target, password: Option<String>) -> Result<Vec<Entry>, String> {
    check_target(t)?;
    let at = endpoint(&t.url)?;
    let security = match (t.insecure_plain, at.ldaps) {
        (true, _) => Security::Plain,
        (false, true) => Security::Tls(tls_config(&t.extra_roots)?),
        (false, false) => Security::StartTls(tls_config(&t.extra_roots)?),
    };
    let (stream, relay) = ldap_wire::open(&at.host, at.port, security, t.timeout, t.limits)
        .map_err(|e| match e {
            OpenError::Tls(e) => tls_error(&t.url, &e),
            OpenError::Other(why) => format!("cannot connect to {}: {why}", t.url),
        })?;
    let read = guarded(&format!("reading {} failed", t.url), || {
        read_unguarded(t, stream, password)
    });
    // The bound the server crossed explains the client's error better than the client can.
    let cut = relay.failure();
    drop(relay);
    match (read, cut) {
        (Err(_), Some(why)) => Err(format!("reading {} failed: {why}", t.url)),
        (read, _) => read,
    }
}

fn read_unguarded(
    t: &Target,
    stream: std::net::TcpStream,
    password: Option<String>,
) -> Result<Vec<Entry>, String> {
    // The relay speaks TLS with the server: the client speaks plain LDAP to the relay, on the loopback.
    let settings = LdapConnSettings::new()
        .set_conn_timeout(t.timeout)
        .set_std_stream(StdStream::Tcp(stream));
    let mut ldap = LdapConn::with_settings(settings, "ldap://127.0.0.1")
        .map_err(|e| err(&format!("cannot connect to {}", t.url), e))?;
    if let Some(dn) = &t.bind {
        let pw = password.unwrap_or_default();
        ldap.with_timeout(t.timeout)
            .simple_bind(dn, &pw)
            .and_then(|r| r.success())
            .map_err(|e| match e {
                LdapError::Timeout { .. } => format!(
                    "bind as `{dn}` failed: no answer within {} s; check that {} is a domain controller \
                     (or raise --timeout)",
                    t.timeout.as_secs(),
                    t.url
                ),
                e => err(&format!("bind as `{dn}` failed"), e),
            })?;
    }
    let mut entries = search(&mut ldap, t.timeout, &t.base, FILTER, ATTRIBUTES)?;
    // NetBIOS names live in the configuration partition (crossRef objects); a failure here is not fatal.
    let config = ldap
        .with_timeout(t.timeout)
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
            t.timeout,
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

/// A paged subtree search; `timeout` bounds the wait for each reply (ldap3 restarts its timer per reply), so a
/// server that stops answering mid-search ends the import instead of hanging it. A paging cookie the server
/// already gave would start the same page again, for ever: it ends the search.
fn search(
    ldap: &mut LdapConn,
    timeout: Duration,
    base: &str,
    filter: &str,
    attrs: &[&str],
) -> Result<Vec<Entry>, String> {
    let attrs: Vec<String> = attrs.iter().map(|s| s.to_string()).collect();
    let failed = |e: LdapError| match e {
        LdapError::Timeout { .. } => format!(
            "search under `{base}` failed: no answer within {} s (raise --timeout for a slow server)",
            timeout.as_secs()
        ),
        e => err(&format!("search under `{base}` failed"), e),
    };
    let mut out = Vec::new();
    let mut ranged = Vec::new();
    let mut cookie = Vec::new();
    let mut cookies = HashSet::new();
    loop {
        let mut stream = ldap
            .with_timeout(timeout)
            .with_controls(PagedResults {
                size: PAGE,
                cookie: std::mem::take(&mut cookie),
            })
            .streaming_search_with(EntriesOnly::new(), base, Scope::Subtree, filter, &attrs)
            .map_err(failed)?;
        while let Some(re) = stream.next().map_err(failed)? {
            let (entry, more) = to_entry(SearchEntry::construct(re));
            if let Some(next) = more {
                ranged.push((out.len(), next));
            }
            out.push(entry);
        }
        let done = stream
            .result()
            .success()
            .map_err(|e| err(&format!("search under `{base}` failed"), e))?;
        cookie = done
            .ctrls
            .iter()
            .find_map(|c| match c {
                Control(Some(ControlType::PagedResults), raw) => {
                    Some(raw.parse::<PagedResults>().cookie)
                }
                _ => None,
            })
            .unwrap_or_default();
        if cookie.is_empty() {
            break;
        }
        if !cookies.insert(cookie.clone()) {
            return Err(format!(
                "search under `{base}` failed: the server gave the same paging cookie twice, so the search \
                 would never end; check that the URL points to an Active Directory domain controller"
            ));
        }
    }
    // Groups with more members than the server returns at once give `member;range=0-1499`: fetch the rest.
    for (i, mut next) in ranged {
        let dn = out[i].dn.clone();
        while let Some(from) = next {
            let attr = format!("member;range={from}-*");
            let (rs, _) = ldap
                .with_timeout(timeout)
                .search(&dn, Scope::Base, "(objectClass=*)", vec![attr.as_str()])
                .and_then(|r| r.success())
                .map_err(|e| err(&format!("reading the members of `{dn}` failed"), e))?;
            next = None;
            for re in rs {
                // A range that does not move on would be asked for again and again.
                let stuck = |to: &u64| *to <= from;
                let (e, more) = to_entry(SearchEntry::construct(re));
                if let Some(m) = e.attrs.get("member") {
                    out[i]
                        .attrs
                        .entry("member".into())
                        .or_default()
                        .extend(m.clone());
                }
                next = more.flatten();
                if next.as_ref().is_some_and(stuck) {
                    return Err(format!(
                        "reading the members of `{dn}` failed: the server gave the range from {from} again; \
                         check that the URL points to an Active Directory domain controller"
                    ));
                }
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
            limits: Limits::default(),
            extra_roots: Vec::new(),
        };
        assert!(check_target(&t("ldap://127.0.0.1:389", true)).is_ok());
        assert!(check_target(&t("ldap://127.0.0.2/", true)).is_ok());
        assert!(check_target(&t("ldap://[::1]", true)).is_ok());
        // A name is resolved by whoever controls the resolver: never sent a password in clear.
        assert!(check_target(&t("ldap://localhost", true)).is_err());
        assert!(check_target(&t("ldap://localhost:389", true)).is_err());
        assert!(check_target(&t("ldaps://127.0.0.1", true)).is_err());
        assert!(check_target(&t("ldap://dc01.corp.example", true)).is_err());
        assert!(check_target(&t("ldap://127.0.0.1.evil.example", true)).is_err());
        assert!(check_target(&t("ldaps://dc01.corp.example", false)).is_ok());
        assert!(check_target(&t("http://dc01", false)).is_err());
        assert!(check_target(&t("ldap://dc01:99999", false)).is_err());
    }

    #[test]
    fn urls_give_host_and_port() {
        let e = |url: &str| endpoint(url).map(|e| (e.ldaps, e.host, e.port));
        assert_eq!(e("ldaps://dc01.corp"), Ok((true, "dc01.corp".into(), 636)));
        assert_eq!(e("LDAP://dc01:3268/DC=x"), Ok((false, "dc01".into(), 3268)));
        assert_eq!(e("ldap://[::1]:1389"), Ok((false, "::1".into(), 1389)));
        assert!(e("ldap://").is_err());
        assert!(e("ldap://[::1").is_err());
    }

    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), String> = guarded("reading ldap://x failed", || panic!("malformed BER"));
        let e = r.expect_err("the panic is an error");
        assert!(
            e.starts_with("reading ldap://x failed: the server's reply could not be read"),
            "{e}"
        );
        assert!(e.contains("malformed BER"), "{e}");
        // The guard is released: the next call runs normally.
        assert_eq!(guarded("x", || Ok::<_, String>(7)), Ok(7));
        assert_eq!(
            guarded("x", || Err::<(), _>("no".to_string())),
            Err("no".into())
        );
    }

    #[test]
    fn ca_cert_must_hold_a_pem_certificate() {
        let e = pem_certificates("ca.cer", b"\x30\x82\x01\x0a binary DER").expect_err("not PEM");
        assert!(e.contains("--ca-cert expects PEM"), "{e}");
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates("ca.pem", pem).map(|c| c.len()), Ok(1));
    }
}
