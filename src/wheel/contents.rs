//! What goes into a wheel besides the extensions: METADATA, pure-Python files, licenses,
//! entry points.

use std::path::Path;
use std::str::FromStr;

use crate::plan::MIN_CFFI_RUNTIME;
use crate::recipe::{PathProblem, Person, Recipe, RecipeError};
use crate::wheel::{self, CoreMetadata, WheelEntry, WheelError};

/// Why a wheel's contents could not be gathered from the recipe.
#[derive(Debug, thiserror::Error)]
pub enum ContentsError {
    /// A project file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file leads out of the project (the tree changed since the recipe was read).
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// The runtime requirement on cffi did not parse (a broken build of cffi-wheel).
    #[error("invalid cffi requirement `{requirement}`")]
    CffiRequirement {
        /// The requirement.
        requirement: String,
        /// The parser's complaint.
        #[source]
        source: Box<pep508_rs::Pep508Error>,
    },
    /// Metadata could not be rendered.
    #[error(transparent)]
    Wheel(#[from] WheelError),
    /// File system trouble (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads a file, naming it on failure.
pub fn read(path: &Path) -> Result<Vec<u8>, ContentsError> {
    fs_err::read(path).map_err(|source| ContentsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// METADATA from the recipe; cffi is added as the runtime the generated code needs.
pub fn core_metadata(recipe: &Recipe) -> Result<CoreMetadata, ContentsError> {
    let package = &recipe.package;
    let cffi = format!("cffi>={MIN_CFFI_RUNTIME}; platform_python_implementation != 'PyPy'");
    let cffi = pep508_rs::Requirement::from_str(&cffi).map_err(|source| {
        ContentsError::CffiRequirement {
            requirement: cffi.clone(),
            source: Box::new(source),
        }
    })?;
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
        optional_dependencies: package
            .optional_dependencies
            .iter()
            .map(|extra| wheel::Extra {
                name: extra.name.clone(),
                requires_dist: extra.requirements.clone(),
            })
            .collect(),
        license_expression: package.license.clone(),
        license_files: package.license_files.clone(),
        description,
        description_content_type: package.readme.as_ref().map(|r| r.content_type.clone()),
        authors: people(&package.authors),
        maintainers: people(&package.maintainers),
        keywords: package.keywords.clone(),
        classifiers: package.classifiers.clone(),
        project_urls: package.urls.clone(),
    })
}

/// Recipe authors or maintainers as METADATA's people.
fn people(people: &[Person]) -> Vec<wheel::Person> {
    people
        .iter()
        .map(|p| wheel::Person {
            name: p.name.clone(),
            email: p.email.clone(),
        })
        .collect()
}

/// `.dist-info/` files besides METADATA, WHEEL and RECORD: license files go to
/// `licenses/<path>` (PEP 639), entry points to `entry_points.txt`.
pub fn dist_info_extras(recipe: &Recipe) -> Result<Vec<WheelEntry>, ContentsError> {
    let mut extras = recipe
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
        .collect::<Result<Vec<_>, ContentsError>>()?;
    if let Some(text) = wheel::render_entry_points(&recipe.package.entry_points)? {
        extras.push(WheelEntry {
            path: wheel::ENTRY_POINTS_FILE.to_string(),
            contents: text.into_bytes(),
            executable: false,
        });
    }
    Ok(extras)
}

/// The pure-Python files: `py_modules` at the wheel's root, then everything in `packages`
/// but caches and stale build products.
pub fn package_files(recipe: &Recipe) -> Result<Vec<WheelEntry>, ContentsError> {
    let mut entries = Vec::new();
    for module in &recipe.py_modules {
        entries.push(WheelEntry {
            path: format!("{}.py", module.name),
            contents: read(&recipe.root.join(&module.path))?,
            executable: false,
        });
    }
    let containment = recipe.containment();
    for package in &recipe.packages {
        let dir = recipe.root.join(package);
        // Links are followed (their contents ship, as with setuptools) and checked again:
        // the tree may have changed since the recipe was read.
        let files = containment
            .files_under(&dir, &package_base(&recipe.root, package))
            .map_err(RecipeError::from)?;
        for (archive, path) in files {
            if is_build_product(&path) {
                continue;
            }
            entries.push(WheelEntry {
                path: archive,
                contents: read(&path)?,
                executable: false,
            });
        }
    }
    Ok(entries)
}

/// The wheels' output directory may not lie in a package directory: the next wheel would
/// hold the earlier ones.
pub fn check_out_dir(recipe: &Recipe, out_dir: &Path) -> Result<(), RecipeError> {
    let real = |path: &Path| fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // The output directory may not exist yet: resolve its nearest existing ancestor.
    let existing = out_dir.ancestors().find(|p| p.exists()).unwrap_or(out_dir);
    let out_real = real(existing).join(out_dir.strip_prefix(existing).unwrap_or(Path::new("")));
    for package in &recipe.packages {
        if out_real.starts_with(real(&recipe.root.join(package))) {
            return Err(PathProblem::OutDirInPackage {
                out_dir: out_dir.to_path_buf(),
                package: package.clone(),
            }
            .into());
        }
    }
    Ok(())
}

/// The directory a package's archive paths are relative to: its parent, so that
/// `packages: [src/fastmath]` (a src layout) installs as `fastmath/`.
pub fn package_base(root: &Path, package: &str) -> std::path::PathBuf {
    root.join(package)
        .parent()
        .map_or_else(|| root.to_path_buf(), Path::to_path_buf)
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

/// PEP 660 editable install, the way `build_ext --inplace` + a `.pth` works: the built
/// extensions (and bundled libraries) are copied next to the sources, and the returned
/// `__editable__.<dist>.pth` entry puts the parent directories of the packages and of the
/// `py_modules` files on `sys.path`.
pub fn install_in_place(
    recipe: &Recipe,
    native_files: &[(String, std::path::PathBuf)],
) -> Result<WheelEntry, ContentsError> {
    let base_of = |archive_path: &str| {
        let top = archive_path.split('/').next().unwrap_or_default();
        recipe
            .packages
            .iter()
            .find(|p| p.rsplit('/').next() == Some(top))
            .map_or_else(|| recipe.root.clone(), |p| package_base(&recipe.root, p))
    };
    for (archive_path, file) in native_files {
        let dest = base_of(archive_path).join(archive_path);
        if let Some(parent) = dest.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::copy(file, &dest)?;
        tracing::info!("editable: {}", dest.display());
    }
    let mut lines: Vec<String> = recipe
        .packages
        .iter()
        .chain(recipe.py_modules.iter().map(|m| &m.path))
        .map(|p| package_base(&recipe.root, p).to_string_lossy().into_owned())
        .collect();
    if lines.is_empty() {
        lines.push(recipe.root.to_string_lossy().into_owned());
    }
    lines.sort();
    lines.dedup();
    Ok(WheelEntry {
        path: format!(
            "__editable__.{}.pth",
            crate::tags::escape_name(&recipe.package.name)
        ),
        contents: format!("{}\n", lines.join("\n")).into_bytes(),
        executable: false,
    })
}

/// PEP 517 `prepare_metadata_for_build_wheel`: writes `<dist>-<version>.dist-info/` with
/// METADATA (and license files and entry_points.txt) into `out_dir`; returns the
/// directory's name.
pub fn write_metadata_dir(recipe: &Recipe, out_dir: &Path) -> Result<String, ContentsError> {
    let metadata = core_metadata(recipe)?;
    let name = format!(
        "{}-{}.dist-info",
        crate::tags::escape_name(&recipe.package.name),
        recipe.package.version
    );
    let dir = out_dir.join(&name);
    fs_err::create_dir_all(&dir)?;
    fs_err::write(dir.join("METADATA"), metadata.render()?)?;
    for extra in dist_info_extras(recipe)? {
        let dest = dir.join(&extra.path);
        if let Some(parent) = dest.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(dest, extra.contents)?;
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECIPE: &str = "\
package:
  name: demo
  version: '1.0'
  optional_dependencies:
    test: ['pytest>=7']
  scripts:
    demo: demo.cli:main
  entry_points:
    pytest11: {demo: demo.plugin}
  authors: [{name: Ada Lovelace, email: ada@example.org}]
  maintainers:
    - {name: Grace Hopper}
    - {name: M. Aintainer, email: m@example.org}
packages: [src/demo]
py_modules: [helper, src/other]
modules:
  - name: demo._demo
    cdef: 'int f(int);'
";

    /// A project with the recipe above and its files.
    fn project() -> (tempfile::TempDir, Recipe) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs_err::create_dir_all(root.join("src/demo")).unwrap();
        fs_err::write(root.join("src/demo/__init__.py"), "").unwrap();
        fs_err::write(root.join("helper.py"), "X = 1\n").unwrap();
        fs_err::write(root.join("src/other.py"), "Y = 2\n").unwrap();
        let recipe = crate::recipe::parse(&root.join("cffi-wheel.yaml"), RECIPE).unwrap();
        (dir, recipe)
    }

    #[test]
    fn py_modules_ship_at_the_wheel_root() {
        let (_dir, recipe) = project();
        let files: Vec<(String, Vec<u8>)> = package_files(&recipe)
            .unwrap()
            .into_iter()
            .map(|e| (e.path, e.contents))
            .collect();
        assert_eq!(
            files,
            [
                ("helper.py".to_string(), b"X = 1\n".to_vec()),
                ("other.py".to_string(), b"Y = 2\n".to_vec()),
                ("demo/__init__.py".to_string(), Vec::new()),
            ]
        );
    }

    #[test]
    fn a_linked_file_in_a_package_ships_with_its_contents() {
        let (dir, _) = project();
        let root = dir.path();
        std::os::unix::fs::symlink("../../helper.py", root.join("src/demo/linked.py")).unwrap();
        let recipe = crate::recipe::parse(&root.join("cffi-wheel.yaml"), RECIPE).unwrap();
        let linked = package_files(&recipe)
            .unwrap()
            .into_iter()
            .find(|e| e.path == "demo/linked.py")
            .map(|e| e.contents);
        assert_eq!(linked.as_deref(), Some(&b"X = 1\n"[..]));
    }

    #[test]
    fn an_allowed_readme_link_out_of_the_project_fills_the_description() {
        let (dir, _) = project();
        let root = dir.path();
        let shared = tempfile::tempdir().unwrap();
        fs_err::write(shared.path().join("README.md"), "# Shared\n").unwrap();
        std::os::unix::fs::symlink(shared.path().join("README.md"), root.join("README.md"))
            .unwrap();
        let text = RECIPE.replace(
            "  version: '1.0'\n",
            "  version: '1.0'\n  readme: README.md\n",
        );
        let file = root.join("cffi-wheel.yaml");
        assert!(crate::recipe::parse(&file, &text).is_err());
        let allowed = format!("{text}allow_outside_links: [README.md]\n");
        let recipe = crate::recipe::parse(&file, &allowed).unwrap();
        let metadata = core_metadata(&recipe).unwrap();
        assert_eq!(metadata.description.as_deref(), Some("# Shared\n"));
    }

    #[test]
    fn an_output_directory_inside_a_package_is_refused() {
        let (dir, recipe) = project();
        let inside = dir.path().join("src/demo/wheels");
        let err = check_out_dir(&recipe, &inside).unwrap_err();
        assert!(
            err.to_string()
                .contains("inside the package directory `src/demo`"),
            "{err}"
        );
        assert!(check_out_dir(&recipe, &dir.path().join("dist")).is_ok());
    }

    #[test]
    fn entry_points_txt_is_a_dist_info_file() {
        let (_dir, recipe) = project();
        let extras = dist_info_extras(&recipe).unwrap();
        let entry_points = extras
            .iter()
            .find(|e| e.path == "entry_points.txt")
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&entry_points.contents),
            "[console_scripts]\ndemo = demo.cli:main\n\n[pytest11]\ndemo = demo.plugin\n"
        );
    }

    #[test]
    fn metadata_dir_holds_metadata_with_extras_and_entry_points() {
        let (dir, recipe) = project();
        let out = dir.path().join("out");
        let name = write_metadata_dir(&recipe, &out).unwrap();
        assert_eq!(name, "demo-1.0.dist-info");
        let metadata = fs_err::read_to_string(out.join(&name).join("METADATA")).unwrap();
        assert!(
            metadata.contains("Provides-Extra: test\nRequires-Dist: pytest>=7 ; extra == 'test'\n"),
            "{metadata}"
        );
        assert!(out.join(&name).join("entry_points.txt").is_file());
    }

    #[test]
    fn metadata_has_the_recipe_authors_and_maintainers() {
        let (_dir, recipe) = project();
        let metadata = core_metadata(&recipe).unwrap().render().unwrap();
        assert!(
            metadata.contains(
                "Author-email: Ada Lovelace <ada@example.org>\n\
                 Maintainer: Grace Hopper\n\
                 Maintainer-email: \"M. Aintainer\" <m@example.org>\n"
            ),
            "{metadata}"
        );
    }

    #[test]
    fn editable_pth_puts_the_py_modules_directories_on_the_path() {
        let (dir, recipe) = project();
        let pth = install_in_place(&recipe, &[]).unwrap();
        assert_eq!(pth.path, "__editable__.demo.pth");
        let root = dir.path().to_string_lossy().into_owned();
        assert_eq!(
            String::from_utf8_lossy(&pth.contents),
            format!("{root}\n{root}/src\n")
        );
    }
}
