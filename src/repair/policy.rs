//! manylinux/musllinux policies: which symbol versions and system libraries a platform tag
//! allows. The data is auditwheel's (see `policy/SOURCE.md`); the evaluation is ours and
//! needs no libc in DT_NEEDED: it reads the symbol versions themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::RepairError;
use crate::tags::PlatformTag;

const MANYLINUX: &str = include_str!("policy/manylinux-policy.json");
const MUSLLINUX: &str = include_str!("policy/musllinux-policy.json");

/// One policy as published.
#[derive(Debug, Clone, Deserialize)]
pub struct Policy {
    /// `manylinux_2_17`.
    pub name: String,
    /// `manylinux2014`.
    pub aliases: Vec<String>,
    /// Higher is more compatible.
    pub priority: u32,
    /// arch → symbol-version family (`GLIBC`) → allowed versions.
    pub symbol_versions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Libraries a wheel may link without bundling.
    pub lib_whitelist: BTreeSet<String>,
    /// library → symbols a wheel must not use from it.
    pub blacklist: BTreeMap<String, BTreeSet<String>>,
}

/// Which C library family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    /// glibc: manylinux.
    Glibc,
    /// musl: musllinux.
    Musl,
}

/// The published policies of a family, most compatible first.
pub fn policies(libc: Libc) -> Result<&'static [Policy], RepairError> {
    static GLIBC: OnceLock<Result<Vec<Policy>, String>> = OnceLock::new();
    static MUSL: OnceLock<Result<Vec<Policy>, String>> = OnceLock::new();
    let (cell, text, family) = match libc {
        Libc::Glibc => (&GLIBC, MANYLINUX, "manylinux"),
        Libc::Musl => (&MUSL, MUSLLINUX, "musllinux"),
    };
    let parsed = cell.get_or_init(|| parse_policies(text));
    match parsed {
        Ok(list) => Ok(list),
        Err(detail) => Err(RepairError::PolicyData {
            family,
            detail: detail.clone(),
        }),
    }
}

/// Parses policy data, most compatible first; an empty list is an error too.
fn parse_policies(text: &str) -> Result<Vec<Policy>, String> {
    let mut list: Vec<Policy> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if list.is_empty() {
        return Err("it holds no policy".into());
    }
    list.sort_by_key(|p| std::cmp::Reverse(p.priority));
    Ok(list)
}

impl Policy {
    /// Whether every required symbol version is allowed on `arch`. Families the policy does
    /// not list (a library's own version nodes) are not constrained.
    pub fn allows_versions<'a>(
        &self,
        arch: &str,
        needs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        let Some(families) = self.symbol_versions.get(arch) else {
            return Err(format!("{} has no data for {arch}", self.name));
        };
        for need in needs {
            let Some((family, version)) = need.split_once('_') else {
                continue;
            };
            if let Some(allowed) = families.get(family)
                && !allowed.contains(version)
            {
                return Err(need.to_string());
            }
        }
        Ok(())
    }

    /// Whether `library` may stay a dependency (not bundled).
    pub fn allows_library(&self, library: &str) -> bool {
        self.lib_whitelist.contains(library) || is_loader(library)
    }

    /// The PEP 600 tag and its legacy alias, e.g. `manylinux_2_17_x86_64` +
    /// `manylinux2014_x86_64`.
    pub fn platform_tags(&self, arch: &str) -> Vec<PlatformTag> {
        let mut tags = Vec::new();
        let primary = format!("{}_{arch}", self.name);
        if let Ok(tag) = primary.parse::<PlatformTag>() {
            tags.push(tag);
        }
        for alias in &self.aliases {
            if let Ok(tag) = format!("{alias}_{arch}").parse::<PlatformTag>() {
                tags.push(tag);
            }
        }
        tags
    }
}

/// The dynamic loader itself, which every policy allows.
pub fn is_loader(library: &str) -> bool {
    library.starts_with("ld-linux")
        || library.starts_with("ld64.so")
        || library.starts_with("ld-musl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_load_most_compatible_first() {
        let list = policies(Libc::Glibc).unwrap();
        assert_eq!(list[0].name, "manylinux_2_5");
        assert!(list.iter().any(|p| p.name == "manylinux_2_17"));
        assert!(!policies(Libc::Musl).unwrap().is_empty());
    }

    #[test]
    fn glibc_2_14_is_beyond_manylinux1_but_within_2014() {
        let list = policies(Libc::Glibc).unwrap();
        let m1 = list
            .iter()
            .find(|p| p.name == "manylinux_2_5")
            .expect("2_5");
        let m2014 = list
            .iter()
            .find(|p| p.name == "manylinux_2_17")
            .expect("2_17");
        assert_eq!(
            m1.allows_versions("x86_64", ["GLIBC_2.14"]),
            Err("GLIBC_2.14".into())
        );
        assert_eq!(
            m2014.allows_versions("x86_64", ["GLIBC_2.14", "GLIBC_2.2.5"]),
            Ok(())
        );
        assert_eq!(m1.allows_versions("x86_64", ["LIBSODIUM_1.0"]), Ok(()));
    }

    #[test]
    fn manylinux2014_tags_carry_the_legacy_alias() {
        let list = policies(Libc::Glibc).unwrap();
        let m2014 = list
            .iter()
            .find(|p| p.name == "manylinux_2_17")
            .expect("2_17");
        let tags: Vec<String> = m2014
            .platform_tags("x86_64")
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(tags, ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
    }

    #[test]
    fn policy_data_that_does_not_parse_is_an_error_not_an_empty_list() {
        assert!(parse_policies("{not json").is_err());
        assert!(parse_policies("[]").unwrap_err().contains("no policy"));
        let list = parse_policies(MANYLINUX).unwrap();
        assert!(list.windows(2).all(|w| w[0].priority >= w[1].priority));
    }
}
