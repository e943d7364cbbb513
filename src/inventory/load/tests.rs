use super::pieces::{ENTRY_HEADERS, PIECE_ENTRIES, Pieces, header};
use super::source::Blocks;
use super::*;
use crate::sample::{SampleSpec, generate};

/// A text in memory, read a block at a time.
fn reader(text: &str) -> Blocks<&[u8]> {
    Blocks::new(text.as_bytes(), false)
}

/// Byte offsets of the lines that start with an entry header, and how many there are of each kind.
fn entry_starts(text: &str) -> Option<(Vec<usize>, [usize; 6])> {
    let (mut starts, mut counts, mut offset) = (Vec::new(), [0; 6], 0);
    for line in text.split_inclusive('\n') {
        if let Some(kind) = header(line.as_bytes())? {
            counts[kind] += 1;
            starts.push(offset);
        }
        offset += line.len();
    }
    Some((starts, counts))
}

/// The whole-file parse the pieces must agree with.
fn whole(text: &str) -> RawInventory {
    match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => panic!("the whole file does not parse: {e}"),
    }
}

/// The entries of a file read in pieces, or `None` when it cannot be.
fn parse_in_pieces(text: &str) -> Option<RawInventory> {
    let mut pieces = Pieces::new(reader(text))?;
    let mut raw = RawInventory {
        version: pieces.preamble.version,
        description: pieces.preamble.description.take(),
        domains: Vec::new(),
        trusts: Vec::new(),
        hosts: Vec::new(),
        users: Vec::new(),
        groups: Vec::new(),
        paths: Vec::new(),
    };
    for piece in pieces {
        let mut p = piece?;
        raw.domains.append(&mut p.domains);
        raw.trusts.append(&mut p.trusts);
        raw.hosts.append(&mut p.hosts);
        raw.users.append(&mut p.users);
        raw.groups.append(&mut p.groups);
        raw.paths.append(&mut p.paths);
    }
    Some(raw)
}

fn pieces(text: &str) -> RawInventory {
    match parse_in_pieces(text) {
        Some(raw) => raw,
        None => panic!("the file was not parsed in pieces"),
    }
}

/// Windows line ends and a byte order mark, as Windows editors save the file.
fn variants(text: &str) -> Vec<String> {
    let crlf = text.replace('\n', "\r\n");
    vec![text.to_string(), format!("\u{feff}{crlf}"), crlf]
}

/// A path whose target does not exist, after everything else, so its diagnostic sits in the last piece.
const DANGLING: &str = "\n[[path]]\nname = \"zz-dangling\"\npurpose = \"admin\"\nwho = [\"role:admin\"]\nfrom = [\"*\"]\nto = [\"host:NO-SUCH-HOST\"]\n";

/// The facts of an inventory with where they are written (its indexes are hash maps, derived from these).
fn facts(i: &Inventory) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        i.description, i.domains, i.trusts, i.hosts, i.users, i.groups, i.paths, i.acls
    )
}

/// The facts of an inventory without where they are written.
fn entries(i: &Inventory) -> String {
    let mut i = i.clone();
    let nowhere = Pos::default();
    i.domains.iter_mut().for_each(|x| x.at = nowhere);
    i.trusts.iter_mut().for_each(|x| x.at = nowhere);
    i.hosts.iter_mut().for_each(|x| x.at = nowhere);
    i.users.iter_mut().for_each(|x| x.at = nowhere);
    i.groups.iter_mut().for_each(|x| x.at = nowhere);
    i.paths.iter_mut().for_each(|x| x.at = nowhere);
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        i.description, i.domains, i.trusts, i.hosts, i.users, i.groups, i.paths, i.acls
    )
}

fn assert_same(text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (a, b) = (pieces(text), whole(text));
    assert!(format!("{a:?}") == format!("{b:?}"), "raw entries differ");
    let inv_a = Feed::whole(Source::Text(SourceFile::new("t.toml", text)), a);
    let inv_b = Feed::whole(Source::Text(SourceFile::new("t.toml", text)), b);
    match (inv_a, inv_b) {
        (Ok(a), Ok(b)) => {
            assert!(facts(&a) == facts(&b), "inventories differ");
            let raw = pieces(text);
            let src = SourceFile::new("t.toml", text);
            for (p, resolved) in raw.paths.iter().zip(&a.paths) {
                let span = p.name.span();
                assert_eq!(&text[span.clone()], format!("\"{}\"", p.name.get_ref()));
                let (line, col) = src.line_col(span.start);
                assert_eq!(
                    (resolved.at.line as usize, resolved.at.col as usize),
                    (line, col)
                );
            }
            let loaded = load_str("t.toml", text).map(|i| facts(&i)).ok();
            assert!(loaded == Some(facts(&a)), "load_str differs");
        }
        (Err(a), Err(b)) => {
            assert!(!a.0.is_empty());
            assert_eq!(a, b);
            assert_eq!(load_str("t.toml", text).err(), Some(a));
        }
        (a, b) => panic!("pieces: {:?}, whole file: {:?}", a.is_ok(), b.is_ok()),
    }
}

