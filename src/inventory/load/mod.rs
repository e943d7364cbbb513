//! Loading: TOML text -> [`RawInventory`] -> validated, resolved [`Inventory`], with every problem reported.

mod entries;
mod lookup;
mod messages;
mod pieces;
mod resolve;
mod source;
#[cfg(test)]
mod tests;

pub use entries::trust_kind_name;
pub use lookup::Selectors;
pub use messages::{sanitize, shown, toml_error};

use super::model::*;
use super::raw::*;
use crate::diag::{Diagnostic, Diagnostics};
use messages::{finish, shape_errors};
use pieces::{Feed, load_in_pieces};
use source::Source;

/// Name under which the embedded sample is reported.
pub const SAMPLE_NAME: &str = "<embedded sample: contoso.toml>";

/// The embedded sample estate.
pub const SAMPLE_TOML: &str = include_str!("../../../assets/contoso.toml");

/// Loads the embedded sample.
pub fn load_sample() -> Result<Inventory, Diagnostics> {
    load_str(SAMPLE_NAME, SAMPLE_TOML)
}

/// Reads and loads an inventory file. A valid file is read a block at a time, deserialized a few hundred entries
/// at a time, and never held whole; a file with problems is read whole for its messages.
pub fn load_file(path: &std::path::Path) -> Result<Inventory, Diagnostics> {
    let src = Source::File {
        name: path.display().to_string(),
        path: path.to_path_buf(),
    };
    // A pipe (`/dev/stdin`, a shell's `<(...)`) can be read once only: it is read whole.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return load_source(Source::Text(src.whole()?));
    }
    load_source(src)
}

/// Loads an inventory from the bytes of a file; text that is not UTF-8 is reported at its first bad byte.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Inventory, Diagnostics> {
    load_source(Source::Text(text_of(name, bytes)?))
}

/// Loads an inventory from text; `name` is used in messages.
pub fn load_str(name: &str, text: &str) -> Result<Inventory, Diagnostics> {
    // A byte order mark is legal in a UTF-8 file but not in TOML; editors on Windows write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    load_source(Source::Text(SourceFile::new(name, text)))
}

/// The text of a file's bytes, without its byte order mark; text that is not UTF-8 is reported at its first bad
/// byte.
fn text_of(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostics> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let src = SourceFile::new(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
        Diagnostics(vec![Diagnostic::at(
            &src,
            offset..offset + 1,
            "the file is not valid UTF-8",
            Some("save the inventory as UTF-8".into()),
        )])
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => SourceFile::new(name, rest),
        None => SourceFile::new(name, text),
    })
}

fn load_source(src: Source) -> Result<Inventory, Diagnostics> {
    // Fast path: a valid file is deserialized a few hundred entries at a time, so that the parser's working
    // memory is that of one piece, not of the whole file; anything else takes the whole-file path below,
    // whose messages are the ones a user sees.
    if let Some(inv) = load_in_pieces(&src) {
        return inv;
    }
    let whole = src.whole()?;
    let text = &*whole.text;
    let raw: RawInventory = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(first) => {
            let mut errors = shape_errors(&whole, text);
            if errors.is_empty() {
                errors.push(toml_error(&whole, &first));
            }
            return Err(finish(errors));
        }
    };
    Feed::whole(Source::Text(whole), raw)
}
