//! What goes into a wheel besides the extensions: METADATA, pure-Python files, licenses.

use std::path::Path;
use std::str::FromStr;

use super::PipelineError;
use crate::plan::MIN_CFFI_RUNTIME;
use crate::recipe::Recipe;
use crate::wheel::{self, CoreMetadata, WheelEntry};

/// Reads a file, naming it on failure.
pub(super) fn read(path: &Path) -> Result<Vec<u8>, PipelineError> {
    fs_err::read(path).map_err(|source| PipelineError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// METADATA from the recipe; cffi is added as the runtime the generated code needs.
pub fn core_metadata(recipe: &Recipe) -> Result<CoreMetadata, PipelineError> {
    let package = &recipe.package;
    let cffi = format!("cffi>={MIN_CFFI_RUNTIME}; platform_python_implementation != 'PyPy'");
    let cffi = pep508_rs::Requirement::from_str(&cffi)
        .map_err(|e| PipelineError::Metadata(format!("invalid cffi requirement `{cffi}`: {e}")))?;
    let mut requires_dist = vec![cffi];
    requires_dist.extend(package.dependencies.iter().cloned());
    let description = match &package.readme {
        Some(readme) => {
            Some(String::from_utf8_lossy(&read(&recipe.root.join(&readme.path))?).into_owned())
        }
        None => None,
    };
    Ok(CoreMetadata {
        name: package.name.clone(),
        version: package.version.clone(),
        summary: package.summary.clone(),
        requires_python: package.requires_python.clone(),
        requires_dist,
        license_expression: package.license.clone(),
        license_files: package.license_files.clone(),
        description,
        description_content_type: package.readme.as_ref().map(|r| r.content_type.clone()),
        authors: package
            .authors
            .iter()
            .map(|a| wheel::Person {
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .collect(),
        keywords: package.keywords.clone(),
        classifiers: package.classifiers.clone(),
        project_urls: package.urls.clone(),
    })
}

/// License files go to `.dist-info/licenses/<path>` (PEP 639).
pub(super) fn dist_info_extras(recipe: &Recipe) -> Result<Vec<WheelEntry>, PipelineError> {
    recipe
        .package
        .license_files
        .iter()
        .map(|rel| {
            Ok(WheelEntry {
                path: format!("licenses/{rel}"),
                contents: read(&recipe.root.join(rel))?,
                executable: false,
            })
        })
        .collect()
}

/// The pure-Python files of `packages`: everything but caches and stale build products.
pub(super) fn package_files(recipe: &Recipe) -> Result<Vec<WheelEntry>, PipelineError> {
    let mut entries = Vec::new();
    for package in &recipe.packages {
        let dir = recipe.root.join(package);
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| PipelineError::Read {
                path: dir.clone(),
                source: e.into(),
            })?;
            if !entry.file_type().is_file() || is_build_product(entry.path()) {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&recipe.root)
                .unwrap_or(entry.path());
            let archive = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            entries.push(WheelEntry {
                path: archive,
                contents: read(entry.path())?,
                executable: false,
            });
        }
    }
    Ok(entries)
}

/// Files that an in-place build leaves in a package and that must not ship.
fn is_build_product(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let in_cache = path.components().any(|c| c.as_os_str() == "__pycache__");
    in_cache
        || [".pyc", ".pyo", ".so", ".pyd", ".dylib", ".o", ".obj"]
            .iter()
            .any(|ext| name.ends_with(ext))
}
