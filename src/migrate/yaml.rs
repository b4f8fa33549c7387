//! Writing the imported recipe as YAML: double-quoted scalars (JSON strings are valid YAML)
//! and literal blocks for C text, so what is written reads back exactly.

use std::path::Path;

use super::{ImportedModule, ProjectImport, metadata};

/// A YAML scalar for `text`.
fn scalar(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// `key: value` or, for multi-line text, a literal block at `indent`.
fn text_field(out: &mut String, indent: &str, key: &str, text: &str) {
    let starts_with_space = text.starts_with([' ', '\t']);
    if !text.contains('\n') || starts_with_space || text.contains('\t') {
        out.push_str(&format!("{indent}{key}: {}\n", scalar(text)));
        return;
    }
    let chomp = if text.ends_with('\n') { "" } else { "-" };
    out.push_str(&format!("{indent}{key}: |{chomp}\n"));
    for line in text.trim_end_matches('\n').lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}  {line}\n"));
        }
    }
}

fn list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let quoted: Vec<String> = items.iter().map(|i| scalar(i)).collect();
    out.push_str(&format!("{indent}{key}: [{}]\n", quoted.join(", ")));
}

/// A mapping of scalars at `indent`.
fn mapping(out: &mut String, indent: &str, key: &str, items: &[(String, String)]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("{indent}{key}:\n"));
    for (name, value) in items {
        out.push_str(&format!("{indent}  {}: {}\n", scalar(name), scalar(value)));
    }
}

