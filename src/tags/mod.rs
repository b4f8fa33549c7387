//! Typed wheel tags (PEP 425), platform tags (PEP 600, PEP 656) and wheel file names (PEP 427,
//! PEP 491). Pure data: no I/O.
//!
//! Every type renders with `Display`, parses with `FromStr` and serializes as its string form,
//! so `value.to_string().parse()` gives `value` back for anything a parser produced.

mod filename;
mod platform;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use filename::{WheelFilename, escape_name, libs_dir, normalize_name};
pub use platform::{Arch, ManylinuxLegacy, PlatformTag};

/// Errors from parsing or validating tags and wheel file names; each quotes the bad input.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    /// A Python tag that is not `cpXY`, `ppXY` or `pyX`.
    #[error(
        "invalid Python tag `{0}`: expected `cpXY`, `ppXY` or `pyX` (e.g. `cp38`, `pp310`, `py3`)"
    )]
    Python(String),
    /// An ABI tag that is not `none`, `abi3`, `cpXY[t][d]` or `pypyXY_ppN`.
    #[error(
        "invalid ABI tag `{0}`: expected `none`, `abi3`, `cpXY` with optional `t`/`d` flags, or `pypyXY_ppN`"
    )]
    Abi(String),
    /// A PyPy `SOABI` that is not of the form `pypyXY-ppN`.
    #[error("invalid PyPy SOABI `{0}`: expected e.g. `pypy39-pp73`")]
    PyPySoabi(String),
    /// An architecture name with characters other than `[a-z0-9_]`.
    #[error(
        "invalid architecture `{0}`: expected lowercase letters, digits and `_` (e.g. `x86_64`)"
    )]
    Arch(String),
    /// A platform tag of no known shape.
    #[error(
        "invalid platform tag `{0}`: expected `any`, `linux_ARCH`, `manylinux_X_Y_ARCH`, \
         `musllinux_X_Y_ARCH`, `macosx_X_Y_ARCH`, `win32`, `win_amd64` or `win_arm64`"
    )]
    Platform(String),
    /// A `sysconfig.get_platform()` value that maps to no platform tag.
    #[error(
        "unsupported sysconfig platform `{0}`: expected e.g. `linux-x86_64` or `macosx-11.0-arm64`"
    )]
    SysconfigPlatform(String),
    /// A wheel tag that is not three dash-separated parts.
    #[error(
        "invalid wheel tag `{0}`: expected `python-abi-platform` (e.g. `cp38-abi3-linux_x86_64`)"
    )]
    WheelTag(String),
    /// A distribution name that is not a valid PEP 508 name.
    #[error(
        "invalid distribution name `{0}`: expected ASCII letters, digits, `-`, `_` and `.`, \
         starting and ending with a letter or digit"
    )]
    Name(String),
    /// A build tag that does not start with a digit or contains other than `[A-Za-z0-9_.]`.
    #[error("invalid build tag `{0}`: expected a digit followed by letters, digits, `_` or `.`")]
    BuildTag(String),
    /// A wheel file name with the wrong overall shape.
    #[error("invalid wheel file name `{filename}`: {reason}")]
    Filename {
        /// The file name as given.
        filename: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A wheel file name whose version is not PEP 440.
    #[error("invalid version in wheel file name `{filename}`")]
    FilenameVersion {
        /// The file name as given.
        filename: String,
        /// The PEP 440 parse error.
        #[source]
        source: pep440_rs::VersionParseError,
    },
    /// A wheel file name with a bad component (tag, name or build tag).
    #[error("invalid wheel file name `{filename}`")]
    FilenamePart {
        /// The file name as given.
        filename: String,
        /// The component's error.
        #[source]
        source: Box<TagError>,
    },
}

/// Implements `From<T> for String` and `TryFrom<String> for T` so serde can use the string form.
macro_rules! string_serde {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.to_string()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = TagError;

            fn try_from(value: String) -> Result<Self, TagError> {
                value.parse()
            }
        }
    )*};
}
pub(crate) use string_serde;

string_serde!(PythonTag, AbiTag, WheelTag);

/// Parses decimal digits in canonical form (no sign, no leading zero unless the value is 0).
pub(crate) fn parse_number<T: FromStr>(digits: &str) -> Option<T> {
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let canonical = digits == "0" || !digits.starts_with('0');
    if all_digits && canonical {
        digits.parse().ok()
    } else {
        None
    }
}

/// Splits `"313"` into `(3, 13)`: PEP 425 writes the major version as one digit.
fn parse_major_minor(digits: &str) -> Option<(u8, u8)> {
    let mut chars = digits.chars();
    let major = chars.next()?.to_digit(10)?;
    if major == 0 {
        return None;
    }
    let minor = parse_number(chars.as_str())?;
    Some((u8::try_from(major).ok()?, minor))
}

/// The Python tag of a wheel (PEP 425): which interpreter and version it is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum PythonTag {
    /// `cp38`, `cp313`.
    CPython {
        /// Major version (one digit).
        major: u8,
        /// Minor version.
        minor: u8,
    },
    /// `pp39`, `pp310`.
    PyPy {
        /// Major version (one digit).
        major: u8,
        /// Minor version.
        minor: u8,
    },
    /// `py3`: any Python of that major version.
    Generic {
        /// Major version (one digit).
        major: u8,
    },
}

