//! Prints an imported inventory as sorted, commented TOML.

use std::collections::BTreeMap;

use serde::Serialize;

use super::mapping::Key;
use crate::inventory::raw::RawInventory;

/// Prefix of the comments the import writes; a re-import replaces them and keeps every other comment.
pub const NOTE_PREFIX: &str = "# import: ";

/// What the header says about the import.
#[derive(Debug, Clone)]
pub struct Header {
    /// The source, e.g. `ldif corp.ldif` or `ldap ldaps://dc01.corp.example`.
    pub source: String,
    /// When the import ran (RFC 3339), or `None` for reproducible output.
    pub time: Option<String>,
}

const DEFAULTS: &str = "\
# The directory does not know the following. Until you change them, the import writes these safe defaults:
# - Access paths: none. No [[path]] is written, so nothing is judged until you add the paths your
#   administrators and helpdesk use (who, from which clients, to which targets).
# - rdp_client: \"mstsc\" (the classic client). Set rdp_client = \"uwp\" on clients using the store app.
# - dc_line_of_sight: true. Set it to false on clients that connect without reaching a domain controller.
# - device_claims: false. Set it to true on targets whose sessions need resources demanding device claims.
# - join: \"ad\". Set \"hybrid\" where the device is also registered in Entra ID, azure_vm where it applies.
# - kb2871997, disable_restricted_admin, allow_protected_creds, client_policy: not set, so the rules treat
#   the hosts as not yet prepared and the plan includes the steps that prepare them.
# - Local Administrators and Remote Desktop Users of each host: not in the directory (BloodHound data
#   has them when SharpHound collected them); list them per host.
# - User and group roles: only the well-known administrators groups get role \"admin\"; add the rest.
# A re-import into this file keeps all of the above, every [[path]], tag and role you add, and your comments.
";

/// Writes the inventory. `notes` become comments above their entries, `kept` (comments the administrator
/// wrote in an earlier version) are written above them too, `skipped` goes to the end of the file.
pub fn write(
    inv: &RawInventory,
    header: &Header,
    notes: &BTreeMap<Key, Vec<String>>,
    kept: &BTreeMap<Key, Vec<String>>,
    skipped: &[String],
) -> Result<String, toml::ser::Error> {
    let mut out = String::new();
    out.push_str(crate::inventory::SCHEMA_DIRECTIVE);
    out.push('\n');
    out.push_str("# guardplan inventory imported from Active Directory.\n");
    out.push_str(&format!("# Source: {}\n", one_line(&header.source)));
    if let Some(t) = &header.time {
        out.push_str(&format!("# Imported: {}\n", one_line(t)));
    }
    out.push_str("#\n");
    out.push_str(DEFAULTS);
    out.push('\n');
    #[derive(Serialize)]
    struct Top<'a> {
        version: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a String>,
    }
    out.push_str(&toml::to_string(&Top {
        version: inv.version,
        description: inv.description.as_ref(),
    })?);

    let section = |out: &mut String, title: &str, entries: Vec<(Key, String)>| {
        if entries.is_empty() {
            return;
        }
        out.push_str(&format!("\n# {title}\n"));
        for (key, body) in entries {
            out.push('\n');
            for c in kept.get(&key).into_iter().flatten() {
                out.push_str(&one_line(c));
                out.push('\n');
            }
            for n in notes.get(&key).into_iter().flatten() {
                out.push_str(NOTE_PREFIX);
                out.push_str(&one_line(n));
                out.push('\n');
            }
            out.push_str(&body);
        }
    };
    let lc = |s: &toml::Spanned<String>| s.get_ref().to_lowercase();
    let one = |table: &str, item: &dyn erased::Ser| -> Result<String, toml::ser::Error> {
        item.to_toml(table)
    };
    let entries = |list: Vec<(Key, &dyn erased::Ser)>, table: &str| {
        list.into_iter()
            .map(|(k, item)| one(table, item).map(|s| (k, s)))
            .collect::<Result<Vec<_>, _>>()
    };
    let domains = entries(
        inv.domains
            .iter()
            .map(|d| (Key::Domain(lc(&d.dns)), d as &dyn erased::Ser))
            .collect(),
        "domain",
    )?;
    let trusts = entries(
        inv.trusts
            .iter()
            .map(|t| {
                (
                    Key::trust(t.trusting.get_ref(), t.trusted.get_ref()),
                    t as &dyn erased::Ser,
                )
            })
            .collect(),
        "trust",
    )?;
    let hosts = entries(
        inv.hosts
            .iter()
            .map(|h| (Key::Host(lc(&h.name)), h as &dyn erased::Ser))
            .collect(),
        "host",
    )?;
    let users = entries(
        inv.users
            .iter()
            .map(|u| (Key::User(lc(&u.domain), lc(&u.name)), u as &dyn erased::Ser))
            .collect(),
        "user",
    )?;
    let groups = entries(
        inv.groups
            .iter()
            .map(|g| {
                (
                    Key::Group(lc(&g.domain), lc(&g.name)),
                    g as &dyn erased::Ser,
                )
            })
            .collect(),
        "group",
    )?;
    let paths = entries(
        inv.paths
            .iter()
            .map(|p| (Key::Path(lc(&p.name)), p as &dyn erased::Ser))
            .collect(),
        "path",
    )?;
    section(&mut out, "Domains", domains);
    section(&mut out, "Trusts", trusts);
    section(
        &mut out,
        "Hosts (rdp_client, dc_line_of_sight, device_claims: safe defaults, see the top of the file)",
        hosts,
    );
    section(&mut out, "Users", users);
    section(&mut out, "Groups", groups);
    if paths.is_empty() {
        out.push_str(
            "\n# Access paths: not in the directory. Add a [[path]] for each way administrators and helpdesk connect.\n",
        );
    } else {
        section(
            &mut out,
            "Access paths (written by hand, kept by the import)",
            paths,
        );
    }
    if !skipped.is_empty() {
        out.push_str("\n# Not imported:\n");
        for s in skipped {
            out.push_str("# - ");
            out.push_str(&one_line(s));
            out.push('\n');
        }
    }
    Ok(out)
}

/// A comment must stay on one line: control characters are shown escaped.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || crate::names::is_invisible_or_bidi(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Serialising one entry as a one-element array of tables (`[[host]]`).
mod erased {
    use std::collections::BTreeMap;

    use serde::Serialize;

    pub trait Ser {
        fn to_toml(&self, table: &str) -> Result<String, toml::ser::Error>;
    }

    impl<T: Serialize> Ser for T {
        fn to_toml(&self, table: &str) -> Result<String, toml::ser::Error> {
            let mut m = BTreeMap::new();
            m.insert(table, [self]);
            toml::to_string(&m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(one_line("a\nb"), "a\\u{a}b");
        assert_eq!(one_line("x\u{202E}y"), "x\\u{202e}y");
    }
}
