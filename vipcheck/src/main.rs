//! The `vipcheck` binary; everything lives in the library.
fn main() -> std::process::ExitCode {
    vipcheck::main_entry(std::env::args_os())
}
