//! The `certs` binary; everything lives in the library.
fn main() -> std::process::ExitCode {
    certs::main_entry(std::env::args_os())
}