proptest::proptest! {
    /// Many positions found in one pass are those found one by one, whatever the line ends, characters and
    /// order of the offsets.
    #[test]
    fn positions_in_one_pass_match_line_col(
        text in "[a\r\né日\u{10348}]{0,60}",
        offsets in proptest::collection::vec(0usize..70, 0..20),
    ) {
        let src = SourceFile::new("t.toml", text.as_str());
        let all = src.positions(&offsets);
        for (offset, pos) in offsets.iter().zip(all) {
            let (line, col) = src.line_col(*offset);
            proptest::prop_assert_eq!((pos.line as usize, pos.col as usize), (line, col));
        }
    }

    /// A text given in parts, as a file read a block at a time, places every offset where the whole text
    /// does.
    #[test]
    fn positions_from_parts_match_the_whole_text(
        text in "[a\r\né日\u{10348}]{0,60}",
        offsets in proptest::collection::vec(0usize..70, 0..20),
        cuts in proptest::collection::vec(0usize..70, 0..6),
    ) {
        let src = SourceFile::new("t.toml", text.as_str());
        let crlf = |c: usize| text[..c].ends_with('\r') && text[c..].starts_with('\n');
        let mut cuts: Vec<usize> = cuts
            .into_iter()
            .filter(|&c| text.is_char_boundary(c) && !crlf(c))
            .chain([0, text.len()])
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut at = Locator::new(&offsets);
        for w in cuts.windows(2) {
            at.feed(&text[w[0]..w[1]]);
        }
        proptest::prop_assert_eq!(at.finish(), src.positions(&offsets));
    }
}

#[test]
fn pieces_match_the_whole_file_on_the_sample() {
    for text in variants(SAMPLE_TOML) {
        assert_same(&text);
        assert_same(&format!(
            "{text}{}",
            DANGLING.replace('\n', if text.contains('\r') { "\r\n" } else { "\n" })
        ));
    }
}

#[test]
fn pieces_match_the_whole_file_on_a_generated_estate() {
    let text = match generate(&SampleSpec::new(3000)) {
        Ok(t) => t,
        Err(e) => panic!("{}", e.0),
    };
    let (starts, _) = entry_starts(&text).unwrap_or_default();
    assert!(
        starts.len() > 2 * PIECE_ENTRIES,
        "only {} entries",
        starts.len()
    );
    for text in variants(&text) {
        assert_same(&text);
        let eol = if text.contains('\r') { "\r\n" } else { "\n" };
        let bad = format!("{text}{}", DANGLING.replace('\n', eol));
        assert_same(&bad);
        let d = match load_str("t.toml", &bad) {
            Err(d) => d,
            Ok(_) => panic!("a dangling target must be reported"),
        };
        let last_line = bad.lines().count();
        assert!(d.0.iter().any(|d| d.line == last_line), "{d}");
    }
}

#[test]
fn addresses_keep_their_place_in_a_late_piece() {
    let text = match generate(&SampleSpec::new(3000)) {
        Ok(t) => t,
        Err(e) => panic!("{}", e.0),
    };
    // The last host of a file read in pieces, given a good address and then a bad one.
    let Some(at) = text.rfind("\n[[host]]\n") else {
        panic!("no host");
    };
    let Some(name_end) = text[at + 1..].find('\n').and_then(|h| {
        text[at + 1 + h + 1..]
            .find('\n')
            .map(|n| at + 1 + h + 1 + n)
    }) else {
        panic!("no host name line");
    };
    for (address, good) in [("10.20.30.0/24", true), ("10.20.30.0/33", false)] {
        let edited = format!(
            "{}\naddresses = [\"{address}\"]{}",
            &text[..name_end],
            &text[name_end..]
        );
        assert_same(&edited);
        let loaded = load_str("t.toml", &edited);
        assert_eq!(loaded.is_ok(), good, "{address}");
        if let Err(d) = loaded {
            let line = edited[..name_end].lines().count() + 1;
            assert!(d.0.iter().any(|d| d.line == line), "{d}");
        }
    }
}

/// The file with its entries regrouped: `order` lists the kinds (indexes into [`ENTRY_HEADERS`]) in the order
/// they are written, each with the part of that kind's entries it takes (`..` for all, `..0.5` for the first
/// half); each kind keeps its own order.
fn regrouped(text: &str, order: &[(usize, std::ops::Range<f64>)]) -> String {
    let Some((starts, counts)) = entry_starts(text) else {
        panic!("the file has entry headers only");
    };
    let mut out = text[..starts[0]].to_string();
    let entry = |i: usize| &text[starts[i]..starts.get(i + 1).copied().unwrap_or(text.len())];
    for (kind, part) in order {
        let mut n = 0;
        for i in 0..starts.len() {
            if !entry(i).starts_with(ENTRY_HEADERS[*kind]) {
                continue;
            }
            let at = n as f64 / counts[*kind] as f64;
            n += 1;
            if part.contains(&at) {
                out.push_str(entry(i).trim_end());
                out.push_str("\n\n");
            }
        }
    }
    out
}

