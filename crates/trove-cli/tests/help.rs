//! Snapshots of `--help`: the CLI is a contract, so any change to commands, flags or their
//! descriptions shows up in review as a snapshot diff (`cargo insta review` to accept).

use std::process::Command;

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_trove"))
        .args(args)
        .arg("--help")
        .env_remove("TROVE_LIBRARY")
        .env_remove("TROVE_CONFIG")
        .env("COLUMNS", "100")
        .output()
        .expect("trove runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

#[test]
fn help_of_every_command() {
    for command in [
        "", "index", "roots", "remove", "search", "status", "failed", "show", "check", "models",
        "eval", "bench", "similar", "watch", "serve", "pause", "resume",
    ] {
        let args: Vec<&str> = command.split_whitespace().collect();
        let name = if command.is_empty() { "trove" } else { command };
        insta::assert_snapshot!(name, help(&args));
    }
}

#[test]
fn every_command_has_a_help_snapshot() {
    // The commands `trove --help` lists, each of which must have a snapshot above.
    let top = help(&[]);
    let listed: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(listed.len() >= 10, "{top}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for command in listed {
        assert!(
            dir.join(format!("help__{command}.snap")).is_file(),
            "`trove {command}` has no help snapshot: add it to help_of_every_command"
        );
    }
}
