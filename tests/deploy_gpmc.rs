//! The Group Policy export read the way GPMC and `Import-GPO` read a backup, element by element against real
//! GPMC backups (tests/fixtures/gpmc, with their sources): the manifest's root and entries, the extensions
//! Backup.xml lists and the folders and files under them, and the preference items.

use std::collections::BTreeSet;

use guardplan::plan::artefact::Artefact;
use guardplan::plan::gpo;
use quick_xml::events::{BytesStart, Event};

use crate::plan_common::sample_workspace;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gpmc");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("reference file")
}

/// One element as the structure sees it: its path of local names from the root, and its attribute names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    path: String,
    attributes: BTreeSet<String>,
}

/// Every element of a document in document order, with its attributes (name and value).
fn elements(xml: &str) -> Vec<(Shape, Vec<(String, String)>)> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let visit = |stack: &[String], e: &BytesStart| {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let attrs: Vec<(String, String)> = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    String::from_utf8_lossy(&a.value).into_owned(),
                )
            })
            .collect();
        let mut path = stack.join("/");
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&name);
        (
            Shape {
                path,
                attributes: attrs.iter().map(|(k, _)| k.clone()).collect(),
            },
            attrs,
            name,
        )
    };
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let (shape, attrs, name) = visit(&stack, &e);
                out.push((shape, attrs));
                stack.push(name);
            }
            Event::Empty(e) => {
                let (shape, attrs, _) = visit(&stack, &e);
                out.push((shape, attrs));
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn export() -> Vec<Artefact> {
    gpo::gpo_export(&sample_workspace(), "contoso").expect("GPO export")
}

fn text(f: &Artefact) -> &str {
    f.as_text().expect("UTF-8")
}

#[test]
fn the_manifest_is_rooted_and_filled_as_gpmc_writes_it() {
    let files = export();
    let ours = elements(text(
        files
            .iter()
            .find(|f| f.path == "manifest.xml")
            .expect("manifest"),
    ));
    let reference = elements(&fixture("manifest.xml"));
    // The root: same element, same namespace declarations and version, nothing else.
    assert_eq!(ours[0].0.path, "Backups");
    assert_eq!(ours[0].1, reference[0].1, "manifest root attributes");
    // Each backup entry holds GPMC's elements in GPMC's order.
    let paths = |doc: &[(Shape, Vec<(String, String)>)]| -> Vec<String> {
        doc.iter()
            .skip(1)
            .map(|(s, _)| s.path.clone())
            .take_while(|p| p.starts_with("Backups/BackupInst"))
            .collect()
    };
    let ref_entry = paths(&reference);
    let ours_entries = paths(&ours);
    assert_eq!(
        ours_entries.len(),
        ours.len() - 1,
        "all entries inside the root"
    );
    assert_eq!(ours_entries.len() % ref_entry.len(), 0);
    for chunk in ours_entries.chunks(ref_entry.len()) {
        assert_eq!(chunk, ref_entry.as_slice());
    }
}

#[test]
fn backup_xml_lists_extensions_folders_and_files_as_gpmc_does() {
    let files = export();
    let references = [fixture("Backup.xml"), fixture("Backup-user-gpp.xml")];
    let known: BTreeSet<Shape> = references
        .iter()
        .flat_map(|r| elements(r))
        .map(|(s, _)| s)
        .collect();
    let mut backups = 0;
    for f in files.iter().filter(|f| f.path.ends_with("/Backup.xml")) {
        backups += 1;
        let dir = f.path.trim_end_matches("/Backup.xml");
        let doc = elements(text(f));
        // Every element we write, GPMC writes at the same place with the same attributes.
        for (shape, _) in &doc {
            assert!(
                known.contains(shape),
                "{}: GPMC writes no {shape:?}",
                f.path
            );
        }
        let mut listed_dirs = BTreeSet::new();
        let mut listed_files = BTreeSet::new();
        let mut extension = String::new();
        for (shape, attrs) in &doc {
            let leaf = shape.path.rsplit('/').next().unwrap_or_default();
            if leaf == "GroupPolicyExtension" {
                extension = attr(attrs, "bkp:ID").unwrap_or_default().to_string();
                continue;
            }
            if leaf != "FSObjectFile" && leaf != "FSObjectDir" {
                continue;
            }
            assert!(
                attr(attrs, "bkp:SourceExpandedPath").is_some(),
                "{}: {attrs:?} without bkp:SourceExpandedPath",
                f.path
            );
            let Some(location) = attr(attrs, "bkp:Location") else {
                continue;
            };
            if location.contains(r"\Preferences") {
                assert_eq!(
                    extension, "{F15C46CD-82A0-4C2D-A210-5D0D3182A418}",
                    "{}: preference {location} listed under another extension",
                    f.path
                );
            }
            if leaf == "FSObjectDir" {
                listed_dirs.insert(location.to_string());
            } else {
                listed_files.insert(location.to_string());
            }
        }
        // Every file of the backup is listed, and every folder above a preference file.
        let on_disk: BTreeSet<String> = files
            .iter()
            .filter_map(|a| a.path.strip_prefix(&format!("{dir}/")))
            .filter(|p| p.starts_with("DomainSysvol/"))
            .map(|p| p.replace('/', r"\"))
            .collect();
        assert_eq!(listed_files, on_disk, "{}", f.path);
        for file in on_disk.iter().filter(|p| p.contains(r"\Preferences\")) {
            let mut parent = file.as_str();
            while let Some((up, _)) = parent.rsplit_once('\\') {
                if up.ends_with(r"\Machine") {
                    break;
                }
                assert!(
                    listed_dirs.contains(up),
                    "{}: no FSObjectDir for {up}",
                    f.path
                );
                parent = up;
            }
        }
    }
    assert!(backups > 0);
}

#[test]
fn preference_items_are_written_as_gpmc_writes_them() {
    let files = export();
    let reference: BTreeSet<String> = elements(&fixture("Registry.xml"))
        .into_iter()
        .map(|(s, _)| s.path)
        .collect();
    let mut items = 0;
    for f in files.iter().filter(|f| f.path.contains("/Preferences/")) {
        for (shape, attrs) in elements(text(f)) {
            if f.path.ends_with("/Registry.xml") {
                assert!(reference.contains(&shape.path), "{}: {shape:?}", f.path);
            }
            if attr(&attrs, "removePolicy") == Some("1") {
                items += 1;
                let props = elements(text(f))
                    .into_iter()
                    .filter(|(s, _)| {
                        s.path.starts_with(&shape.path) && s.path.ends_with("/Properties")
                    })
                    .map(|(_, a)| attr(&a, "action").map(str::to_string))
                    .collect::<Vec<_>>();
                assert!(!props.is_empty(), "{}: item without properties", f.path);
                for action in props {
                    assert_eq!(
                        action.as_deref(),
                        Some("R"),
                        "{}: an item removed when no longer applied is a Replace item",
                        f.path
                    );
                }
            }
        }
    }
    assert!(items > 0, "the sample plan's GPOs carry preference items");
}
