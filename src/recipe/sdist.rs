//! Which files an sdist needs: every path the recipe can use under any option.
//!
//! Collected from the raw recipe before overrides are applied, so a file used only by
//! `--config other=true` still ships (a published cffi sdist that leaves out its build
//! script or a vendored header cannot be built; ours can).

use super::raw::{ModulePath, RawModule, RawRecipe};

/// Header-like files an include directory contributes.
const HEADER_GLOBS: &[&str] = &[
    "**/*.h", "**/*.hh", "**/*.hpp", "**/*.hxx", "**/*.inc", "**/*.def",
];

/// (include globs, exclude globs), relative to the project root.
pub(super) fn patterns(raw: &RawRecipe) -> (Vec<String>, Vec<String>) {
    let mut include = Vec::new();
    let mut push = |pattern: &str| {
        let clean = pattern
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        if !clean.is_empty()
            && !clean.starts_with('/')
            && !clean.starts_with("..")
            && !include.contains(&clean)
        {
            include.push(clean);
        }
    };
    for path in raw
        .package
        .readme
        .iter()
        .chain(raw.package.license_files.iter())
    {
        push(path);
    }
    for package in &raw.packages {
        push(&format!("{}/**/*", package.as_str().trim_end_matches('/')));
    }
    for module in &raw.py_modules {
        push(&format!("{}.py", module.as_str().trim_end_matches('/')));
    }
    for module in raw.modules.iter() {
        module_patterns(module, &mut push);
    }
    let mut exclude = Vec::new();
    if let Some(sdist) = &raw.sdist {
        for pattern in &sdist.include {
            push(pattern);
        }
        exclude = sdist
            .exclude
            .iter()
            .map(|p| p.as_str().to_string())
            .collect();
    }
    (include, exclude)
}

fn module_patterns(module: &RawModule, push: &mut impl FnMut(&str)) {
    for path in module.paths() {
        match path {
            ModulePath::File(file) | ModulePath::Glob(file) => push(file),
            ModulePath::IncludeDir(dir) => {
                for glob in HEADER_GLOBS {
                    push(&format!("{}/{glob}", dir.as_str().trim_end_matches('/')));
                }
            }
            // A build script opens what it likes (cdef headers, C preludes, sources chosen at
            // run time), relative to the project root: the sdist carries the whole project,
            // less build products and VCS data, as setuptools users' MANIFEST.in files do.
            ModulePath::Script(_) => push("**/*"),
            ModulePath::WholeDir(cwd) => {
                let cwd = cwd.map_or("", |c| c.as_str()).trim_end_matches('/');
                if cwd.is_empty() || cwd == "." {
                    push("**/*");
                } else {
                    push(&format!("{cwd}/**/*"));
                }
            }
            // Library dirs name where libraries are found (the system's, a prefix's, a build
            // dir's), not files of the project; a library the project ships is an
            // `extra_objects` entry or a prebuild step's output. Prefixes lie outside the
            // project and `$OUT_DIR` paths are made by the build.
            ModulePath::LibraryDir(_) | ModulePath::Prefix(_) | ModulePath::OutDir(_) => {}
        }
    }
}
