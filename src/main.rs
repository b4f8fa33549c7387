//! The `cffi-wheel` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    cffi_wheel::cli::main()
}
