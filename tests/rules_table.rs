//! Microsoft's comparison table ("Comparing Windows Defender Remote Credential Guard with other Remote Desktop
//! connection options", seed 000), row by row and column by column: standard RDP, Remote Credential Guard and
//! Restricted Admin mode.

use crate::rules_support;

use guardplan::Mode::{self, RemoteGuard, RestrictedAdmin, Standard};
use guardplan::Verdict;
use guardplan::rules::Code;
use rules_support::Case;

/// What the table says of one column for one row: the mode works (no block) or not, and the code that says so.
#[derive(Clone, Copy)]
enum Expect {
    /// Works, and `Code` is not raised.
    Works(Option<Code>),
    /// Works, with `Code` raised (a warning or context).
    WorksWith(Code),
    /// Does not work: `Code` blocks it.
    Blocked(Code),
}

struct Row {
    feature: &'static str,
    case: fn() -> Case,
    columns: [(Mode, Expect); 3],
}

fn hop() -> Case {
    Case::new().path(&[("hops", "[\"host:NEXT\"]")]).extra(
        "[[host]]\nname = \"NEXT\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"\nos = \"server-2022\"\nadministrators = [\"alice\"]",
    )
}

const ROWS: &[Row] = &[
    Row {
        // "Credentials on the server are not protected from Pass-the-Hash attacks." / "User credentials remain
        // on the client. An attacker can act on behalf of the user only when the session is ongoing" / "User
        // logs on to the server as local administrator ... Any attack is local to the server".
        feature: "Protection benefits",
        case: Case::new,
        columns: [
            (Standard, Expect::WorksWith(Code::RdpCredsExposed)),
            (RemoteGuard, Expect::WorksWith(Code::RcgSessionExposure)),
            (RestrictedAdmin, Expect::Works(Some(Code::RdpCredsExposed))),
        ],
    },
    Row {
        // Remote Credential Guard needs Windows 10 1607 / Server 2016 on the remote computer; Restricted Admin
        // needs at least patched Windows 7 / 2008 R2; standard RDP runs on any Windows.
        feature: "Version support (patched Windows 7 target)",
        case: || Case::new().target(&[("os", "\"windows-7\""), ("kb2871997", "true")]),
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgTargetOs)),
            (RestrictedAdmin, Expect::Works(Some(Code::RaTargetOs))),
        ],
    },
    Row {
        feature: "Version support (unpatched Windows 7 target)",
        case: || Case::new().target(&[("os", "\"windows-7\"")]),
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgTargetOs)),
            (RestrictedAdmin, Expect::Blocked(Code::RaTargetOs)),
        ],
    },
    Row {
        feature: "Version support (Windows 10 1511 client)",
        case: || Case::new().client(&[("os", "\"windows-10\""), ("build", "10586")]),
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgClientOs)),
            (RestrictedAdmin, Expect::Works(None)),
        ],
    },
    Row {
        // "Signed on credentials only" for Remote Credential Guard; signed on, supplied and saved otherwise.
        feature: "Credentials supported (saved)",
        case: || Case::new().path(&[("credentials", "\"saved\"")]),
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgSavedCreds)),
            (RestrictedAdmin, Expect::Works(None)),
        ],
    },
    Row {
        feature: "Credentials supported (supplied, 1607 client)",
        case: || {
            Case::new()
                .path(&[("credentials", "\"supplied\"")])
                .client(&[("os", "\"windows-10\""), ("build", "14393")])
        },
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgSuppliedCredsOs)),
            (RestrictedAdmin, Expect::Works(None)),
        ],
    },
    Row {
        // Remote Desktop Users for standard and Remote Credential Guard; Administrators only for Restricted Admin.
        feature: "Access (member of Remote Desktop Users only)",
        case: || {
            Case::new().target(&[
                ("administrators", "[]"),
                ("remote_desktop_users", "[\"alice\"]"),
            ])
        },
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Works(Some(Code::RcgNoRdpRight))),
            (RestrictedAdmin, Expect::Blocked(Code::RaNotAdmin)),
        ],
    },
    Row {
        // Neither group: no mode lets the user log on.
        feature: "Access (member of neither group)",
        case: || Case::new().target(&[("administrators", "[]"), ("remote_desktop_users", "[]")]),
        columns: [
            (Standard, Expect::Blocked(Code::RdpNoRight)),
            (RemoteGuard, Expect::Blocked(Code::RcgNoRdpRight)),
            (RestrictedAdmin, Expect::Blocked(Code::RaNotAdmin)),
        ],
    },
    Row {
        // "connects to other resources as signed-in user" / "... as remote host's identity".
        feature: "Network identity",
        case: || Case::new().path(&[("network_as_user", "true")]),
        columns: [
            (Standard, Expect::Works(Some(Code::RaNetworkIdentity))),
            (RemoteGuard, Expect::Works(Some(Code::RaNetworkIdentity))),
            (RestrictedAdmin, Expect::WorksWith(Code::RaNetworkIdentity)),
        ],
    },
    Row {
        // "From the remote desktop, you can connect through Remote Desktop to another computer" / "Not allowed
        // for user as the session is running as a local host account".
        feature: "Multi-hop",
        case: hop,
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Works(Some(Code::RaMultihop))),
            (RestrictedAdmin, Expect::Blocked(Code::RaMultihop)),
        ],
    },
    Row {
        // "Any negotiable protocol." / "Kerberos only." / "Any negotiable protocol".
        feature: "Supported authentication (no domain controller: NTLM only)",
        case: || Case::new().client(&[("dc_line_of_sight", "false")]),
        columns: [
            (Standard, Expect::Works(None)),
            (RemoteGuard, Expect::Blocked(Code::RcgNoKerberos)),
            (RestrictedAdmin, Expect::Works(Some(Code::RcgNoKerberos))),
        ],
    },
];

