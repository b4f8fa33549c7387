//! The C toolchain: target triple and a configured `cc::Build` (decision 4).
//!
//! Platform differences live here and in `plan`; the rest of the code is platform-free.

mod external;

use serde::Serialize;

pub use external::{ExternalError, resolve_externals};

/// What the compiler needs to know about the machine it targets.
#[derive(Debug, Clone, Serialize)]
pub struct Toolchain {
    /// Rust-style target triple the `cc` crate understands.
    pub triple: String,
    /// Optimisation level (0–3).
    pub opt_level: u8,
    /// Whether to emit debug info.
    pub debug_info: bool,
}

impl Toolchain {
    /// A toolchain for the machine cffi-wheel runs on.
    pub fn host(opt_level: u8, debug_info: bool) -> Toolchain {
        Toolchain {
            triple: host_triple(),
            opt_level,
            debug_info,
        }
    }

    /// A `cc::Build` with target, optimisation and reproducibility settings, used as a
    /// library: no cargo metadata, no environment-derived rerun lines.
    pub fn build(&self) -> cc::Build {
        let mut build = cc::Build::new();
        build
            .target(&self.triple)
            .host(&self.triple)
            .opt_level(u32::from(self.opt_level))
            .debug(self.debug_info)
            .pic(true)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .cargo_debug(false)
            .emit_rerun_if_env_changed(false)
            // -Wall, as setuptools gets from sysconfig's CFLAGS; not -Wextra.
            .warnings(true)
            .extra_warnings(false);
        build
    }

    /// Whether extensions are ELF shared objects (Linux and other ELF platforms).
    pub fn is_elf(&self) -> bool {
        !self.triple.contains("apple") && !self.triple.contains("windows")
    }
}

/// The host's target triple, from the architecture and OS this binary was built for.
pub fn host_triple() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
        "linux" => format!("{arch}-unknown-linux-gnu"),
        "macos" => format!("{arch}-apple-darwin"),
        "windows" if cfg!(target_env = "gnu") => format!("{arch}-pc-windows-gnu"),
        "windows" => format!("{arch}-pc-windows-msvc"),
        os => format!("{arch}-unknown-{os}"),
    }
}
