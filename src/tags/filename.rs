//! Wheel file names (PEP 427, PEP 491) and distribution name forms (PEP 503).

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

use super::{AbiTag, PlatformTag, PythonTag, TagError, WheelTag, string_serde};

/// Normalizes a distribution name (PEP 503): lowercase, runs of `-`, `_`, `.` become `-`.
pub fn normalize_name(name: &str) -> String {
    replace_separator_runs(name, '-')
}

/// Escapes a distribution name for file names (PEP 427, binary distribution format spec):
/// `re.sub(r"[-_.]+", "_", name).lower()`.
pub fn escape_name(name: &str) -> String {
    replace_separator_runs(name, '_')
}

/// Lowercases `name` and replaces each run of `-`, `_`, `.` with `replacement`.
fn replace_separator_runs(name: &str, replacement: char) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push(replacement);
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Whether `name` is a valid PEP 508 distribution name.
fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner_ok = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            inner_ok && first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric()
        }
        _ => false,
    }
}

/// Whether `build` is a valid build tag: a digit, then `[A-Za-z0-9_.]*` (PEP 427).
fn is_valid_build_tag(build: &str) -> bool {
    build.starts_with(|c: char| c.is_ascii_digit())
        && build
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
}

/// A wheel file name: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, with
/// compressed tag sets (`cp38.cp39`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct WheelFilename {
    /// The distribution name as given; rendered escaped (see [`escape_name`]).
    pub name: String,
    /// The version; rendered in normalized PEP 440 form.
    pub version: Version,
    /// The optional build tag (starts with a digit).
    pub build: Option<String>,
    /// The Python tags, in order.
    pub python: Vec<PythonTag>,
    /// The ABI tags, in order.
    pub abi: Vec<AbiTag>,
    /// The platform tags, in order.
    pub platform: Vec<PlatformTag>,
}

impl WheelFilename {
    /// Checks the name, the build tag and that each tag set is non-empty without repeats.
    pub fn validate(&self) -> Result<(), TagError> {
        if !is_valid_name(&self.name) {
            return Err(TagError::Name(self.name.clone()));
        }
        if let Some(build) = &self.build
            && !is_valid_build_tag(build)
        {
            return Err(TagError::BuildTag(build.clone()));
        }
        let sets = [
            ("Python", check_tag_set(&self.python)),
            ("ABI", check_tag_set(&self.abi)),
            ("platform", check_tag_set(&self.platform)),
        ];
        for (kind, problem) in sets {
            if let Some(problem) = problem {
                return Err(TagError::Filename {
                    filename: self.to_string(),
                    reason: format!("the {kind} tag set {problem}"),
                });
            }
        }
        Ok(())
    }

    /// Expands the compressed tag sets into every (python, abi, platform) combination, in
    /// file-name order with the Python tag varying slowest.
    pub fn tags(&self) -> Vec<WheelTag> {
        let mut tags = Vec::with_capacity(self.python.len() * self.abi.len() * self.platform.len());
        for python in &self.python {
            for abi in &self.abi {
                for platform in &self.platform {
                    tags.push(WheelTag {
                        python: python.clone(),
                        abi: abi.clone(),
                        platform: platform.clone(),
                    });
                }
            }
        }
        tags
    }

    /// The `.dist-info` directory name: `{escaped name}-{version}.dist-info`.
    pub fn dist_info_dir(&self) -> String {
        format!("{}-{}.dist-info", escape_name(&self.name), self.version)
    }

    /// The `.data` directory name: `{escaped name}-{version}.data`.
    pub fn data_dir(&self) -> String {
        format!("{}-{}.data", escape_name(&self.name), self.version)
    }

    /// The directory for bundled shared libraries, auditwheel's convention: `{escaped name}.libs`.
    pub fn libs_dir(&self) -> String {
        libs_dir(&self.name)
    }
}

/// The directory for the bundled shared libraries of the distribution `name`:
/// `{escaped name}.libs` (auditwheel's convention).
pub fn libs_dir(name: &str) -> String {
    format!("{}.libs", escape_name(name))
}

/// Describes what is wrong with a tag set, if anything: empty, or a tag repeated.
fn check_tag_set<T: fmt::Display + Eq + Hash>(set: &[T]) -> Option<String> {
    if set.is_empty() {
        return Some("is empty".to_string());
    }
    let mut seen = HashSet::new();
    set.iter()
        .find(|tag| !seen.insert(*tag))
        .map(|tag| format!("repeats `{tag}`"))
}

/// Writes `items` joined with `.`.
fn write_dotted<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(".")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", escape_name(&self.name), self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        f.write_str("-")?;
        write_dotted(f, &self.python)?;
        f.write_str("-")?;
        write_dotted(f, &self.abi)?;
        f.write_str("-")?;
        write_dotted(f, &self.platform)?;
        f.write_str(".whl")
    }
}

impl FromStr for WheelFilename {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, TagError> {
        let shape_error = |reason: &str| TagError::Filename {
            filename: s.to_string(),
            reason: reason.to_string(),
        };
        let part_error = |source: TagError| TagError::FilenamePart {
            filename: s.to_string(),
            source: Box::new(source),
        };
        let stem = s
            .strip_suffix(".whl")
            .ok_or_else(|| shape_error("it does not end with `.whl`"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, python, abi, platform) = match parts.as_slice() {
            [name, version, python, abi, platform] => (name, version, None, python, abi, platform),
            [name, version, build, python, abi, platform] => {
                (name, version, Some(*build), python, abi, platform)
            }
            _ => {
                return Err(shape_error(
                    "expected `name-version(-build)?-python-abi-platform.whl`",
                ));
            }
        };
        let version = version
            .parse()
            .map_err(|source| TagError::FilenameVersion {
                filename: s.to_string(),
                source,
            })?;
        let filename = Self {
            name: (*name).to_string(),
            version,
            build: build.map(str::to_string),
            python: parse_dotted(python).map_err(part_error)?,
            abi: parse_dotted(abi).map_err(part_error)?,
            platform: parse_dotted(platform).map_err(part_error)?,
        };
        filename.validate().map_err(|err| match err {
            TagError::Filename { reason, .. } => shape_error(&reason),
            other => part_error(other),
        })?;
        Ok(filename)
    }
}

/// Parses a compressed tag set such as `cp38.cp39`.
fn parse_dotted<T: FromStr<Err = TagError>>(set: &str) -> Result<Vec<T>, TagError> {
    set.split('.').map(str::parse).collect()
}

string_serde!(WheelFilename);