#[test]
fn comparison_table() {
    for row in ROWS {
        let j = (row.case)().eval();
        for (mode, expect) in row.columns {
            let verdict = j.verdict(mode);
            let at = format!("{} / {mode}", row.feature);
            match expect {
                Expect::Works(absent) => {
                    assert_ne!(verdict, Verdict::Block, "{at}: should work");
                    if let Some(code) = absent {
                        assert!(!j.has(mode, code), "{at}: {code} raised");
                    }
                }
                Expect::WorksWith(code) => {
                    assert_ne!(verdict, Verdict::Block, "{at}: should work");
                    assert!(j.has(mode, code), "{at}: {code} missing");
                }
                Expect::Blocked(code) => {
                    assert_eq!(verdict, Verdict::Block, "{at}: should be blocked");
                    assert!(j.has(mode, code), "{at}: {code} missing");
                }
            }
        }
    }
}

/// The codes a row's columns name.
fn row_codes(row: &Row) -> impl Iterator<Item = Code> + '_ {
    row.columns.iter().filter_map(|(_, e)| match *e {
        Expect::Works(c) => c,
        Expect::WorksWith(c) | Expect::Blocked(c) => Some(c),
    })
}

#[test]
fn every_catalog_rule_that_cites_the_table_is_checked_against_its_row() {
    // The catalog cites the table as `table "Row"` (a row) or `table` (the table as a whole).
    let cited: Vec<_> = guardplan::rules::CATALOG
        .iter()
        .filter(|r| r.source == "000" && r.source_section.starts_with("table"))
        .collect();
    assert!(
        cited.len() >= 5,
        "the catalog cites the table {} times",
        cited.len()
    );
    for r in cited {
        let row = r
            .source_section
            .strip_prefix("table \"")
            .and_then(|rest| rest.split('"').next());
        let covered = ROWS
            .iter()
            .filter(|x| row.is_none_or(|name| x.feature.starts_with(name)))
            .any(|x| row_codes(x).any(|c| c == r.code));
        assert!(
            covered,
            "{} cites {} but no row of the table test checks it there",
            r.code,
            r.citation()
        );
    }
}
