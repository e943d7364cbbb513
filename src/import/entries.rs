//! LDAP entries (from LDIF or a live directory) -> [`Directory`].

use std::collections::BTreeMap;

use super::{DirDomain, DirObject, DirTrust, Direction, Directory, Entry, ObjectKind};
use crate::inventory::raw::{FunctionalLevel, TrustKind};

// userAccountControl flags (MS-ADTS 2.2.16).
const UF_ACCOUNTDISABLE: i64 = 0x2;
const UF_SERVER_TRUST_ACCOUNT: i64 = 0x2000;
const UF_TRUSTED_FOR_DELEGATION: i64 = 0x80000;
const UF_NOT_DELEGATED: i64 = 0x100000;
const UF_USE_DES_KEY_ONLY: i64 = 0x200000;
const UF_TRUSTED_TO_AUTH_FOR_DELEGATION: i64 = 0x1000000;
const UF_PARTIAL_SECRETS_ACCOUNT: i64 = 0x4000000;

// trustAttributes flags (MS-ADTS 6.1.6.7.9).
const TA_NON_TRANSITIVE: i64 = 0x1;
const TA_QUARANTINED_DOMAIN: i64 = 0x4;
const TA_FOREST_TRANSITIVE: i64 = 0x8;
const TA_CROSS_ORGANIZATION: i64 = 0x10;
const TA_WITHIN_FOREST: i64 = 0x20;
const TA_TREAT_AS_EXTERNAL: i64 = 0x40;

// trustType values.
const TRUST_TYPE_MIT: i64 = 3;

