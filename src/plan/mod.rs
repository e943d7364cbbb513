//! Staged rollout plans.

pub mod model;

pub use model::*;
