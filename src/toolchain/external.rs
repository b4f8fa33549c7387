//! External C libraries of a module: pkg-config packages and install prefixes, turned into
//! include dirs, library dirs and libraries, linked as the module's `link` mode says.

use std::path::{Path, PathBuf};

use crate::compile::ExtensionSpec;
use crate::recipe::{LinkMode, Module};

/// Libraries a manylinux platform provides: never linked statically.
const SYSTEM_LIBRARIES: &[&str] = &["c", "m", "dl", "rt", "pthread", "util", "gcc_s", "stdc++"];

/// Why an external library could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// pkg-config does not know the package.
    #[error(
        "module `{module}`: pkg-config cannot find `{package}`: install its development package \
         (Debian: `apt-get install pkg-config {package}-dev` or similar) or point PKG_CONFIG_PATH \
         at its .pc file\n{detail}"
    )]
    PkgConfig {
        /// The module.
        module: String,
        /// The package.
        package: String,
        /// pkg-config's words.
        detail: String,
    },
}

/// Adds to `resolved` what `module`'s `pkg_config` and prefix (its own, else
/// `default_prefix`) provide. With `link: static`, non-system libraries go to
/// `static_libraries`.
pub fn resolve_externals(
    module: &Module,
    resolved: &mut ExtensionSpec,
    default_prefix: Option<&Path>,
) -> Result<(), ExternalError> {
    if let Some(prefix) = module.library_prefix.as_deref().or(default_prefix) {
        push_unique(&mut resolved.include_dirs, prefix.join("include"));
        for lib in ["lib", "lib64"] {
            if prefix.join(lib).is_dir() {
                push_unique(&mut resolved.library_dirs, prefix.join(lib));
            }
        }
    }
    let statik = module.link == LinkMode::Static;
    let mut external_libs = Vec::new();
    for package in &module.pkg_config {
        let library = pkg_config::Config::new()
            .cargo_metadata(false)
            .env_metadata(false)
            .print_system_libs(false)
            .print_system_cflags(false)
            .statik(statik)
            .probe(package)
            .map_err(|e| ExternalError::PkgConfig {
                module: module.name.clone(),
                package: package.clone(),
                detail: e.to_string(),
            })?;
        for dir in library.include_paths {
            push_unique(&mut resolved.include_dirs, dir);
        }
        for dir in library.link_paths {
            push_unique(&mut resolved.library_dirs, dir);
        }
        for (name, value) in library.defines {
            resolved.define_macros.push((name, value));
        }
        external_libs.extend(library.libs);
    }
    if statik {
        // The recipe's own `libraries` are external too, unless the platform provides them.
        external_libs.append(&mut resolved.libraries);
    }
    for lib in external_libs {
        let target = if statik && !SYSTEM_LIBRARIES.contains(&lib.as_str()) {
            &mut resolved.static_libraries
        } else {
            &mut resolved.libraries
        };
        if !target.contains(&lib) {
            target.push(lib);
        }
    }
    Ok(())
}

fn push_unique(list: &mut Vec<PathBuf>, item: PathBuf) {
    if !list.contains(&item) {
        list.push(item);
    }
}
