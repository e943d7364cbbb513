//! Names are compared after compatibility normalization and case folding, and look-alike names are refused.

use guardplan::inventory::load_str;

const HEAD: &str = "version = 1\n[[domain]]\ndns = \"corp.contoso.com\"\nnetbios = \"CORP\"\nfunctional_level = \"2016\"\n";

fn users(names: &[&str]) -> String {
    let mut s = HEAD.to_string();
    for n in names {
        let quoted = toml::Value::String(n.to_string()).to_string();
        s.push_str(&format!(
            "[[user]]\nname = {quoted}\ndomain = \"corp.contoso.com\"\n"
        ));
    }
    s
}

fn error_of(names: &[&str]) -> String {
    load_str("names.toml", &users(names))
        .expect_err("refused")
        .to_string()
}

#[test]
fn ordinary_names_in_any_script_load() {
    let inv = load_str(
        "names.toml",
        &users(&[
            "alice.admin",
            "\u{0414}\u{043C}\u{0438}\u{0442}\u{0440}\u{0438}\u{0439}",
            "\u{0142}\u{0151}\u{00D1}.admin",
            "\u{5C71}\u{7530}\u{592A}\u{90CE}",
            "svc01",
            "svcO1",
        ]),
    )
    .expect("loads");
    assert_eq!(inv.users.len(), 6);
}

#[test]
fn look_alikes_are_refused_at_their_line() {
    // Cyrillic `а` in a Latin name.
    let e = error_of(&["admin", "\u{0430}dmin"]);
    assert!(e.contains("names.toml:10:"), "{e}");
    assert!(e.contains("mixes letters of different scripts"), "{e}");
    // All Cyrillic, spelling a Latin name.
    let e = error_of(&["ace", "\u{0430}\u{0441}\u{0435}"]);
    assert!(e.contains("looks like `ace`"), "{e}");
    assert!(e.contains("names.toml:10:"), "{e}");
    // A group and a user share the namespace.
    let text = format!(
        "{}[[group]]\nname = \"\u{0441}\u{0430}\u{0440}\"\ndomain = \"corp.contoso.com\"\n",
        users(&["cap"])
    );
    let e = load_str("names.toml", &text)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("looks like"), "{e}");
}

#[test]
fn compatibility_forms_are_refused_and_folded_names_collide() {
    // KELVIN SIGN, full-width letters.
    let e = error_of(&["\u{212A}admin"]);
    assert!(e.contains("U+212A") && e.contains("`K`"), "{e}");
    let e = error_of(&["\u{FF41}dmin"]);
    assert!(e.contains("compatibility character"), "{e}");
    // Case folding beyond ASCII: the same name twice.
    let e = error_of(&[
        "\u{0414}\u{043C}\u{0438}\u{0442}\u{0440}\u{0438}\u{0439}",
        "\u{0434}\u{043C}\u{0438}\u{0442}\u{0440}\u{0438}\u{0439}",
    ]);
    assert!(e.contains("declared twice"), "{e}");
}
