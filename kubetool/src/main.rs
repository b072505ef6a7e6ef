//! The `kubetool` binary; everything lives in the library.
fn main() -> std::process::ExitCode {
    kubetool::main_entry(std::env::args_os())
}
