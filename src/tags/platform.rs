//! Platform tags (PEP 425, PEP 600 manylinux, PEP 656 musllinux) and CPU architectures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{TagError, parse_number, string_serde};

/// A CPU architecture as it appears in platform tags (`uname -m` spelling).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Arch {
    /// `x86_64`.
    X86_64,
    /// `i686`.
    I686,
    /// `aarch64` (rendered `arm64` in macOS tags).
    Aarch64,
    /// `armv7l`.
    Armv7l,
    /// `ppc64le`.
    Ppc64le,
    /// `s390x`.
    S390x,
    /// `riscv64`.
    Riscv64,
    /// Any other name made of `[a-z0-9_]` (`ppc64`, `universal2`, `loongarch64`, …).
    Other(String),
}

impl Arch {
    /// The name used in `macosx_*` tags: Apple spells `aarch64` as `arm64`.
    fn macos_name(&self) -> String {
        match self {
            Self::Aarch64 => "arm64".to_string(),
            other => other.to_string(),
        }
    }

    /// Parses the architecture part of a `macosx_*` tag, mapping `arm64` to [`Arch::Aarch64`].
    fn from_macos_name(name: &str) -> Result<Self, TagError> {
        match name {
            "arm64" => Ok(Self::Aarch64),
            other => other.parse(),
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::X86_64 => "x86_64",
            Self::I686 => "i686",
            Self::Aarch64 => "aarch64",
            Self::Armv7l => "armv7l",
            Self::Ppc64le => "ppc64le",
            Self::S390x => "s390x",
            Self::Riscv64 => "riscv64",
            Self::Other(name) => name,
        })
    }
}

impl FromStr for Arch {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        Ok(match s {
            "x86_64" => Self::X86_64,
            "i686" => Self::I686,
            "aarch64" => Self::Aarch64,
            "armv7l" => Self::Armv7l,
            "ppc64le" => Self::Ppc64le,
            "s390x" => Self::S390x,
            "riscv64" => Self::Riscv64,
            other => {
                let valid = !other.is_empty()
                    && other
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !valid {
                    return Err(TagError::Arch(other.to_string()));
                }
                Self::Other(other.to_string())
            }
        })
    }
}

/// The manylinux policies named before PEP 600, each an alias of a `manylinux_2_N` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ManylinuxLegacy {
    /// `manylinux1` (PEP 513), glibc 2.5.
    Manylinux1,
    /// `manylinux2010` (PEP 571), glibc 2.12.
    Manylinux2010,
    /// `manylinux2014` (PEP 599), glibc 2.17.
    Manylinux2014,
}

impl ManylinuxLegacy {
    /// The glibc version (major, minor) that the policy stands for (PEP 600).
    pub fn glibc(self) -> (u16, u16) {
        match self {
            Self::Manylinux1 => (2, 5),
            Self::Manylinux2010 => (2, 12),
            Self::Manylinux2014 => (2, 17),
        }
    }

    /// The legacy policy for a glibc version, if that version has one.
    pub fn from_glibc(major: u16, minor: u16) -> Option<Self> {
        match (major, minor) {
            (2, 5) => Some(Self::Manylinux1),
            (2, 12) => Some(Self::Manylinux2010),
            (2, 17) => Some(Self::Manylinux2014),
            _ => None,
        }
    }

    /// Whether the policy's PEP defines it for this architecture.
    pub fn supports(self, arch: &Arch) -> bool {
        match self {
            Self::Manylinux1 | Self::Manylinux2010 => matches!(arch, Arch::X86_64 | Arch::I686),
            Self::Manylinux2014 => match arch {
                Arch::X86_64
                | Arch::I686
                | Arch::Aarch64
                | Arch::Armv7l
                | Arch::Ppc64le
                | Arch::S390x => true,
                Arch::Other(name) => name == "ppc64",
                Arch::Riscv64 => false,
            },
        }
    }
}

impl fmt::Display for ManylinuxLegacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Manylinux1 => "manylinux1",
            Self::Manylinux2010 => "manylinux2010",
            Self::Manylinux2014 => "manylinux2014",
        })
    }
}

impl FromStr for ManylinuxLegacy {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        match s {
            "manylinux1" => Ok(Self::Manylinux1),
            "manylinux2010" => Ok(Self::Manylinux2010),
            "manylinux2014" => Ok(Self::Manylinux2014),
            _ => Err(TagError::Platform(s.to_string())),
        }
    }
}

/// The platform tag of a wheel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum PlatformTag {
    /// `any`: pure Python.
    Any,
    /// `linux_x86_64`: built on this Linux, not portable (PyPI rejects it).
    Linux {
        /// The architecture.
        arch: Arch,
    },
    /// `manylinux_2_17_x86_64` (PEP 600): needs glibc >= major.minor.
    Manylinux {
        /// glibc major version.
        major: u16,
        /// glibc minor version.
        minor: u16,
        /// The architecture.
        arch: Arch,
    },
    /// `manylinux2014_x86_64` and the other names from before PEP 600.
    ManylinuxLegacy {
        /// Which legacy policy.
        policy: ManylinuxLegacy,
        /// The architecture.
        arch: Arch,
    },
    /// `musllinux_1_2_x86_64` (PEP 656): needs musl >= major.minor.
    Musllinux {
        /// musl major version.
        major: u16,
        /// musl minor version.
        minor: u16,
        /// The architecture.
        arch: Arch,
    },
    /// `macosx_11_0_arm64`: needs macOS >= major.minor.
    MacOs {
        /// macOS major version.
        major: u16,
        /// macOS minor version.
        minor: u16,
        /// The architecture (`Aarch64` renders as `arm64`).
        arch: Arch,
    },
    /// `win_amd64`.
    WinAmd64,
    /// `win32`.
    Win32,
    /// `win_arm64`.
    WinArm64,
}

