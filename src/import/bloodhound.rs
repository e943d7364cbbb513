//! SharpHound / BloodHound CE JSON (a folder of `*.json` files or the collection's ZIP) -> [`Directory`].
//!
//! Reads the `computers`, `users`, `groups` and `domains` files (by their `meta.type`); trust direction and
//! type are accepted in both their integer and string forms.

use std::path::Path;

use serde_json::Value;

use super::{DirDomain, DirObject, DirTrust, Direction, Directory, ObjectKind};
use crate::inventory::raw::{FunctionalLevel, TrustKind};

/// The JSON files of a collection: `(name, text)`. Each file is at most [`crate::fsio::MAX_FILE`] bytes and a
/// folder or an archive holds at most [`crate::fsio::MAX_ARCHIVE`] in all.
pub fn read_collection(path: &Path) -> Result<Vec<(String, String)>, String> {
    read_collection_within(path, crate::fsio::MAX_FILE, crate::fsio::MAX_ARCHIVE)
}

/// [`read_collection`] with other limits: `per_file` bytes for each file, `total_limit` for the files of a
/// folder or an archive together.
pub fn read_collection_within(
    path: &Path,
    per_file: u64,
    total_limit: u64,
) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    if path.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .collect();
        names.sort();
        let mut total = 0u64;
        for p in names {
            let limit = per_file.min(total_limit - total);
            let bytes = crate::fsio::open_input(&p)
                .and_then(|f| crate::fsio::read_bounded(f, limit))
                .map_err(|e| {
                    if e.kind() == std::io::ErrorKind::FileTooLarge && limit < per_file {
                        format!(
                            "{}: the collection's files hold more than {} together, the most guardplan reads",
                            p.display(),
                            crate::fsio::size(total_limit)
                        )
                    } else {
                        format!("{}: {e}", p.display())
                    }
                })?;
            total += bytes.len() as u64;
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", p.display()))?;
            files.push((p.display().to_string(), text));
        }
    } else {
        let file = crate::fsio::open_input(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut zip = zip::ZipArchive::new(file)
            .map_err(|e| format!("{}: not a folder or a ZIP archive: {e}", path.display()))?;
        // Entries sharing their compressed data expand the same bytes many times over (a "zip bomb").
        if zip.has_overlapping_entries().unwrap_or(true) {
            return Err(format!(
                "{}: the archive's entries overlap, which no collector writes: refusing it (unpack it with a \
                 tool you trust and give the folder)",
                path.display()
            ));
        }
        // The sizes an archive declares may lie: what is actually read is counted.
        let mut total = 0u64;
        for i in 0..zip.len() {
            let mut f = zip
                .by_index(i)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let Ok(inner) = f.name().map(|n| n.into_owned()) else {
                continue;
            };
            if !inner.to_ascii_lowercase().ends_with(".json") {
                continue;
            }
            let name = format!("{}:{inner}", path.display());
            let limit = per_file.min(total_limit - total);
            let bytes = crate::fsio::read_bounded(&mut f, limit).map_err(|e| {
                if e.kind() == std::io::ErrorKind::FileTooLarge && limit < per_file {
                    format!(
                        "{name}: the archive expands to more than {}, the most guardplan reads from one \
                         archive: unpack it with a tool you trust and give the folder",
                        crate::fsio::size(total_limit)
                    )
                } else {
                    format!("{name}: {e}")
                }
            })?;
            total += bytes.len() as u64;
            let text = String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8"))?;
            files.push((name, text));
        }
    }
    if files.is_empty() {
        return Err(format!(
            "{}: no .json files (give the folder or ZIP that SharpHound wrote)",
            path.display()
        ));
    }
    Ok(files)
}

/// Reads the collection's files into a directory.
pub fn directory(files: &[(String, String)]) -> Result<Directory, String> {
    let mut dir = Directory::default();
    let mut read_any = false;
    for (name, text) in files {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not valid JSON: {e}"))?;
        let kind = v
            .pointer("/meta/type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let data = v.get("data").and_then(Value::as_array);
        let Some(data) = data else { continue };
        match kind.as_str() {
            "domains" => data.iter().for_each(|d| domain(d, &mut dir)),
            "computers" => data
                .iter()
                .filter_map(|o| object(o, ObjectKind::Computer))
                .for_each(|o| dir.objects.push(o)),
            "users" => data
                .iter()
                .filter_map(|o| object(o, ObjectKind::User))
                .for_each(|o| dir.objects.push(o)),
            "groups" => data
                .iter()
                .filter_map(|o| object(o, ObjectKind::Group))
                .for_each(|o| dir.objects.push(o)),
            _ => continue,
        }
        read_any = true;
    }
    if !read_any {
        return Err(
            "no computers, users, groups or domains files in the collection (meta.type)".into(),
        );
    }
    Ok(dir)
}

fn prop<'a>(o: &'a Value, key: &str) -> Option<&'a Value> {
    o.get("Properties").and_then(|p| p.get(key))
}

fn prop_str(o: &Value, key: &str) -> Option<String> {
    prop(o, key).and_then(Value::as_str).map(str::to_string)
}

