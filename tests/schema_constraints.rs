//! The JSON Schema says what the loader checks, so that editors (Taplo, Even Better TOML) flag what `check`
//! flags: its patterns agree with the loader's name checks, and each constraint is where an editor looks.

use guardplan::names;
use serde_json::Value;

fn schema() -> Value {
    let text = guardplan::commands::schema::schema_json();
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn def<'a>(s: &'a Value, name: &str) -> &'a Value {
    &s["$defs"][name]
}

fn pattern(v: &Value) -> regex::Regex {
    regex::Regex::new(v["pattern"].as_str().expect("a pattern")).expect("a valid pattern")
}

/// Whether a string passes a string schema's pattern and length bounds.
fn passes(v: &Value, s: &str) -> bool {
    let n = s.chars().count() as u64;
    pattern(v).is_match(s)
        && v["maxLength"].as_u64().is_none_or(|m| n <= m)
        && v["minLength"].as_u64().is_none_or(|m| n >= m)
}

const NAMES: &[&str] = &[
    "corp.contoso.com",
    "corp_contoso..com",
    "corp.contoso.com.",
    ".corp",
    "-corp.com",
    "corp-.com",
    "a.b",
    "x",
    "CORP",
    "CORP-01",
    "CORP_01",
    "ABCDEFGHIJKLMNO",
    "ABCDEFGHIJKLMNOP",
    "PAW-01",
    "SRV-APP-01",
    "srv-app-01.corp.contoso.com",
    "A-VERY-LONG-HOSTNAME",
    "BAD;NAME",
    "a b",
    "alice.admin",
    "svc-backup",
    "gmsa-sql$",
    "KIOSK-01$",
    "a$b",
    "$",
    "o'brien",
    "x`whoami`",
    "a\"b",
    "a@b",
    "tab\there",
    "Utilisateurs protégés",
    " lead",
    "trail ",
    "tier1-admin",
    "path.name_2",
    "",
    "aaaaaaaaaaaaaaaaaaaaa",
];

/// One of the loader's name checks: whether a name is valid.
type NameCheck = fn(&str) -> bool;

#[test]
fn name_patterns_agree_with_the_loader() {
    let s = schema();
    let cases: [(&str, &Value, NameCheck); 6] = [
        (
            "domain dns",
            &def(&s, "RawDomain")["properties"]["dns"],
            |n| names::dns_name(n).is_ok(),
        ),
        (
            "netbios",
            &def(&s, "RawDomain")["properties"]["netbios"],
            |n| names::netbios_name(n).is_ok(),
        ),
        (
            "host name",
            &def(&s, "RawHost")["properties"]["name"],
            |n| names::host_name(n).is_ok(),
        ),
        (
            "user name",
            &def(&s, "RawUser")["properties"]["name"],
            |n| names::sam_name(n, 20).is_ok(),
        ),
        (
            "group name",
            &def(&s, "RawGroup")["properties"]["name"],
            |n| names::sam_name(n, 256).is_ok(),
        ),
        (
            "path name",
            &def(&s, "RawPath")["properties"]["name"],
            |n| names::identifier(n).is_ok(),
        ),
    ];
    for (what, schema, loader) in cases {
        for name in NAMES {
            assert_eq!(
                passes(schema, name),
                loader(name),
                "{what} {name:?}: the schema and the loader disagree"
            );
        }
    }
}

#[test]
fn the_schema_rejects_what_check_rejects() {
    let s = schema();
    // version = 2
    assert_eq!(s["properties"]["version"]["const"], 1);
    // a 16-character NetBIOS name
    assert_eq!(
        def(&s, "RawDomain")["properties"]["netbios"]["maxLength"],
        15
    );
    // corp_contoso..com, wherever a DNS name is written
    for (d, key) in [
        ("RawDomain", "dns"),
        ("RawDomain", "forest"),
        ("RawTrust", "trusting"),
        ("RawTrust", "trusted"),
        ("RawHost", "domain"),
        ("RawUser", "domain"),
        ("RawGroup", "domain"),
    ] {
        let p = &def(&s, d)["properties"][key];
        assert!(!pattern(p).is_match("corp_contoso..com"), "{d}.{key}");
        assert!(pattern(p).is_match("corp.contoso.com"), "{d}.{key}");
    }
    // who = [], and empty from and to
    for key in ["who", "from", "to"] {
        assert_eq!(
            def(&s, "RawPath")["properties"][key]["minItems"],
            1,
            "{key}"
        );
    }
    // session_hours = 0
    let hours = &def(&s, "RawPath")["properties"]["session_hours"];
    assert_eq!(hours["exclusiveMinimum"], 0);
    assert_eq!(hours["maximum"], 24.0 * 366.0);
    // windows-11 without build; an Entra host with a domain; an AD host without one
    let rules = def(&s, "RawHost")["allOf"].as_array().expect("conditions");
    let when = |key: &str, value: &str| {
        rules
            .iter()
            .find(|r| {
                r["if"]["properties"][key]["enum"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|v| v == value))
            })
            .unwrap_or_else(|| panic!("no condition on {key} = {value}"))
    };
    assert_eq!(when("os", "windows-11")["then"]["required"][0], "build");
    assert_eq!(when("os", "windows-10")["then"]["required"][0], "build");
    assert_eq!(when("join", "entra")["then"]["properties"]["domain"], false);
    assert_eq!(
        when("join", "workgroup")["then"]["properties"]["domain"],
        false
    );
    assert_eq!(when("join", "ad")["then"]["required"][0], "domain");
    assert_eq!(when("join", "hybrid")["then"]["required"][0], "domain");
    // computer accounts: at most 16 characters
    let user = def(&s, "RawUser")["allOf"][0].clone();
    assert_eq!(user["if"]["properties"]["kind"]["const"], "computer");
    assert_eq!(user["then"]["properties"]["name"]["maxLength"], 16);
}

