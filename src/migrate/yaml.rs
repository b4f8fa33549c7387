//! Writing the imported recipe: a [`RawRecipe`] value, the type the recipe is read into,
//! serialized by serde_norway, so every key is the recipe's own and every value reads back
//! as written. A thin layer adds the comments that help the reader (where the recipe came
//! from, why a module stayed a script, what to do about a free-text license).

use std::collections::BTreeMap;
use std::path::Path;

use marked_yaml::{Span, Spanned};
use serde_norway::{Mapping, Value};

use super::{ImportedModule, MigrateError, ProjectImport, metadata};
use crate::codegen::ScriptDescription;
use crate::recipe::raw::{RawModule, RawPackage, RawPerson, RawRecipe, SMap, SStr};

const HEADER: &str = "# Written by `cffi-wheel import` from what the project's setuptools says \
                      (its METADATA,\n# entry points and wheel contents); see docs/recipe.md.\n";

/// A recipe value with no place in a file yet.
fn text(value: impl Into<String>) -> SStr {
    Spanned::new(Span::new_blank(), value.into())
}

fn texts(values: &[String]) -> Vec<SStr> {
    values.iter().map(text).collect()
}

/// `None` for an empty list: the key is left out.
fn some_texts(values: &[String]) -> Option<Vec<SStr>> {
    (!values.is_empty()).then(|| texts(values))
}

