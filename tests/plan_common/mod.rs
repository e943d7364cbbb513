//! The small estate the plan tests share: one PAW, one server, one administrator, one path.

#![allow(dead_code)]

use guardplan::inventory::{Inventory, load_str};

/// The estate as TOML.
pub const ESTATE: &str = r#"
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
administrators = ["alice.admin"]

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[path]]
name = "tier1"
purpose = "admin"
who = ["user:alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-01"]
"#;

/// The day waivers are judged against in the tests.
pub use crate::tui_support::TODAY;

/// The estate, loaded.
pub fn inventory() -> Inventory {
    load_str("estate.toml", ESTATE).expect("test estate loads")
}

/// The embedded sample estate with the example plan `plans/contoso.plan.toml`.
pub fn sample_workspace() -> guardplan::plan::Workspace {
    let inv =
        load_str("assets/contoso.toml", guardplan::inventory::SAMPLE_TOML).expect("sample loads");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/contoso.plan.toml");
    let text = std::fs::read_to_string(&path).expect("plans/contoso.plan.toml is readable");
    let plan =
        guardplan::plan::io::parse("plans/contoso.plan.toml", &text).expect("example plan parses");
    guardplan::plan::Workspace::new(inv, Some(plan), TODAY)
}

/// The hosts of a generated script's `$HostGroups`, each with the values it gets (`A = 1; B = 0`), in order.
pub fn host_sets(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut set: Option<String> = None;
    for line in script.lines() {
        if let Some(rest) = line.strip_prefix("    @{ Set = @{ ") {
            set = rest
                .split_once(" }; Hosts = @(")
                .map(|(s, _)| s.to_string());
        } else if line == "    ) }" {
            set = None;
        } else if let (Some(s), Some(names)) = (&set, line.strip_prefix("        ")) {
            for n in names.split(", ") {
                let n = n.trim_matches('\'').replace("''", "'");
                out.push((n, s.clone()));
            }
        }
    }
    out
}
