//! guardplan: plan, stage and review the rollout of Windows Defender Remote Credential Guard, Restricted Admin
//! mode and Protected Users for Remote Desktop access.
//!
//! The engine (inventory -> graph -> findings -> plan) never touches the terminal; the command line and the TUI
//! are two shells over the same calls.

pub mod check;
pub mod finding;
pub mod inventory;
pub mod plan;
pub mod report;
pub mod rules;
pub mod tui;

pub use finding::{Finding, Mode, Severity, Subject, Verdict};
pub mod cli;
pub mod collect;
pub mod commands;
pub mod diag;
pub mod fsio;
pub mod graph;
pub mod import;
pub mod names;
pub mod safe_text;
pub mod sample;
pub mod verify;
