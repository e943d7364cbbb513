//! Every generated PowerShell script (per-stage scripts, GPO and Intune deployment scripts, of the sample plan
//! and of the small estate) parses with the tree-sitter PowerShell grammar: no syntax error, no missing token.

use guardplan::plan::{Workspace, gpo, intune, io, scripts};

use crate::plan_common;

fn small() -> Workspace {
    let inv = plan_common::inventory();
    let text = format!(
        "version = 1\n[inventory]\npath = \"estate.toml\"\nfingerprint = \"{}\"\n\
         [[stage]]\nname = \"targets\"\nhosts = [\"*\"]\n\
         [[stage]]\nname = \"pilot\"\npaths = [\"tier1\"]\n\
         [[stage]]\nname = \"protect\"\nusers = [\"*\"]\n\
         [[stage]]\nname = \"enforce\"\nclients = [\"host:PAW-01\"]\n\
         [[decision]]\npath = \"tier1\"\nmode = \"remote-guard\"\nenforce = \"switch\"\n",
        io::fingerprint(&inv)
    );
    let plan = io::parse("p.toml", &text).expect("plan parses");
    Workspace::new(inv, Some(plan), plan_common::TODAY)
}

/// The first syntax error or missing token of a script: its position and the text there.
fn first_error(parser: &mut tree_sitter::Parser, text: &str) -> Option<String> {
    let tree = parser.parse(text, None)?;
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let at = n.start_position();
            let snippet: String = text[n.byte_range()].chars().take(120).collect();
            return Some(format!(
                "{} at line {}, column {}: {snippet:?}",
                n.kind(),
                at.row + 1,
                at.column + 1
            ));
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    Some("a syntax error".into())
}

#[test]
fn every_generated_script_parses() {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("grammar loads");
    // The grammar catches what it must: an unclosed block is an error.
    assert!(first_error(&mut parser, "foreach ($a in $b) {\n  if ($x) { 1 }\n").is_some());
    assert!(first_error(&mut parser, "Write-Host 'unterminated\n").is_some());

    let mut count = 0;
    for (label, ws) in [
        ("sample", plan_common::sample_workspace()),
        ("estate", small()),
    ] {
        let mut all: Vec<(String, String)> = scripts::stage_scripts(&ws)
            .expect("scripts")
            .into_iter()
            .map(|f| (f.name, f.content))
            .collect();
        for f in gpo::gpo_export(&ws, "contoso")
            .expect("gpo")
            .into_iter()
            .chain(intune::intune_export(&ws, "contoso").expect("intune"))
        {
            let text = f.as_text().map(str::to_string);
            if let Some(text) = text {
                all.push((f.path, text));
            }
        }
        for (name, text) in all.iter().filter(|(n, _)| n.ends_with(".ps1")) {
            count += 1;
            if let Some(e) = first_error(&mut parser, text) {
                panic!("{label} {name}: {e}");
            }
        }
    }
    assert!(count >= 20, "{count} scripts parsed");
}
