//! The inventory: its file format, loading with precise errors, and the resolved model.

mod closure;
pub mod load;
pub mod model;
pub mod raw;

pub use load::{SAMPLE_NAME, SAMPLE_TOML, load_bytes, load_file, load_sample, load_str};
pub use model::*;
