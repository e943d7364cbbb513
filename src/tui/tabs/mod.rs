//! The views behind the tabs, one file each: state, keys and drawing of one view.

pub mod findings;
pub mod graph;
pub mod inventory;
pub mod overview;
pub mod paths;
pub mod stages;
pub mod waivers;
