//! Every output that cites a rule's source (reports in each format, `rules`, `explain`, the planner's detail
//! pane) shows the source and its section, or the source alone when the catalog names no section: never an
//! empty `()` or a space before the full stop.

use std::path::Path;

use guardplan::check::{CheckFormat, build_report, render};
use guardplan::commands::rules::{catalog_json, catalog_text, explain_text};
use guardplan::finding::Severity;
use guardplan::rules::CATALOG;
use guardplan::rules::catalog::Code;
use guardplan::tui::findings::code_detail;
use guardplan::tui::theme::Theme;

use crate::plan_common::TODAY;

/// What would show an empty section after the source id `src`.
fn empty_section_marks(src: &str) -> [String; 7] {
    [
        format!("{src} ()"),
        format!("{src} ."),
        format!("{src} ,"),
        format!("{src} ]"),
        format!("{src} \","),
        format!("{src} \"\n"),
        format!("{src} \n"),
    ]
}

/// Panics with the offending excerpt when `text` (named `what`) shows an empty section after a source id.
fn assert_cites_cleanly(what: &str, text: &str) {
    for src in CATALOG
        .iter()
        .map(|r| r.source)
        .collect::<std::collections::BTreeSet<_>>()
    {
        for mark in empty_section_marks(src) {
            if let Some(at) = text.find(&mark) {
                let end = (at + 80).min(text.len());
                let excerpt = text.get(at..end).unwrap_or(&mark);
                panic!("{what} shows an empty section after source {src}: {excerpt:?}");
            }
        }
    }
}

#[test]
fn the_catalog_has_entries_without_a_section() {
    // Without them this file would test nothing: the empty section is the case it is about.
    let empty: Vec<&str> = CATALOG
        .iter()
        .filter(|r| r.source_section.is_empty())
        .map(|r| r.code.as_str())
        .collect();
    assert!(!empty.is_empty(), "no catalog entry has an empty section");
    for r in CATALOG.iter().filter(|r| r.source_section.is_empty()) {
        assert_eq!(r.citation(), r.source, "{}", r.code);
    }
    for r in CATALOG.iter().filter(|r| !r.source_section.is_empty()) {
        assert_eq!(
            r.citation(),
            format!("{} {}", r.source, r.source_section),
            "{}",
            r.code
        );
    }
}

#[test]
fn reports_cite_sources_without_an_empty_section() {
    let sample = build_report(None, None, Severity::Block, TODAY).expect("the sample checks");
    let planned = build_report(
        Some(Path::new("assets/contoso.toml")),
        Some(Path::new("plans/contoso.plan.toml")),
        Severity::Block,
        TODAY,
    )
    .expect("the sample plan checks");
    for (name, r) in [("sample", &sample), ("sample plan", &planned)] {
        for format in [
            CheckFormat::Text,
            CheckFormat::Json,
            CheckFormat::Sarif,
            CheckFormat::Markdown,
        ] {
            assert_cites_cleanly(&format!("{name} {format:?}"), &render(r, format));
        }
    }
    // SARIF lists every catalog entry as a rule, so each one without a section is cited there as `Source: 003.`
    let sarif = render(&sample, CheckFormat::Sarif);
    for r in CATALOG.iter().filter(|r| r.source_section.is_empty()) {
        let cite = format!("Source: {}. \\\"", r.source);
        assert!(sarif.contains(&cite), "{}: no {cite} in the SARIF", r.code);
    }
}

#[test]
fn rules_explain_and_the_planner_cite_sources_without_an_empty_section() {
    assert_cites_cleanly("guardplan rules", &catalog_text());
    assert_cites_cleanly("guardplan rules --format json", &catalog_json());
    for code in Code::all() {
        assert_cites_cleanly(&format!("guardplan explain {code}"), &explain_text(code));
        let detail: String = code_detail(code, &Theme::default())
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        assert_cites_cleanly(&format!("the planner's detail of {code}"), &detail);
        assert!(
            detail.contains(&format!("\n{}\n", code.info().citation())),
            "{code}: the detail pane does not cite {}:\n{detail}",
            code.info().citation()
        );
    }
}