fn smap<V>(entries: impl IntoIterator<Item = (String, V)>) -> SMap<V> {
    SMap(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

/// The recipe as a value, and the comments that go with it.
pub(super) struct Imported {
    /// What the recipe says.
    pub recipe: RawRecipe,
    /// Comment lines for the `license` key of `package` (setup.py's free-text license).
    license_note: Vec<String>,
    /// Per module: the comment line before it.
    module_notes: Vec<Option<String>>,
}

/// The recipe text.
pub(super) fn render(
    project: &ProjectImport,
    modules: &[ImportedModule],
) -> Result<String, MigrateError> {
    write(&build(project, modules))
}

/// The recipe `import` writes, as a value.
pub(super) fn build(project: &ProjectImport, modules: &[ImportedModule]) -> Imported {
    let (package, license_note) = package(project);
    let mut module_notes = Vec::new();
    let mut raw_modules = Vec::new();
    for module in modules {
        let (note, raw) = match module {
            ImportedModule::Script {
                script,
                ext_package,
                reason,
            } => (
                Some(format!("kept as a script: {reason}")),
                RawModule {
                    script: Some(text(script)),
                    ext_package: ext_package.as_ref().map(text),
                    ..RawModule::default()
                },
            ),
            ImportedModule::Inline { name, description } => {
                (None, inline(&project.root, name, description))
            }
        };
        module_notes.push(note);
        raw_modules.push(Spanned::new(Span::new_blank(), raw));
    }
    let recipe = RawRecipe {
        package: Spanned::new(Span::new_blank(), package),
        packages: texts(&project.packages),
        py_modules: texts(&project.py_modules),
        modules: Spanned::new(Span::new_blank(), raw_modules),
        build: None,
        test: None,
        options: BTreeMap::new(),
        sdist: None,
        allow_outside_links: Vec::new(),
    };
    Imported {
        recipe,
        license_note,
        module_notes,
    }
}

/// `package:` from the backend's METADATA, and the comment lines for its license.
fn package(project: &ProjectImport) -> (RawPackage, Vec<String>) {
    let meta = &project.metadata;
    let first = |field: &str| meta.first(field).map(text);
    let all =
        |field: &str| -> Vec<String> { meta.all(field).into_iter().map(str::to_string).collect() };
    let mut license_note = Vec::new();
    let license = match (meta.first("License-Expression"), meta.first("License")) {
        (Some(expression), _) => Some(text(expression)),
        (None, Some(license)) => {
            // METADATA's License is free text; the recipe wants an SPDX expression (PEP 639),
            // and refuses anything else.
            let said = serde_json::to_string(license).unwrap_or_default();
            license_note.push(format!(
                "license: an SPDX expression (PEP 639); setup.py said {said}"
            ));
            let canonical = crate::recipe::canonical_spdx(license);
            if canonical.is_none() {
                license_note.push("license: write the SPDX expression here".into());
            }
            canonical.map(text)
        }
        (None, None) => None,
    };
    let people = |names: &str, emails: &str| -> Vec<RawPerson> {
        metadata::people(meta.first(names), meta.first(emails))
            .into_iter()
            .map(|(name, email)| RawPerson {
                name: name.map(text),
                email: email.map(text),
            })
            .collect()
    };
    let mut urls = BTreeMap::new();
    if let Some(home) = meta.first("Home-page") {
        urls.insert("Homepage".to_string(), text(home));
    }
    if let Some(download) = meta.first("Download-URL") {
        urls.insert("Download".to_string(), text(download));
    }
    for value in meta.all("Project-URL") {
        if let Some((label, url)) = value.split_once(',') {
            urls.insert(label.trim().to_string(), text(url.trim()));
        }
    }
    let keywords: Vec<SStr> = meta
        .first("Keywords")
        .map(|k| {
            k.split(if k.contains(',') { ',' } else { ' ' })
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(text)
                .collect()
        })
        .unwrap_or_default();
    let split: Vec<metadata::SplitRequirement> = meta
        .all("Requires-Dist")
        .into_iter()
        .filter_map(metadata::split_requirement)
        .collect();
    // cffi-wheel adds the cffi its generated code needs; the project's own cffi requirement
    // stays too (cmarkgfm asks for cffi>=2.0.0, more than the generated code needs).
    let dependencies: Vec<SStr> = split
        .iter()
        .filter(|r| r.extra.is_none())
        .map(|r| text(&r.requirement))
        .collect();
    let extras = metadata::extras(meta, &split);
    let group = |wanted: &str| -> SMap<SStr> {
        let entries = project.entry_points.iter().filter(|(g, _)| g == wanted);
        smap(entries.flat_map(|(_, e)| e.iter().map(|(n, v)| (n.clone(), text(v)))))
    };
    let other_groups = project
        .entry_points
        .iter()
        .filter(|(g, _)| !matches!(g.as_str(), "console_scripts" | "gui_scripts"))
        .map(|(g, entries)| {
            let entries = entries.iter().map(|(n, v)| (n.clone(), text(v)));
            (g.clone(), smap(entries))
        });
    let package = RawPackage {
        name: first("Name").unwrap_or_else(|| text("")),
        version: first("Version"),
        version_file: None,
        summary: first("Summary"),
        requires_python: first("Requires-Python"),
        dependencies,
        optional_dependencies: smap(extras.into_iter().map(|(e, r)| (e, texts(&r)))),
        scripts: group("console_scripts"),
        gui_scripts: group("gui_scripts"),
        entry_points: smap(other_groups),
        license,
        license_files: texts(&all("License-File")),
        readme: project.readme.as_ref().map(text),
        readme_content_type: None,
        authors: people("Author", "Author-email"),
        maintainers: people("Maintainer", "Maintainer-email"),
        urls,
        keywords,
        classifiers: texts(&all("Classifier")),
    };
    (package, license_note)
}

/// Paths as a recipe takes them: relative to the project when inside it (a build script
/// may have made them absolute with `os.path.abspath(__file__)`).
fn project_paths(root: &Path, paths: &[String]) -> Option<Vec<SStr>> {
    let relative: Vec<String> = paths
        .iter()
        .map(|p| {
            let path = Path::new(p);
            if !path.is_absolute() {
                return p.clone();
            }
            let normal = super::lexical(path);
            match normal.strip_prefix(root) {
                Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
                Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
                Err(_) => p.clone(),
            }
        })
        .collect();
    some_texts(&relative)
}

/// A module converted to recipe keys: the script's cdef, source and `set_source` keywords.
fn inline(root: &Path, name: &str, description: &ScriptDescription) -> RawModule {
    let settings = &description.settings;
    let define_macros: BTreeMap<String, Option<SStr>> = settings
        .define_macros
        .iter()
        .map(|(name, value)| (name.clone(), value.as_ref().map(text)))
        .collect();
    RawModule {
        name: Some(text(name)),
        cdef: Some(text(&description.cdef)),
        source: Some(text(&description.source)),
        sources: project_paths(root, &settings.sources),
        include_dirs: project_paths(root, &settings.include_dirs),
        libraries: some_texts(&settings.libraries),
        library_dirs: project_paths(root, &settings.library_dirs),
        define_macros: (!define_macros.is_empty()).then_some(define_macros),
        undef_macros: some_texts(&settings.undef_macros),
        extra_compile_args: some_texts(&settings.extra_compile_args),
        extra_link_args: some_texts(&settings.extra_link_args),
        extra_objects: project_paths(root, &settings.extra_objects),
        language: description.cplusplus.then(|| text("c++")),
        ..RawModule::default()
    }
}

/// The recipe text: the value serialized key by key, with the comments put before the
/// keys (or list entries) they are about.
fn write(imported: &Imported) -> Result<String, MigrateError> {
    let value = serde_norway::to_value(&imported.recipe).map_err(MigrateError::Yaml)?;
    let mut out = String::from(HEADER);
    for (key, value) in mapping(&value) {
        let name = key.as_str().unwrap_or_default();
        match value {
            Value::Mapping(entries) if name == "package" => {
                out.push_str("package:\n");
                let mut note = imported.license_note.as_slice();
                for (key, value) in entries {
                    if key.as_str() == Some("license") {
                        push_comments(&mut out, "  ", std::mem::take(&mut note));
                    }
                    out.push_str(&indented(&entry(key, value)?, "  "));
                }
                push_comments(&mut out, "  ", note);
            }
            Value::Sequence(items) if name == "modules" => {
                out.push_str("\nmodules:\n");
                for (index, item) in items.iter().enumerate() {
                    let note = imported.module_notes.get(index).cloned().flatten();
                    push_comments(&mut out, "  ", note.as_slice());
                    let item = serde_norway::to_string(&vec![item]).map_err(MigrateError::Yaml)?;
                    out.push_str(&indented(&item, "  "));
                }
            }
            _ => out.push_str(&entry(key, value)?),
        }
    }
    Ok(out)
}

/// The entries of a mapping value (none for anything else).
fn mapping(value: &Value) -> Vec<(&Value, &Value)> {
    match value {
        Value::Mapping(map) => map.iter().collect(),
        _ => Vec::new(),
    }
}

/// `key: value` as YAML.
fn entry(key: &Value, value: &Value) -> Result<String, MigrateError> {
    let mut one = Mapping::new();
    one.insert(key.clone(), value.clone());
    serde_norway::to_string(&one).map_err(MigrateError::Yaml)
}

fn push_comments(out: &mut String, indent: &str, lines: &[String]) {
    for line in lines {
        // A comment is one line: a reason that spans lines stays a comment.
        out.push_str(&format!("{indent}# {}\n", line.replace(['\n', '\r'], " ")));
    }
}

/// `yaml` with every non-empty line indented: a block, literal scalars included, moved
/// right as a whole stays the same YAML.
fn indented(yaml: &str, indent: &str) -> String {
    yaml.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("{indent}{line}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
