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
        "eval", "bench", "similar",
    ] {
        let args: Vec<&str> = command.split_whitespace().collect();
        let name = if command.is_empty() { "trove" } else { command };
        insta::assert_snapshot!(name, help(&args));
    }
}
