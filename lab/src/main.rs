//! `lab`: bring the lab up, run drills, report, take it down.

fn main() -> std::process::ExitCode {
    lab::cli::main()
}