fn prop_bool(o: &Value, key: &str) -> bool {
    prop(o, key).and_then(Value::as_bool).unwrap_or(false)
}

/// Maps BloodHound's `functionallevel` text (`2012 R2`).
fn level(text: &str) -> Result<FunctionalLevel, String> {
    Ok(match text.trim().to_ascii_lowercase().as_str() {
        "2003" => FunctionalLevel::W2003,
        "2008" => FunctionalLevel::W2008,
        "2008 r2" => FunctionalLevel::W2008R2,
        "2012" => FunctionalLevel::W2012,
        "2012 r2" => FunctionalLevel::W2012R2,
        "2016" => FunctionalLevel::W2016,
        "2025" => FunctionalLevel::W2025,
        _ => return Err(format!("functional level `{}`", text.escape_debug())),
    })
}

fn domain(d: &Value, dir: &mut Directory) {
    let Some(dns) = prop_str(d, "name").or_else(|| prop_str(d, "domain")) else {
        dir.warnings
            .push("a domain without a name in domains.json".into());
        return;
    };
    let dns = dns.to_lowercase();
    dir.domains.push(DirDomain {
        dns: dns.clone(),
        netbios: prop_str(d, "netbios"),
        level: prop_str(d, "functionallevel").map(|l| level(&l)),
        sid: d
            .get("ObjectIdentifier")
            .and_then(Value::as_str)
            .map(str::to_string),
        pdc: None,
    });
    for t in d
        .get("Trusts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(partner) = t.get("TargetDomainName").and_then(Value::as_str) else {
            continue;
        };
        let field = |k: &str| t.get(k).cloned().unwrap_or(Value::Null);
        let direction = match field("TrustDirection") {
            Value::Number(n) => match n.as_i64() {
                Some(1) => Some(Direction::Inbound),
                Some(2) => Some(Direction::Outbound),
                Some(3) => Some(Direction::Bidirectional),
                Some(0) => Some(Direction::Disabled),
                _ => None,
            },
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "inbound" => Some(Direction::Inbound),
                "outbound" => Some(Direction::Outbound),
                "bidirectional" => Some(Direction::Bidirectional),
                "disabled" => Some(Direction::Disabled),
                _ => None,
            },
            _ => None,
        };
        let Some(direction) = direction else {
            dir.warnings.push(format!(
                "the trust from `{dns}` to `{}`: its TrustDirection is not one BloodHound writes",
                partner.to_lowercase()
            ));
            continue;
        };
        let kind = match field("TrustType") {
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(TrustKind::ParentChild),
                Some(1) => Some(TrustKind::Shortcut),
                Some(2) => Some(TrustKind::Forest),
                Some(3) => Some(TrustKind::External),
                _ => None,
            },
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "parentchild" => Some(TrustKind::ParentChild),
                "crosslink" | "shortcut" => Some(TrustKind::Shortcut),
                "forest" => Some(TrustKind::Forest),
                "external" => Some(TrustKind::External),
                "treeroot" => Some(TrustKind::TreeRoot),
                "mit" | "realm" => Some(TrustKind::Realm),
                _ => None,
            },
            _ => None,
        };
        dir.trusts.push(DirTrust {
            local: dns.clone(),
            partner: partner.to_lowercase(),
            partner_netbios: None,
            direction,
            kind,
            transitive: t.get("IsTransitive").and_then(Value::as_bool),
            sid_filtering: t.get("SidFilteringEnabled").and_then(Value::as_bool),
            selective_auth: false,
        });
    }
}

/// Object identifiers listed under `key` (`[{"ObjectIdentifier": ..}]`).
fn ids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("ObjectIdentifier").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Members of a computer's local group `rid` (544 Administrators, 555 Remote Desktop Users), when collected.
fn local_group(o: &Value, rid: &str, legacy: &str) -> Option<Vec<String>> {
    if let Some(groups) = o.get("LocalGroups").and_then(Value::as_array) {
        let g = groups.iter().find(|g| {
            g.get("ObjectIdentifier")
                .and_then(Value::as_str)
                .is_some_and(|id| id.ends_with(&format!("-{rid}")))
        })?;
        return collected(g);
    }
    collected(o.get(legacy)?)
}

fn collected(g: &Value) -> Option<Vec<String>> {
    if g.get("Collected").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    Some(ids(g.get("Results")))
}

/// Encryption types: an integer (`msDS-SupportedEncryptionTypes`) or a list of names.
fn etypes(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Number(n) => n.as_u64().map(|n| n as u32).filter(|n| n & 0x1F != 0),
        Value::Array(a) => {
            let bits = a.iter().filter_map(Value::as_str).fold(0u32, |acc, s| {
                let s = s.to_ascii_uppercase();
                acc | if s.starts_with("DES") {
                    0x3
                } else if s.starts_with("RC4") {
                    0x4
                } else if s.starts_with("AES128") {
                    0x8
                } else if s.starts_with("AES256") {
                    0x10
                } else {
                    0
                }
            });
            (bits != 0).then_some(bits)
        }
        _ => None,
    }
}

