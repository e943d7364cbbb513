//! Messages for a file that does not deserialize: every entry's shape checked on its own, TOML errors
//! shortened, names shown safely, unknown keys answered with the closest known one.

use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::inventory::model::*;
use crate::inventory::raw::*;

/// Where the value of the top-level `version` key is (only asked when it is wrong).
pub(super) fn version_span(text: &str) -> Option<Span> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    doc.get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "version")
        .map(|(_, v)| v.span())
}

/// Sorts diagnostics by position and drops repeats.
pub(super) fn finish(mut errors: Vec<Diagnostic>) -> Diagnostics {
    errors.sort_by(|a, b| (a.line, a.col, &a.message).cmp(&(b.line, b.col, &b.message)));
    errors.dedup();
    Diagnostics(errors)
}

/// Slow path for a file that did not deserialize: parse the document once, then deserialize each entry on its
/// own so that every entry with a wrong type, an unknown or a missing key is reported, not only the first.
pub(super) fn shape_errors(src: &SourceFile, text: &str) -> Vec<Diagnostic> {
    use serde::Deserialize;
    use toml::de::{DeTable, DeValue, ValueDeserializer};

    fn one<'i, T: Deserialize<'i>>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let span = value.span();
        if let Err(e) = T::deserialize(ValueDeserializer::from(value)) {
            let mut d = toml_error(src, &e);
            if e.span().is_none() {
                d = Diagnostic::at(src, span, d.message, d.help);
            }
            errors.push(d);
        }
    }
    /// One entry: every unknown key is reported, then the rest is deserialized for its first other problem.
    fn entry<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        known: &[String],
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let DeValue::Table(table) = value.get_ref() else {
            return one::<T>(src, value, errors);
        };
        let unknown: Vec<_> = table
            .keys()
            .filter(|k| !known.iter().any(|f| f == k.get_ref()))
            .cloned()
            .collect();
        if unknown.is_empty() || known.is_empty() {
            return one::<T>(src, value, errors);
        }
        let expected = known
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rest = table.clone();
        for key in &unknown {
            let help = match closest(key.get_ref(), known) {
                Some(near) => format!("did you mean `{near}`? {HELP_UNKNOWN}"),
                None => HELP_UNKNOWN.to_string(),
            };
            errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown field `{}`, expected one of {expected}",
                    shown(key.get_ref())
                ),
                Some(help),
            ));
            rest.remove(key);
        }
        one::<T>(
            src,
            Spanned::new(value.span(), DeValue::Table(rest)),
            errors,
        );
    }
    fn entries<'i, T: Deserialize<'i> + schemars::JsonSchema>(
        src: &SourceFile,
        value: Spanned<DeValue<'i>>,
        errors: &mut Vec<Diagnostic>,
    ) {
        let schema = schemars::schema_for!(T);
        let mut known: Vec<String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        known.sort();
        match value.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    entry::<T>(src, &known, item.clone(), errors);
                }
            }
            _ => one::<Vec<T>>(src, value, errors),
        }
    }

    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => return vec![toml_error(src, &e)],
    };
    let mut errors = Vec::new();
    let mut has_version = false;
    for (key, value) in doc.into_inner() {
        match key.get_ref().as_ref() {
            "version" => {
                has_version = true;
                one::<u32>(src, value, &mut errors);
            }
            "description" => one::<String>(src, value, &mut errors),
            "domain" => entries::<RawDomain>(src, value, &mut errors),
            "trust" => entries::<RawTrust>(src, value, &mut errors),
            "host" => entries::<RawHost>(src, value, &mut errors),
            "user" => entries::<RawUser>(src, value, &mut errors),
            "group" => entries::<RawGroup>(src, value, &mut errors),
            "path" => entries::<RawPath>(src, value, &mut errors),
            other => errors.push(Diagnostic::at(
                src,
                key.span(),
                format!(
                    "unknown top-level key `{}`, expected one of `version`, `description`, `domain`, `trust`, \
                     `host`, `user`, `group`, `path`",
                    shown(other)
                ),
                Some(HELP_UNKNOWN.into()),
            )),
        }
    }
    if !has_version {
        errors.push(Diagnostic::at(
            src,
            0..0,
            "missing key `version`",
            Some("add `version = 1` at the top of the file".into()),
        ));
    }
    errors
}

/// The known key nearest to a misspelt one (at most two edits away).
fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let key: Vec<char> = key.chars().take(64).collect();
    known
        .iter()
        .map(|k| (edit_distance(&key, &k.chars().collect::<Vec<_>>()), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

const HELP_UNKNOWN: &str = "remove the key or correct its spelling (the JSON Schema from `guardplan schema` lists every key)";

/// A name as quoted in a message: escaped (no raw control or right-to-left characters reach the terminal) and
/// cut short when very long.
pub fn shown(name: &str) -> String {
    const MAX: usize = 60;
    let mut out = sanitize(&name.chars().take(MAX).collect::<String>());
    if name.chars().nth(MAX).is_some() {
        out.push_str("...");
    }
    out
}

/// Writes control, invisible and right-to-left characters as `\u{..}` so that they cannot disguise a message.
pub fn sanitize(text: &str) -> String {
    crate::safe_text::escape(text).into_owned()
}

/// Turns a `toml` error into a diagnostic at its position.
pub fn toml_error(src: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_string();
    let help = if message.starts_with("unknown field") {
        HELP_UNKNOWN.to_string()
    } else if message.starts_with("missing field") {
        "add the key; `guardplan schema` shows what each entry needs".to_string()
    } else if message.starts_with("invalid type") || message.starts_with("unknown variant") {
        "give a value of the expected type; `guardplan schema` lists the allowed values".to_string()
    } else if message.starts_with("invalid value") {
        "give a number in the allowed range (whole, not negative)".to_string()
    } else if message.contains("recursion limit") {
        "the inventory never nests arrays or tables this deeply: remove the nesting".to_string()
    } else {
        "fix the TOML syntax at this position".to_string()
    };
    Diagnostic::at(src, span, shorten_message(&sanitize(&message)), Some(help))
}

/// Keeps a message readable when it quotes a huge value.
pub(super) fn shorten_message(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        return message.to_string();
    }
    let mut out: String = message.chars().take(MAX).collect();
    out.push_str("...");
    out
}