/// The DNS name made of a DN's `DC=` components (lower case); empty when it has none.
pub fn dns_of_dn(dn: &str) -> String {
    dn.split(',')
        .filter_map(|rdn| {
            let (k, v) = rdn.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("dc")
                .then(|| v.trim().to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A DN as an identifier: extended-DN prefixes (`<GUID=..>;<SID=..>;`) removed, lower case.
pub fn dn_key(dn: &str) -> String {
    let mut s = dn.trim();
    while s.starts_with('<') {
        match s.find(">;") {
            Some(i) => s = &s[i + 2..],
            None => break,
        }
    }
    s.to_lowercase()
}

/// The value of the `n`-th RDN (0-based) of a DN.
fn rdn_value(dn: &str, n: usize) -> Option<String> {
    let rdn = dn.split(',').nth(n)?;
    rdn.split_once('=').map(|(_, v)| v.trim().to_string())
}

/// A SID value: text (`S-1-5-...`, as ldbsearch prints it) or the binary form (ldapsearch, ldifde).
pub fn sid_text(raw: &[u8]) -> Option<String> {
    if raw.starts_with(b"S-1-") {
        return std::str::from_utf8(raw).ok().map(str::to_string);
    }
    let (&revision, rest) = raw.split_first()?;
    let (&count, rest) = rest.split_first()?;
    if rest.len() != 6 + 4 * count as usize {
        return None;
    }
    let authority = rest[..6]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut out = format!("S-{revision}-{authority}");
    for chunk in rest[6..].chunks_exact(4) {
        let sub = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        out.push_str(&format!("-{sub}"));
    }
    Some(out)
}

/// Maps `msDS-Behavior-Version` to a functional level.
pub fn level_of_behavior_version(v: i64) -> Result<FunctionalLevel, String> {
    Ok(match v {
        2 => FunctionalLevel::W2003,
        3 => FunctionalLevel::W2008,
        4 => FunctionalLevel::W2008R2,
        5 => FunctionalLevel::W2012,
        6 => FunctionalLevel::W2012R2,
        7 => FunctionalLevel::W2016,
        10 => FunctionalLevel::W2025,
        other => return Err(format!("msDS-Behavior-Version {other}")),
    })
}

fn classes(e: &Entry) -> Vec<String> {
    e.all("objectclass")
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Reads every entry we map; the others are ignored.
pub fn directory(entries: &[Entry]) -> Directory {
    let mut dir = Directory::default();
    let mut netbios: BTreeMap<String, String> = BTreeMap::new();
    for e in entries {
        let cls = classes(e);
        let has = |c: &str| cls.iter().any(|x| x == c);
        if has("crossref") {
            if let (Some(nb), Some(root)) = (e.first("netbiosname"), e.first("dnsroot")) {
                netbios.insert(root.to_lowercase(), nb);
            }
        } else if has("domaindns") {
            dir.domains.push(DirDomain {
                dns: dns_of_dn(&e.dn),
                netbios: None,
                level: e
                    .int("msds-behavior-version")
                    .map(level_of_behavior_version),
                sid: e
                    .attrs
                    .get("objectsid")
                    .and_then(|v| v.first())
                    .and_then(|v| sid_text(v)),
                // fSMORoleOwner is `CN=NTDS Settings,CN=<server>,CN=Servers,...`.
                pdc: e.first("fsmoroleowner").and_then(|dn| rdn_value(&dn, 1)),
            });
        } else if has("trusteddomain") {
            if let Some(t) = trust(e) {
                dir.trusts.push(t);
            } else {
                dir.warnings.push(format!(
                    "trustedDomain `{}` has no trustPartner or trustDirection: not imported",
                    e.dn
                ));
            }
        } else if has("group") || has("user") {
            // A name is never guessed: bytes that are not UTF-8 would become U+FFFD and name another account.
            let garbled = ["samaccountname", "dnshostname"].into_iter().find(|a| {
                e.attrs
                    .get(*a)
                    .is_some_and(|v| v.iter().any(|v| std::str::from_utf8(v).is_err()))
            });
            if let Some(attr) = garbled {
                dir.warnings.push(format!(
                    "`{}` has a {attr} that is not valid UTF-8: not imported (check the export's encoding)",
                    e.dn
                ));
                continue;
            }
            match object(e, &cls) {
                Some(o) => dir.objects.push(o),
                None => dir.warnings.push(format!(
                    "`{}` has no sAMAccountName: not imported (export it with the sAMAccountName attribute)",
                    e.dn
                )),
            }
        }
    }
    for d in &mut dir.domains {
        d.netbios = netbios.get(&d.dns).cloned();
    }
    for t in &mut dir.trusts {
        if t.partner_netbios.is_none() {
            t.partner_netbios = netbios.get(&t.partner).cloned();
        }
    }
    dir
}

fn trust(e: &Entry) -> Option<DirTrust> {
    let partner = e.first("trustpartner")?.to_lowercase();
    let direction = match e.int("trustdirection")? {
        1 => Direction::Inbound,
        2 => Direction::Outbound,
        3 => Direction::Bidirectional,
        _ => Direction::Disabled,
    };
    let attrs = e.int("trustattributes").unwrap_or(0);
    let flag = |f: i64| attrs & f != 0;
    let kind = if e.int("trusttype") == Some(TRUST_TYPE_MIT) {
        TrustKind::Realm
    } else if flag(TA_FOREST_TRANSITIVE) {
        TrustKind::Forest
    } else if flag(TA_WITHIN_FOREST) {
        // One record cannot tell the kinds of trust inside a forest apart: a parent-child trust joins a name
        // to its parent, tree-root trusts are always two-way, shortcut trusts may be one-way.
        let local = dns_of_dn(&e.dn);
        if partner.ends_with(&format!(".{local}")) || local.ends_with(&format!(".{partner}")) {
            TrustKind::ParentChild
        } else if direction == Direction::Bidirectional {
            TrustKind::TreeRoot
        } else {
            TrustKind::Shortcut
        }
    } else {
        TrustKind::External
    };
    Some(DirTrust {
        local: dns_of_dn(&e.dn),
        partner,
        partner_netbios: e.first("flatname"),
        direction,
        kind: Some(kind),
        transitive: Some(match kind {
            TrustKind::Realm | TrustKind::External => false,
            _ => !flag(TA_NON_TRANSITIVE),
        }),
        sid_filtering: Some(
            flag(TA_QUARANTINED_DOMAIN)
                || (kind == TrustKind::Forest && !flag(TA_TREAT_AS_EXTERNAL)),
        ),
        selective_auth: flag(TA_CROSS_ORGANIZATION),
    })
}

fn object(e: &Entry, cls: &[String]) -> Option<DirObject> {
    let has = |c: &str| cls.iter().any(|x| x == c);
    let kind = if has("group") {
        ObjectKind::Group
    } else if has("msds-groupmanagedserviceaccount")
        || has("msds-managedserviceaccount")
        || has("msds-delegatedmanagedserviceaccount")
    {
        ObjectKind::ManagedServiceAccount
    } else if has("computer") {
        ObjectKind::Computer
    } else {
        ObjectKind::User
    };
    let mut o = DirObject::new(
        dn_key(&e.dn),
        dns_of_dn(&e.dn),
        kind,
        e.first("samaccountname")?,
    );
    o.sid = e
        .attrs
        .get("objectsid")
        .and_then(|v| v.first())
        .and_then(|v| sid_text(v));
    if let (Some(pg), Some(sid)) = (e.int("primarygroupid"), &o.sid)
        && let Some(dom) = super::domain_sid(sid)
    {
        o.primary_group_sid = Some(format!("{dom}-{pg}"));
    }
    let uac = e.int("useraccountcontrol").unwrap_or(0);
    let flag = |f: i64| uac & f != 0;
    o.disabled = flag(UF_ACCOUNTDISABLE);
    o.dc = kind == ObjectKind::Computer
        && (flag(UF_SERVER_TRUST_ACCOUNT)
            || flag(UF_PARTIAL_SECRETS_ACCOUNT)
            || matches!(e.int("primarygroupid"), Some(516 | 521)));
    o.has_spn = e.has("serviceprincipalname");
    o.os = e.first("operatingsystem");
    o.os_version = e.first("operatingsystemversion");
    o.etypes = e
        .int("msds-supportedencryptiontypes")
        .map(|v| v as u32)
        .filter(|v| v & 0x1F != 0);
    o.des_only = flag(UF_USE_DES_KEY_ONLY);
    o.not_delegated = flag(UF_NOT_DELEGATED);
    o.unconstrained = flag(UF_TRUSTED_FOR_DELEGATION);
    o.constrained = e.has("msds-allowedtodelegateto") || flag(UF_TRUSTED_TO_AUTH_FOR_DELEGATION);
    o.laps = e.has("ms-mcs-admpwdexpirationtime") || e.has("mslaps-passwordexpirationtime");
    o.members = e.all("member").iter().map(|m| dn_key(m)).collect();
    o.pwd_last_set = e.int("pwdlastset").and_then(filetime_seconds);
    o.created = e.first("whencreated").and_then(|t| generalized_time(&t));
    Some(o)
}

/// Seconds between 1601-01-01 (FILETIME) and 1970-01-01 UTC.
const FILETIME_EPOCH: i64 = 11_644_473_600;

/// A FILETIME (100 ns ticks since 1601) as seconds since 1970; `None` for 0 (never set, or must change) and for
/// the "never" value.
pub fn filetime_seconds(ft: i64) -> Option<i64> {
    (ft > 0 && ft != i64::MAX).then(|| ft / 10_000_000 - FILETIME_EPOCH)
}

/// An LDAP GeneralizedTime (`20240131120000.0Z`) as seconds since 1970 UTC; `None` when it is not one.
pub fn generalized_time(t: &str) -> Option<i64> {
    let digits = t.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::from(n(0..4)?), month, u8::try_from(n(6..8)?).ok()?)
            .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_text_sids() {
        let bin = [
            1u8, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x0D, 2, 0,
            0,
        ];
        assert_eq!(sid_text(&bin).as_deref(), Some("S-1-5-21-1-2-3-525"));
        assert_eq!(sid_text(b"S-1-5-32-544").as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_text(&[1, 5, 0]), None);
    }

    #[test]
    fn directory_times() {
        // 2008-01-01T00:00:00Z.
        assert_eq!(
            filetime_seconds(128_436_192_000_000_000),
            Some(1_199_145_600)
        );
        assert_eq!(filetime_seconds(0), None);
        assert_eq!(filetime_seconds(i64::MAX), None);
        assert_eq!(generalized_time("20080101000000.0Z"), Some(1_199_145_600));
        assert_eq!(generalized_time("20081301000000.0Z"), None);
        assert_eq!(generalized_time("2008"), None);
        assert_eq!(generalized_time("2008010100000x.0Z"), None);
    }

    #[test]
    fn dn_helpers() {
        assert_eq!(
            dns_of_dn("CN=a\\,b,OU=x,DC=Corp,DC=Example"),
            "corp.example"
        );
        assert_eq!(dn_key("<GUID=1>;<SID=S-1>;CN=A,DC=b"), "cn=a,dc=b");
        assert_eq!(
            rdn_value("CN=NTDS Settings,CN=DC1,CN=Servers", 1).as_deref(),
            Some("DC1")
        );
    }
}