fn object(o: &Value, kind: ObjectKind) -> Option<DirObject> {
    let id = o.get("ObjectIdentifier")?.as_str()?.to_string();
    let domain = prop_str(o, "domain")?.to_lowercase();
    let name = prop_str(o, "name")?;
    let sam = match (prop_str(o, "samaccountname"), kind) {
        (Some(s), _) => s,
        // Computers are named by their DNS name, users and groups `NAME@DOMAIN`.
        (None, ObjectKind::Computer) => format!("{}$", name.split('.').next().unwrap_or(&name)),
        (None, _) => name
            .rsplit_once('@')
            .map(|(n, _)| n.to_string())
            .unwrap_or(name),
    };
    let kind = if kind == ObjectKind::User && sam.ends_with('$') {
        ObjectKind::ManagedServiceAccount
    } else {
        kind
    };
    let mut d = DirObject::new(id.clone(), domain, kind, sam);
    // Built-in groups are written `DOMAIN-S-1-5-32-544`.
    d.sid = Some(match id.find("-S-1-") {
        Some(i) => id[i + 1..].to_string(),
        None => id.clone(),
    });
    d.primary_group_sid = o
        .get("PrimaryGroupSID")
        .and_then(Value::as_str)
        .map(str::to_string);
    d.disabled = prop(o, "enabled").and_then(Value::as_bool) == Some(false);
    d.dc = kind == ObjectKind::Computer
        && (o.get("IsDC").and_then(Value::as_bool) == Some(true) || prop_bool(o, "isdc"));
    d.has_spn = prop_bool(o, "hasspn")
        || prop(o, "serviceprincipalnames")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
    d.os = prop_str(o, "operatingsystem");
    d.etypes = etypes(prop(o, "supportedencryptiontypes"));
    d.not_delegated = prop_bool(o, "sensitive");
    d.unconstrained = prop_bool(o, "unconstraineddelegation");
    d.constrained = prop_bool(o, "trustedtoauth") || !ids(o.get("AllowedToDelegate")).is_empty();
    d.laps = prop_bool(o, "haslaps");
    d.members = ids(o.get("Members"));
    let time = |key: &str| prop(o, key).and_then(Value::as_i64).filter(|t| *t > 0);
    d.pwd_last_set = time("pwdlastset");
    d.created = time("whencreated");
    if kind == ObjectKind::Computer {
        d.local_admins = local_group(o, "544", "LocalAdmins");
        d.local_rdp_users = local_group(o, "555", "RemoteDesktopUsers");
        d.rdp_logon_allowed = user_right(
            o,
            "SeRemoteInteractiveLogonRight",
            d.local_admins.as_deref(),
            d.local_rdp_users.as_deref(),
        );
    }
    Some(d)
}

/// Who holds a user right on a computer, when collected. The computer's own Administrators (RID 544) and
/// Remote Desktop Users (555) are replaced by their members; when those are not collected, the right is not
/// known either (`None`), so that nobody is refused for a list guardplan cannot read.
fn user_right(
    o: &Value,
    privilege: &str,
    admins: Option<&[String]>,
    rdp_users: Option<&[String]>,
) -> Option<Vec<String>> {
    let right = o
        .get("UserRights")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("Privilege").and_then(Value::as_str) == Some(privilege))?;
    let mut out = Vec::new();
    for id in collected(right)? {
        if id.ends_with("-544") {
            out.extend_from_slice(admins?);
        } else if id.ends_with("-555") {
            out.extend_from_slice(rdp_users?);
        } else {
            out.push(id);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_forms() {
        let doc = |dir: &str, ty: &str| {
            format!(
                r#"{{"meta":{{"type":"domains"}},"data":[{{"ObjectIdentifier":"S-1-5-21-1","Properties":{{"name":"A.LOCAL","functionallevel":"2016"}},
                "Trusts":[{{"TargetDomainName":"B.LOCAL","TrustDirection":{dir},"TrustType":{ty},"IsTransitive":true}}]}}]}}"#
            )
        };
        for (dir, ty, want_dir, want_kind) in [
            ("2", "2", Direction::Outbound, Some(TrustKind::Forest)),
            (
                "\"Inbound\"",
                "\"External\"",
                Direction::Inbound,
                Some(TrustKind::External),
            ),
            ("3", "\"Unknown\"", Direction::Bidirectional, None),
            (
                "\"Bidirectional\"",
                "0",
                Direction::Bidirectional,
                Some(TrustKind::ParentChild),
            ),
        ] {
            let d = directory(&[("d.json".into(), doc(dir, ty))]).unwrap();
            assert_eq!(d.trusts[0].direction, want_dir, "{dir}");
            assert_eq!(d.trusts[0].kind, want_kind, "{ty}");
            assert_eq!(d.domains[0].level, Some(Ok(FunctionalLevel::W2016)));
        }
        assert!(directory(&[("x.json".into(), "{".into())]).is_err());
        assert!(
            directory(&[(
                "x.json".into(),
                r#"{"meta":{"type":"gpos"},"data":[]}"#.into()
            )])
            .is_err()
        );
    }
}
