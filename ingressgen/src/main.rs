//! The `ingressgen` binary; everything lives in the library.
fn main() -> std::process::ExitCode {
    ingressgen::main_entry(std::env::args_os())
}
