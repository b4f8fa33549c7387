//! The `cffi-wheel` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    // First, so that an interrupted build never leaves partial outputs or running children.
    cffi_wheel::cleanup::install_signal_handlers();
    cffi_wheel::cli::main()
}
