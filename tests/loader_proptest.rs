//! Damaged inventories never panic the loader, and every problem points inside the file.

use guardplan::inventory::load_str;
use proptest::prelude::*;

const VALID: &str = r#"version = 1
[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"
[[domain]]
dns = "fabrikam.com"
netbios = "FABRIKAM"
functional_level = "2012r2"
[[trust]]
trusting = "corp.contoso.com"
trusted = "fabrikam.com"
direction = "two-way"
type = "forest"
[[group]]
name = "Tier1"
domain = "corp.contoso.com"
roles = ["admin"]
[[user]]
name = "alice"
domain = "corp.contoso.com"
member_of = ["Tier1"]
[[host]]
name = "PAW1"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]
tags = ["tier1"]
[[host]]
name = "SRV1"
domain = "fabrikam.com"
join = "ad"
os = "server-2022"
administrators = ["CORP\\Tier1"]
[[path]]
name = "t1"
purpose = "admin"
who = ["group:Tier1"]
from = ["tag:tier1"]
to = ["host:SRV1"]
session_hours = 2.5
"#;

/// Pieces that are likely to break the structure in interesting ways.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("=".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{202e}".to_string()),
        Just("山田".to_string()),
        Just("[[host]]\n".to_string()),
        Just("$(calc)".to_string()),
        Just("99999999999999999999".to_string()),
        Just("{a={b=[1,[2]]}}".to_string()),
        "[ -~]{0,12}",
        any::<char>().prop_map(String::from),
    ]
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let lines = text.split('\n').count();
    if let Err(diags) = load_str("fuzz.toml", text) {
        prop_assert!(!diags.0.is_empty());
        for d in &diags.0 {
            prop_assert!(
                d.line >= 1 && d.line <= lines,
                "{d} (file has {lines} lines)"
            );
            prop_assert!(d.col >= 1);
            prop_assert!(d.help.is_some());
            let shown = d.to_string();
            let head = format!("fuzz.toml:{}:{}: error: ", d.line, d.col);
            prop_assert!(shown.starts_with(&head), "{}", shown);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inserting_text_never_panics(at in 0..VALID.len(), what in piece()) {
        let at = (0..=at).rev().find(|i| VALID.is_char_boundary(*i)).unwrap_or(0);
        let mut text = VALID.to_string();
        text.insert_str(at, &what);
        check(&text)?;
    }

    #[test]
    fn deleting_text_never_panics(at in 0..VALID.len(), len in 1usize..40) {
        let end = (at + len).min(VALID.len());
        let text = format!("{}{}", &VALID[..at], &VALID[end..]);
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text)?;
    }
}

#[test]
fn the_base_inventory_is_valid() {
    if let Err(d) = load_str("base.toml", VALID) {
        panic!("{d}");
    }
}
