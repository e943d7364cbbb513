//! The read-only PowerShell script that collects host state (`guardplan collect`), and the host list it reads.
//!
//! The script is fixed text, ASCII only: no name from the inventory is ever written into it. Computer names
//! reach it as data, in the host list file or from the OU it searches, and it checks each against a pattern
//! before passing it to `Invoke-Command` as an argument.

use crate::inventory::{Inventory, JoinType};
use crate::names;

/// The script, as kept in the repository (LF line ends).
pub const SCRIPT: &str = include_str!("../assets/collect/Collect-GuardplanState.ps1");

/// The name the script is usually saved under.
pub const SCRIPT_NAME: &str = "Collect-GuardplanState.ps1";

/// The script as written to disk: a UTF-8 byte order mark (Windows PowerShell 5.1 reads a file without one in
/// the ANSI code page) and CRLF line ends.
pub fn script_bytes() -> Vec<u8> {
    let mut out = Vec::with_capacity(SCRIPT.len() + SCRIPT.lines().count() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    for line in SCRIPT.lines() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The host list of an inventory: one computer name per line, the hosts joined to an AD domain (the script
/// reaches them with PowerShell remoting). Other hosts are listed in comments. A name that fails validation
/// stops the list.
pub fn host_list(inv: &Inventory) -> Result<String, String> {
    let mut out = String::from(
        "# Hosts for the guardplan collection script, one computer name per line.\r\n",
    );
    let mut skipped = Vec::new();
    for h in &inv.hosts {
        names::host_name(&h.name).map_err(|why| {
            format!(
                "the host name `{}` {why}: fix it in the inventory",
                crate::inventory::load::shown(&h.name)
            )
        })?;
        if matches!(h.join, JoinType::Ad | JoinType::Hybrid) {
            out.push_str(&h.name);
            out.push_str("\r\n");
        } else {
            skipped.push(h.name.as_str());
        }
    }
    if !skipped.is_empty() {
        out.push_str("# Not joined to an AD domain (collect on them locally):\r\n");
        for s in skipped {
            out.push_str("# ");
            out.push_str(s);
            out.push_str("\r\n");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_ascii_with_a_byte_order_mark_and_crlf() {
        let b = script_bytes();
        assert_eq!(&b[..3], b"\xEF\xBB\xBF");
        assert!(b[3..].is_ascii());
        let text = std::str::from_utf8(&b[3..]).unwrap();
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "every line ends in CRLF"
        );
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn the_script_says_it_is_read_only_and_writes_nothing_on_the_hosts() {
        assert!(SCRIPT.contains("READ-ONLY: this script changes nothing on any host."));
        // No cmdlet or tool that changes a host.
        for verb in [
            "Set-ItemProperty",
            "New-ItemProperty",
            "Remove-ItemProperty",
            "New-Item ",
            "Set-Item ",
            "Add-LocalGroupMember",
            "Remove-LocalGroupMember",
            "reg.exe",
            "reg add",
            "secedit.exe /configure",
            "Set-GPRegistryValue",
            "Invoke-Expression",
            "iex ",
            "gpupdate",
            "Restart-",
            "Stop-",
            "Start-Service",
        ] {
            assert!(!SCRIPT.contains(verb), "{verb}");
        }
        // The one temporary file is removed.
        assert!(SCRIPT.contains("Remove-Item -LiteralPath $tmp"));
    }

    #[test]
    fn names_reach_the_script_as_arguments() {
        assert!(SCRIPT.contains("-ArgumentList $name"));
        assert!(SCRIPT.contains("-notmatch $NamePattern"));
    }

    #[test]
    fn the_host_list_of_the_sample_has_its_domain_members() {
        let inv = crate::inventory::load_sample().unwrap();
        let list = host_list(&inv).unwrap();
        assert!(list.contains("\r\nSRV-APP-01\r\n"));
        assert!(
            list.contains("# TAB-EXEC-01\r\n"),
            "an Entra-joined host is a comment"
        );
        let names = list.lines().filter(|l| !l.starts_with('#')).count();
        let joined = inv
            .hosts
            .iter()
            .filter(|h| matches!(h.join, JoinType::Ad | JoinType::Hybrid))
            .count();
        assert_eq!(names, joined);
    }
}
