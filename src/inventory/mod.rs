//! The inventory: its file format, loading with precise errors, and the resolved model.

pub mod address;
mod closure;
pub mod load;
pub mod model;
pub mod raw;

pub use load::{SAMPLE_NAME, SAMPLE_TOML, load_bytes, load_file, load_sample, load_str};
pub use model::*;

/// The first line of every inventory guardplan writes: editors that speak JSON Schema (Taplo, Even Better TOML)
/// check the file against the schema saved beside it (`guardplan schema > inventory.schema.json`).
pub const SCHEMA_DIRECTIVE: &str = "#:schema ./inventory.schema.json";