impl fmt::Display for PythonTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CPython { major, minor } => write!(f, "cp{major}{minor}"),
            Self::PyPy { major, minor } => write!(f, "pp{major}{minor}"),
            Self::Generic { major } => write!(f, "py{major}"),
        }
    }
}

impl FromStr for PythonTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        let parsed = if let Some(digits) = s.strip_prefix("cp") {
            parse_major_minor(digits).map(|(major, minor)| Self::CPython { major, minor })
        } else if let Some(digits) = s.strip_prefix("pp") {
            parse_major_minor(digits).map(|(major, minor)| Self::PyPy { major, minor })
        } else if let Some(digit) = s.strip_prefix("py") {
            parse_number(digit)
                .filter(|major| (1..=9).contains(major))
                .map(|major| Self::Generic { major })
        } else {
            None
        };
        parsed.ok_or_else(|| TagError::Python(s.to_string()))
    }
}

/// The ABI tag of a wheel (PEP 425, PEP 703 for free-threading, PEP 384 for `abi3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum AbiTag {
    /// `none`: no dependency on a Python ABI.
    None,
    /// `abi3`: the CPython stable ABI.
    Abi3,
    /// `cp313`, `cp313t` (free-threaded), `cp38d` (debug), `cp313td`.
    CPython {
        /// Major version (one digit).
        major: u8,
        /// Minor version.
        minor: u8,
        /// Built with `Py_GIL_DISABLED` (the `t` flag).
        free_threaded: bool,
        /// Built with `Py_DEBUG` (the `d` flag).
        debug: bool,
    },
    /// `pypy39_pp73`.
    PyPy {
        /// Python language major version (one digit).
        major: u8,
        /// Python language minor version.
        minor: u8,
        /// PyPy's own ABI number (`73` in `pp73`).
        pypy_abi: u16,
    },
}

impl AbiTag {
    /// Builds the ABI tag from a PyPy `sysconfig.get_config_var("SOABI")` such as `pypy39-pp73`.
    pub fn from_pypy_soabi(soabi: &str) -> Result<Self, TagError> {
        match soabi.replace('-', "_").parse() {
            Ok(tag @ Self::PyPy { .. }) => Ok(tag),
            _ => Err(TagError::PyPySoabi(soabi.to_string())),
        }
    }
}

impl fmt::Display for AbiTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Abi3 => f.write_str("abi3"),
            Self::CPython {
                major,
                minor,
                free_threaded,
                debug,
            } => {
                let t = if *free_threaded { "t" } else { "" };
                let d = if *debug { "d" } else { "" };
                write!(f, "cp{major}{minor}{t}{d}")
            }
            Self::PyPy {
                major,
                minor,
                pypy_abi,
            } => write!(f, "pypy{major}{minor}_pp{pypy_abi}"),
        }
    }
}

impl FromStr for AbiTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        let parsed = match s {
            "none" => Some(Self::None),
            "abi3" => Some(Self::Abi3),
            _ => {
                if let Some(rest) = s.strip_prefix("cp") {
                    parse_cpython_abi(rest)
                } else if let Some(rest) = s.strip_prefix("pypy") {
                    parse_pypy_abi(rest)
                } else {
                    None
                }
            }
        };
        parsed.ok_or_else(|| TagError::Abi(s.to_string()))
    }
}

/// Parses the part of a CPython ABI tag after `cp`: version digits, then `t` and/or `d`.
fn parse_cpython_abi(rest: &str) -> Option<AbiTag> {
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, flags) = rest.split_at(digits_end);
    let (major, minor) = parse_major_minor(digits)?;
    // sys.abiflags order: `t` (PEP 703) before `d`.
    let (free_threaded, debug) = match flags {
        "" => (false, false),
        "t" => (true, false),
        "d" => (false, true),
        "td" => (true, true),
        _ => return None,
    };
    Some(AbiTag::CPython {
        major,
        minor,
        free_threaded,
        debug,
    })
}

/// Parses the part of a PyPy ABI tag after `pypy`: `39_pp73`.
fn parse_pypy_abi(rest: &str) -> Option<AbiTag> {
    let (version, abi) = rest.split_once("_pp")?;
    let (major, minor) = parse_major_minor(version)?;
    Some(AbiTag::PyPy {
        major,
        minor,
        pypy_abi: parse_number(abi)?,
    })
}

/// One expanded wheel tag: `cp38-abi3-linux_x86_64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct WheelTag {
    /// The Python tag.
    pub python: PythonTag,
    /// The ABI tag.
    pub abi: AbiTag,
    /// The platform tag.
    pub platform: PlatformTag,
}

impl fmt::Display for WheelTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

impl FromStr for WheelTag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        let parts: Vec<&str> = s.split('-').collect();
        let [python, abi, platform] = parts.as_slice() else {
            return Err(TagError::WheelTag(s.to_string()));
        };
        Ok(Self {
            python: python.parse()?,
            abi: abi.parse()?,
            platform: platform.parse()?,
        })
    }
}

#[cfg(test)]
mod tests;