#[test]
fn the_order_of_kinds_in_the_file_does_not_change_the_inventory() {
    let text = match generate(&SampleSpec::new(3000)) {
        Ok(t) => t,
        Err(e) => panic!("{}", e.0),
    };
    let Ok(written) = load_str("t.toml", &text) else {
        panic!("the generated estate loads");
    };
    // Paths first, hosts before the users their local groups name, users before their groups and
    // domains; and one kind cut in two by others.
    let all = 0.0..1.0;
    let reversed: Vec<_> = (0..6).rev().map(|k| (k, all.clone())).collect();
    let reversed = regrouped(&text, &reversed);
    let (first, second) = (0.0..0.5, 0.5..1.0);
    let mixed = regrouped(
        &text,
        &[
            (0, all.clone()),
            (4, first.clone()),
            (3, first),
            (1, all.clone()),
            (2, all.clone()),
            (4, second.clone()),
            (3, second),
            (5, all),
        ],
    );
    for other in [reversed, mixed] {
        assert!(Pieces::new(reader(&other)).is_some_and(|p| p.count() > 2));
        match load_str("t.toml", &other) {
            Ok(inv) => assert!(entries(&inv) == entries(&written), "inventories differ"),
            Err(d) => panic!("{d}"),
        }
        let bad = format!("{other}{DANGLING}");
        assert_eq!(
            load_str("t.toml", &bad).err().map(|d| d.0.len()),
            Some(1),
            "one problem: the dangling target"
        );
    }
}

#[test]
fn files_the_pieces_cannot_hold_take_the_whole_file_path() {
    let Some(line) = SAMPLE_TOML
        .lines()
        .find(|l| l.starts_with("description = "))
    else {
        panic!("the sample has a description");
    };
    let cut_string = SAMPLE_TOML.replacen(
        line,
        "description = \"\"\"\nfirst\n[[host]]\nname = \"x\"\n\"\"\"",
        1,
    );
    assert!(parse_in_pieces(&cut_string).is_none());
    let (Ok(inv), Ok(sample)) = (load_str("t.toml", &cut_string), load_sample()) else {
        panic!("a header inside a multi-line string is text");
    };
    assert!(
        inv.description
            .as_deref()
            .is_some_and(|d| d.contains("[[host]]"))
    );
    assert_eq!(inv.hosts.len(), sample.hosts.len());

    let other_table = format!("{SAMPLE_TOML}\n[extra]\nkey = 1\n");
    let inline_hosts = SAMPLE_TOML.replacen("version = 1", "version = 1\nhost = []", 1);
    for text in [other_table, inline_hosts] {
        assert!(parse_in_pieces(&text).is_none());
        assert!(toml::from_str::<RawInventory>(&text).is_err());
        assert!(load_str("t.toml", &text).is_err());
    }
}

/// Whether every two items with equal lists hold one shared copy of it.
fn shared<T, L: PartialEq>(items: &[T], list: impl Fn(&T) -> &std::sync::Arc<[L]>) -> bool {
    items.iter().enumerate().all(|(i, a)| {
        items[..i]
            .iter()
            .find(|b| list(b) == list(a))
            .is_none_or(|b| std::sync::Arc::ptr_eq(list(a), list(b)))
    })
}

#[test]
fn entries_with_equal_lists_share_one_copy() {
    // At 100,000 hosts and 200,000 accounts, a copy each would cost tens of megabytes.
    let text = match generate(&SampleSpec::new(400)) {
        Ok(t) => t,
        Err(e) => panic!("{}", e.0),
    };
    let inv = match load_str("t.toml", &text) {
        Ok(inv) => inv,
        Err(e) => panic!("{e}"),
    };
    assert!(shared(&inv.hosts, |h| &h.tags));
    assert!(shared(&inv.hosts, |h| &h.roles));
    assert!(shared(&inv.hosts, |h| &h.groups));
    assert!(shared(&inv.users, |u| &u.groups));
    assert!(shared(&inv.users, |u| &u.roles));
    assert!(shared(&inv.users, |u| &u.etypes));
    let distinct = |v: Vec<*const ()>| {
        v.into_iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    let tags = distinct(inv.hosts.iter().map(|h| h.tags.as_ptr().cast()).collect());
    assert!(tags > 1 && tags < inv.hosts.len() / 4, "{tags} tag lists");
}