impl PlatformTag {
    /// The pre-PEP 600 name for a `manylinux_2_5`/`_2_12`/`_2_17` tag on an architecture
    /// its policy covers (`manylinux_2_17_x86_64` → `manylinux2014_x86_64`).
    pub fn legacy_alias(&self) -> Option<PlatformTag> {
        let Self::Manylinux { major, minor, arch } = self else {
            return None;
        };
        let policy = ManylinuxLegacy::from_glibc(*major, *minor)?;
        policy.supports(arch).then(|| Self::ManylinuxLegacy {
            policy,
            arch: arch.clone(),
        })
    }

    /// The PEP 600 form of a legacy manylinux tag (`manylinux2014_x86_64` →
    /// `manylinux_2_17_x86_64`); `None` for every other tag.
    pub fn pep600_form(&self) -> Option<PlatformTag> {
        let Self::ManylinuxLegacy { policy, arch } = self else {
            return None;
        };
        let (major, minor) = policy.glibc();
        Some(Self::Manylinux {
            major,
            minor,
            arch: arch.clone(),
        })
    }

    /// Maps `sysconfig.get_platform()` (`linux-x86_64`, `macosx-11.0-arm64`, `win-amd64`) to its
    /// platform tag by replacing `-` and `.` with `_` (PEP 425).
    pub fn from_sysconfig_platform(platform: &str) -> Result<PlatformTag, TagError> {
        platform
            .replace(['-', '.'], "_")
            .parse()
            .map_err(|_| TagError::SysconfigPlatform(platform.to_string()))
    }
}

impl fmt::Display for PlatformTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::Linux { arch } => write!(f, "linux_{arch}"),
            Self::Manylinux { major, minor, arch } => {
                write!(f, "manylinux_{major}_{minor}_{arch}")
            }
            Self::ManylinuxLegacy { policy, arch } => write!(f, "{policy}_{arch}"),
            Self::Musllinux { major, minor, arch } => {
                write!(f, "musllinux_{major}_{minor}_{arch}")
            }
            Self::MacOs { major, minor, arch } => {
                write!(f, "macosx_{major}_{minor}_{}", arch.macos_name())
            }
            Self::WinAmd64 => f.write_str("win_amd64"),
            Self::Win32 => f.write_str("win32"),
            Self::WinArm64 => f.write_str("win_arm64"),
        }
    }
}

impl FromStr for PlatformTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        let invalid = || TagError::Platform(s.to_string());
        match s {
            "any" => return Ok(Self::Any),
            "win32" => return Ok(Self::Win32),
            "win_amd64" => return Ok(Self::WinAmd64),
            "win_arm64" => return Ok(Self::WinArm64),
            _ => {}
        }
        if let Some(rest) = s.strip_prefix("manylinux_") {
            let (major, minor, arch) = split_versioned(rest).ok_or_else(invalid)?;
            return Ok(Self::Manylinux {
                major,
                minor,
                arch: arch.parse().map_err(|_| invalid())?,
            });
        }
        if let Some(rest) = s.strip_prefix("musllinux_") {
            let (major, minor, arch) = split_versioned(rest).ok_or_else(invalid)?;
            return Ok(Self::Musllinux {
                major,
                minor,
                arch: arch.parse().map_err(|_| invalid())?,
            });
        }
        if let Some(rest) = s.strip_prefix("macosx_") {
            let (major, minor, arch) = split_versioned(rest).ok_or_else(invalid)?;
            return Ok(Self::MacOs {
                major,
                minor,
                arch: Arch::from_macos_name(arch).map_err(|_| invalid())?,
            });
        }
        if let Some(arch) = s.strip_prefix("linux_") {
            return Ok(Self::Linux {
                arch: arch.parse().map_err(|_| invalid())?,
            });
        }
        let (policy, arch) = s.split_once('_').ok_or_else(invalid)?;
        Ok(Self::ManylinuxLegacy {
            policy: policy.parse().map_err(|_| invalid())?,
            arch: arch.parse().map_err(|_| invalid())?,
        })
    }
}

/// Splits `2_17_x86_64` into `(2, 17, "x86_64")`.
fn split_versioned(rest: &str) -> Option<(u16, u16, &str)> {
    let mut parts = rest.splitn(3, '_');
    let major = parse_number(parts.next()?)?;
    let minor = parse_number(parts.next()?)?;
    Some((major, minor, parts.next()?))
}

string_serde!(Arch, ManylinuxLegacy, PlatformTag);
