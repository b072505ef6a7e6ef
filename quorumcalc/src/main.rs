//! The `quorumcalc` binary; everything lives in the library.
fn main() -> std::process::ExitCode {
    quorumcalc::main_entry(std::env::args_os())
}
