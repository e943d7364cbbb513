//! The `guardplan` binary: parse the command line, dispatch, map errors to exit codes.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use guardplan::cli::{Cli, Command};
use guardplan::commands::{self, EXIT_INPUT};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => commands::tui::run(commands::tui::TuiArgs::default()),
        Some(Command::Tui(a)) => commands::tui::run(a),
        Some(Command::Check(a)) => commands::check::run(a),
        Some(Command::Graph(a)) => commands::graph::run(a),
        Some(Command::Rules(a)) => commands::rules::run_rules(a),
        Some(Command::Explain(a)) => commands::rules::run_explain(a),
        Some(Command::Plan(c)) => commands::plan::run(c),
        Some(Command::Export(a)) => commands::export::run(a),
        Some(Command::Diff(a)) => commands::diff::run(a),
        Some(Command::Sample(a)) => commands::sample::run(a),
        Some(Command::Import(c)) => commands::import::run(c),
        Some(Command::Collect(a)) => commands::collect::run(a),
        Some(Command::Verify(a)) => commands::verify::run(a),
        Some(Command::Schema(a)) => commands::schema::run_schema(a),
        Some(Command::Completions(a)) => commands::schema::run_completions(a),
        Some(Command::Man(a)) => commands::schema::run_man(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed standard error must not turn an input error into a panic; whatever a file name or a
            // message quotes reaches the terminal escaped.
            let text = e.to_string();
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                guardplan::safe_text::for_terminal(&text)
            );
            ExitCode::from(EXIT_INPUT)
        }
    }
}
