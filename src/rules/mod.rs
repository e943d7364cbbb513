//! The rules engine: every access path judged under every mode.

pub mod catalog;

pub use catalog::{CATALOG, Code, RuleInfo};
