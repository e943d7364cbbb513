//! The command-line contract of `schema`, `completions`, `man`, `graph`, `--version` and `--help`.

use assert_cmd::Command;
use predicates::str::contains;

fn bin() -> Command {
    Command::cargo_bin("guardplan").unwrap_or_else(|e| panic!("binary: {e}"))
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn saved_schema_matches_the_format() {
    let saved_path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/inventory.schema.json");
    let saved = std::fs::read_to_string(saved_path).unwrap_or_default();
    let printed = stdout_of(&["schema"]);
    assert!(
        saved == printed,
        "assets/inventory.schema.json is out of date with src/inventory/raw.rs; regenerate it with\n  \
         cargo run -- schema > assets/inventory.schema.json"
    );
}

#[test]
fn schema_lists_every_entry_kind_and_denies_unknown_keys() {
    let text = stdout_of(&["schema"]);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for key in [
        "version",
        "description",
        "domain",
        "trust",
        "host",
        "user",
        "group",
        "path",
    ] {
        assert!(
            schema["properties"].get(key).is_some(),
            "schema lacks `{key}`"
        );
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
    assert_eq!(schema["required"], serde_json::json!(["version"]));
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_guardplan()"),
        ("zsh", "#compdef guardplan"),
        ("fish", "complete -c guardplan"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[guardplan]"),
    ] {
        let text = stdout_of(&["completions", shell]);
        assert!(text.contains(marker), "{shell}: no {marker:?}");
        assert!(text.contains("graph"), "{shell}: no subcommand `graph`");
    }
    bin().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_to_stdout_and_to_a_directory() {
    let text = stdout_of(&["man"]);
    assert!(text.contains(".TH GUARDPLAN 1"));
    assert!(text.contains("Remote Credential Guard"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    bin().args(["man", "-o"]).arg(dir.path()).assert().success();
    let written = std::fs::read_to_string(dir.path().join("guardplan.1")).unwrap_or_default();
    assert_eq!(written, text);
    bin()
        .args(["man", "-o", "/nonexistent/dir"])
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/dir/guardplan.1"));
}

#[test]
fn version_and_help_with_examples() {
    bin()
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("guardplan {}\n", env!("CARGO_PKG_VERSION")));
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Examples:"))
        .stdout(contains("guardplan check estate.toml --format json"))
        .stdout(contains(
            "Exit codes: 0 clean, 1 an unwaived blocking finding, 2 an input or usage error",
        ));
    bin()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stderr(contains("--no-such-flag"));
}

const ESTATE: &str = r#"version = 1
[[domain]]
dns = "fabrikam.com"
netbios = "FABRIKAM"
functional_level = "2016"
[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"
forest = "contoso.com"
[[domain]]
dns = "contoso.com"
netbios = "CONTOSO"
functional_level = "2016"
[[domain]]
dns = "legacy.example"
netbios = "LEGACY"
functional_level = "2008r2"
[[trust]]
trusting = "contoso.com"
trusted = "fabrikam.com"
direction = "two-way"
type = "forest"
selective_auth = true
[[trust]]
trusting = "corp.contoso.com"
trusted = "contoso.com"
direction = "two-way"
type = "parent-child"
[[trust]]
trusting = "corp.contoso.com"
trusted = "legacy.example"
direction = "one-way"
type = "external"
"#;

fn graph_of(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("estate.toml");
    std::fs::write(&path, ESTATE).unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .args(["graph", "--format", format])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn graph_dot_groups_domains_by_forest_and_labels_trusts() {
    let dot = graph_of("dot");
    let expected = r#"digraph trusts {
  rankdir=LR;
  node [shape=box];
  // an arrow points from the trusting domain (resources) to the trusted domain (accounts)
  subgraph cluster_0 {
    label="forest contoso.com";
    "contoso.com" [label="contoso.com\nCONTOSO"];
    "corp.contoso.com" [label="corp.contoso.com\nCORP"];
  }
  subgraph cluster_1 {
    label="forest fabrikam.com";
    "fabrikam.com" [label="fabrikam.com\nFABRIKAM"];
  }
  subgraph cluster_2 {
    label="forest legacy.example";
    "legacy.example" [label="legacy.example\nLEGACY"];
  }
  "contoso.com" -> "fabrikam.com" [label="forest, two-way, transitive, selective auth", dir=both, style=dashed];
  "corp.contoso.com" -> "contoso.com" [label="parent-child, two-way, transitive", dir=both];
  "corp.contoso.com" -> "legacy.example" [label="external, one-way, non-transitive"];
}
"#;
    assert_eq!(dot, expected);
    assert_eq!(graph_of("dot"), dot, "output differs between runs");
}

#[test]
fn graph_mermaid_groups_domains_by_forest_and_labels_trusts() {
    let mermaid = graph_of("mermaid");
    let expected = r#"flowchart LR
  %% an arrow points from the trusting domain (resources) to the trusted domain (accounts)
  subgraph f0["forest contoso.com"]
    d0["contoso.com<br/>CONTOSO"]
    d1["corp.contoso.com<br/>CORP"]
  end
  subgraph f1["forest fabrikam.com"]
    d2["fabrikam.com<br/>FABRIKAM"]
  end
  subgraph f2["forest legacy.example"]
    d3["legacy.example<br/>LEGACY"]
  end
  d0 <-.->|"forest, two-way, transitive, selective auth"| d2
  d1 <-->|"parent-child, two-way, transitive"| d0
  d1 -->|"external, one-way, non-transitive"| d3
"#;
    assert_eq!(mermaid, expected);
}

#[test]
fn graph_of_a_bad_inventory_exits_2() {
    bin()
        .args(["graph", "--format", "mermaid", "/nonexistent.toml"])
        .assert()
        .code(2);
    bin().args(["graph", "--format", "png"]).assert().code(2);
}

#[test]
fn graph_of_the_embedded_sample() {
    let dot = stdout_of(&["graph"]);
    assert!(dot.starts_with("digraph trusts {"));
    assert!(dot.ends_with("}\n"));
}