#[test]
fn enums_are_enums_not_one_of_consts() {
    let s = schema();
    let text = s.to_string();
    assert!(!text.contains("\"oneOf\""), "a oneOf is left");
    let join = def(&s, "JoinType");
    assert_eq!(
        join["enum"],
        serde_json::json!(["ad", "hybrid", "entra", "workgroup"])
    );
    assert_eq!(
        join["enumDescriptions"].as_array().map(Vec::len),
        Some(4),
        "each value keeps its description"
    );
}

#[test]
fn sample_and_import_write_the_schema_line_first() {
    let spec = guardplan::sample::SampleSpec {
        hosts: 100,
        users: 200,
        domains: 4,
        seed: 1,
    };
    let text = guardplan::sample::generate(&spec).expect("a sample");
    assert_eq!(
        text.lines().next(),
        Some(guardplan::inventory::SCHEMA_DIRECTIVE)
    );
    assert_eq!(
        guardplan::inventory::SCHEMA_DIRECTIVE,
        "#:schema ./inventory.schema.json"
    );
}

/// A valid inventory, and the seven ways `check` rejects it that the schema must flag too.
const VALID: &str = r#"#:schema ./inventory.schema.json
version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[host]]
name = "PAW-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[host]]
name = "SRV-01"
domain = "corp.contoso.com"
join = "ad"
os = "server-2022"
roles = ["server"]

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[path]]
name = "tier1-admin"
purpose = "admin"
who = ["user:CORP\\alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-01"]
session_hours = 8
"#;

fn broken() -> Vec<(&'static str, String)> {
    [
        ("version-2", "version = 1", "version = 2"),
        (
            "netbios-16",
            "netbios = \"CORP\"",
            "netbios = \"ABCDEFGHIJKLMNOP\"",
        ),
        ("windows-11-without-build", "build = 22631\n", ""),
        (
            "entra-with-domain",
            "name = \"SRV-01\"\ndomain = \"corp.contoso.com\"\njoin = \"ad\"",
            "name = \"SRV-01\"\ndomain = \"corp.contoso.com\"\njoin = \"entra\"",
        ),
        ("session-hours-0", "session_hours = 8", "session_hours = 0"),
        (
            "dns-double-dot",
            "dns = \"corp.contoso.com\"",
            "dns = \"corp_contoso..com\"",
        ),
        (
            "who-empty",
            "who = [\"user:CORP\\\\alice.admin\"]",
            "who = []",
        ),
    ]
    .into_iter()
    .map(|(name, from, to)| {
        assert!(VALID.contains(from), "{name}");
        (name, VALID.replace(from, to))
    })
    .collect()
}

#[test]
fn check_rejects_each_broken_inventory() {
    guardplan::inventory::load_str("valid.toml", VALID).expect("the valid inventory loads");
    for (name, text) in broken() {
        assert!(
            guardplan::inventory::load_str(&format!("{name}.toml"), &text).is_err(),
            "{name} loads"
        );
    }
}

fn taplo() -> Option<std::process::Command> {
    let found = std::process::Command::new("taplo")
        .arg("--version")
        .output();
    if found.is_err() {
        eprintln!("note: taplo is not installed; the editor checks are skipped");
        return None;
    }
    Some(std::process::Command::new("taplo"))
}

#[test]
fn taplo_rejects_what_check_rejects_and_accepts_the_valid_inventory() {
    let Some(mut cmd) = taplo() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("inventory.schema.json"),
        guardplan::commands::schema::schema_json(),
    )
    .unwrap();
    std::fs::write(dir.path().join("valid.toml"), VALID).unwrap();
    let mut files = vec!["valid.toml".to_string()];
    for (name, text) in broken() {
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
        files.push(format!("{name}.toml"));
    }
    let out = cmd
        .current_dir(dir.path())
        .args(["lint", "--no-auto-config"])
        .args(&files)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    let invalid = |f: &str| {
        log.contains(&format!(
            "schema validation failed path=\"{}",
            dir.path().join(f).display()
        ))
    };
    assert!(!invalid("valid.toml"), "{log}");
    for f in &files[1..] {
        assert!(invalid(f), "Taplo accepts {f}:\n{log}");
    }
}

#[test]
fn taplo_fmt_leaves_what_guardplan_writes_unchanged() {
    let Some(mut cmd) = taplo() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::copy(
        format!("{root}/.taplo.toml"),
        dir.path().join(".taplo.toml"),
    )
    .unwrap();
    let spec = guardplan::sample::SampleSpec {
        hosts: 300,
        users: 600,
        domains: 4,
        seed: 7,
    };
    std::fs::write(
        dir.path().join("sample.toml"),
        guardplan::sample::generate(&spec).unwrap(),
    )
    .unwrap();
    std::fs::copy(
        format!("{root}/plans/contoso.plan.toml"),
        dir.path().join("contoso.plan.toml"),
    )
    .unwrap();
    let out = cmd
        .current_dir(dir.path())
        .args(["fmt", "--check", "sample.toml", "contoso.plan.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