/// The recipe text.
pub(super) fn render(project: &ProjectImport, modules: &[ImportedModule]) -> String {
    let meta = &project.metadata;
    let mut out = String::from(
        "# Written by `cffi-wheel import` from what the project's setuptools says (its \
         METADATA,\n# entry points and wheel contents); see docs/recipe.md.\n",
    );
    out.push_str("package:\n");
    for (key, field) in [
        ("name", "Name"),
        ("version", "Version"),
        ("summary", "Summary"),
        ("requires_python", "Requires-Python"),
    ] {
        if let Some(value) = meta.first(field) {
            out.push_str(&format!("  {key}: {}\n", scalar(value)));
        }
    }
    if let Some(expression) = meta.first("License-Expression") {
        out.push_str(&format!("  license: {}\n", scalar(expression)));
    } else if let Some(license) = meta.first("License") {
        // METADATA's License is free text; the recipe wants an SPDX expression (PEP 639),
        // and refuses anything else.
        out.push_str(&format!(
            "  # license: an SPDX expression (PEP 639); setup.py said {}\n",
            scalar(license)
        ));
        match crate::recipe::canonical_spdx(license) {
            Some(expression) => out.push_str(&format!("  license: {}\n", scalar(&expression))),
            None => out.push_str("  # license: write the SPDX expression here\n"),
        }
    }
    let license_files: Vec<String> = meta
        .all("License-File")
        .into_iter()
        .map(str::to_string)
        .collect();
    list(&mut out, "  ", "license_files", &license_files);
    if let Some(readme) = &project.readme {
        out.push_str(&format!("  readme: {}\n", scalar(readme)));
    }
    for (key, names, emails) in [
        ("authors", "Author", "Author-email"),
        ("maintainers", "Maintainer", "Maintainer-email"),
    ] {
        let people = metadata::people(meta.first(names), meta.first(emails));
        if people.is_empty() {
            continue;
        }
        out.push_str(&format!("  {key}:\n"));
        for (name, email) in people {
            let mut lead = "    - ";
            for (key, value) in [("name", name), ("email", email)] {
                if let Some(value) = value {
                    out.push_str(&format!("{lead}{key}: {}\n", scalar(&value)));
                    lead = "      ";
                }
            }
        }
    }
    let mut urls: Vec<(String, String)> = Vec::new();
    if let Some(home) = meta.first("Home-page") {
        urls.push(("Homepage".into(), home.to_string()));
    }
    if let Some(download) = meta.first("Download-URL") {
        urls.push(("Download".into(), download.to_string()));
    }
    for value in meta.all("Project-URL") {
        if let Some((label, url)) = value.split_once(',') {
            urls.push((label.trim().to_string(), url.trim().to_string()));
        }
    }
    mapping(&mut out, "  ", "urls", &urls);
    let keywords: Vec<String> = meta
        .first("Keywords")
        .map(|k| {
            k.split(if k.contains(',') { ',' } else { ' ' })
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    list(&mut out, "  ", "keywords", &keywords);
    let classifiers: Vec<String> = meta
        .all("Classifier")
        .into_iter()
        .map(str::to_string)
        .collect();
    if !classifiers.is_empty() {
        out.push_str("  classifiers:\n");
        for classifier in classifiers {
            out.push_str(&format!("    - {}\n", scalar(&classifier)));
        }
    }
    let split: Vec<metadata::SplitRequirement> = meta
        .all("Requires-Dist")
        .into_iter()
        .filter_map(metadata::split_requirement)
        .collect();
    // cffi-wheel adds the cffi its generated code needs; the project's own cffi requirement
    // stays too (cmarkgfm asks for cffi>=2.0.0, more than the generated code needs).
    let dependencies: Vec<String> = split
        .iter()
        .filter(|r| r.extra.is_none())
        .map(|r| r.requirement.clone())
        .collect();
    list(&mut out, "  ", "dependencies", &dependencies);
    let extras = metadata::extras(meta, &split);
    if !extras.is_empty() {
        out.push_str("  optional_dependencies:\n");
        for (extra, requirements) in &extras {
            let quoted: Vec<String> = requirements.iter().map(|r| scalar(r)).collect();
            out.push_str(&format!("    {}: [{}]\n", scalar(extra), quoted.join(", ")));
        }
    }
    let mut groups = Vec::new();
    for (group, entries) in &project.entry_points {
        match group.as_str() {
            "console_scripts" => mapping(&mut out, "  ", "scripts", entries),
            "gui_scripts" => mapping(&mut out, "  ", "gui_scripts", entries),
            _ => groups.push((group, entries)),
        }
    }
    if !groups.is_empty() {
        out.push_str("  entry_points:\n");
        for (group, entries) in groups {
            out.push_str(&format!("    {}:\n", scalar(group)));
            for (name, value) in entries {
                out.push_str(&format!("      {}: {}\n", scalar(name), scalar(value)));
            }
        }
    }
    list(&mut out, "", "packages", &project.packages);
    list(&mut out, "", "py_modules", &project.py_modules);
    out.push_str("\nmodules:\n");
    for module in modules {
        match module {
            ImportedModule::Script {
                script,
                ext_package,
                reason,
            } => {
                out.push_str(&format!("  # kept as a script: {reason}\n"));
                out.push_str(&format!("  - script: {}\n", scalar(script)));
                if let Some(package) = ext_package {
                    out.push_str(&format!("    ext_package: {}\n", scalar(package)));
                }
            }
            ImportedModule::Inline { name, description } => {
                inline(&mut out, &project.root, name, description)
            }
        }
    }
    out
}

/// Paths as a recipe takes them: relative to the project when inside it (a build script
/// may have made them absolute with `os.path.abspath(__file__)`).
fn project_paths(root: &Path, paths: &[String]) -> Vec<String> {
    paths
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
        .collect()
}

fn inline(
    out: &mut String,
    root: &Path,
    name: &str,
    description: &crate::codegen::ScriptDescription,
) {
    out.push_str(&format!("  - name: {}\n", scalar(name)));
    text_field(out, "    ", "cdef", &description.cdef);
    text_field(out, "    ", "source", &description.source);
    let settings = &description.settings;
    list(
        out,
        "    ",
        "sources",
        &project_paths(root, &settings.sources),
    );
    list(
        out,
        "    ",
        "include_dirs",
        &project_paths(root, &settings.include_dirs),
    );
    list(out, "    ", "libraries", &settings.libraries);
    list(
        out,
        "    ",
        "library_dirs",
        &project_paths(root, &settings.library_dirs),
    );
    if !settings.define_macros.is_empty() {
        out.push_str("    define_macros:\n");
        for (macro_name, value) in &settings.define_macros {
            let value = value.as_deref().map_or_else(|| "null".to_string(), scalar);
            out.push_str(&format!("      {}: {value}\n", scalar(macro_name)));
        }
    }
    list(out, "    ", "undef_macros", &settings.undef_macros);
    list(
        out,
        "    ",
        "extra_compile_args",
        &settings.extra_compile_args,
    );
    list(out, "    ", "extra_link_args", &settings.extra_link_args);
    list(
        out,
        "    ",
        "extra_objects",
        &project_paths(root, &settings.extra_objects),
    );
    if description.cplusplus {
        out.push_str("    language: \"c++\"\n");
    }
}
