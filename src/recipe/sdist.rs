//! Which files an sdist needs: every path the recipe can use under any option.
//!
//! Collected from the raw recipe before overrides are applied, so a file used only by
//! `--config other=true` still ships (a published cffi sdist that leaves out its build
//! script or a vendored header cannot be built; ours can).

use super::raw::{RawModule, RawRecipe, SStr};

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
        for over in module.overrides.iter().flatten() {
            module_patterns(over, &mut push);
        }
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
    let lists: [&Option<Vec<SStr>>; 2] = [&module.sources, &module.extra_objects];
    for list in lists {
        for item in list.iter().flatten() {
            push(item);
        }
    }
    for file in module.cdef_files.iter().flat_map(|f| f.iter()) {
        push(file);
    }
    if let Some(file) = &module.source_file {
        push(file);
    }
    if module.script.is_some() {
        // A build script opens what it likes (cdef headers, C preludes, sources chosen at
        // run time), relative to the project root: the sdist carries the whole project,
        // less build products and VCS data, as setuptools users' MANIFEST.in files do.
        push("**/*");
    }
    for dir in module.include_dirs.iter().flatten() {
        for glob in HEADER_GLOBS {
            push(&format!("{}/{glob}", dir.as_str().trim_end_matches('/')));
        }
    }
    for step in module.prebuild.iter().flatten() {
        let cwd = step
            .cwd
            .as_ref()
            .map_or("", |c| c.as_str())
            .trim_end_matches('/');
        match &step.inputs {
            Some(inputs) => inputs.iter().for_each(|i| push(i)),
            None if cwd.is_empty() || cwd == "." => push("**/*"),
            None => push(&format!("{cwd}/**/*")),
        }
    }
}
