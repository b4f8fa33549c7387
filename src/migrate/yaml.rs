//! Writing the imported recipe as YAML: double-quoted scalars (JSON strings are valid YAML)
//! and literal blocks for C text, so what is written reads back exactly.

use super::{ImportedModule, SetupInfo};

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

/// The recipe text.
pub(super) fn render(
    setup: &SetupInfo,
    packages: &[String],
    modules: &[ImportedModule],
    fallback_name: &str,
) -> String {
    let mut out = String::from(
        "# Written by `cffi-wheel import` from setup.py/setup.cfg; see docs/recipe.md.\n",
    );
    out.push_str("package:\n");
    let name = setup.name.as_deref().unwrap_or(fallback_name);
    out.push_str(&format!("  name: {}\n", scalar(name)));
    out.push_str(&format!(
        "  version: {}\n",
        // write_recipe refuses a project without a literal version.
        scalar(setup.version.as_deref().unwrap_or_default())
    ));
    if let Some(summary) = &setup.description {
        out.push_str(&format!(
            "  summary: {}\n",
            scalar(summary.lines().next().unwrap_or(""))
        ));
    }
    if let Some(requires) = &setup.python_requires {
        out.push_str(&format!("  requires_python: {}\n", scalar(requires)));
    }
    if let Some(license) = &setup.license {
        // setup.py's license is free text; the recipe wants an SPDX expression (PEP 639).
        out.push_str("  # license: an SPDX expression (PEP 639); check what setup.py said\n");
        out.push_str(&format!("  license: {}\n", scalar(license)));
    }
    if setup.author.is_some() || setup.author_email.is_some() {
        out.push_str("  authors:\n");
        let mut first = true;
        for (key, value) in [("name", &setup.author), ("email", &setup.author_email)] {
            if let Some(value) = value {
                let lead = if first { "    - " } else { "      " };
                out.push_str(&format!("{lead}{key}: {}\n", scalar(value)));
                first = false;
            }
        }
    }
    // cffi itself is added for every wheel, with the floor the generated code needs.
    let dependencies: Vec<String> = setup
        .install_requires
        .iter()
        .filter(|r| {
            let name: String = r
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            !name.eq_ignore_ascii_case("cffi")
        })
        .cloned()
        .collect();
    list(&mut out, "  ", "dependencies", &dependencies);
    list(&mut out, "", "packages", packages);
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
            ImportedModule::Inline { name, description } => inline(&mut out, name, description),
        }
    }
    out
}

fn inline(out: &mut String, name: &str, description: &crate::codegen::ScriptDescription) {
    out.push_str(&format!("  - name: {}\n", scalar(name)));
    text_field(out, "    ", "cdef", &description.cdef);
    text_field(out, "    ", "source", &description.source);
    let settings = &description.settings;
    list(out, "    ", "sources", &settings.sources);
    list(out, "    ", "include_dirs", &settings.include_dirs);
    list(out, "    ", "libraries", &settings.libraries);
    list(out, "    ", "library_dirs", &settings.library_dirs);
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
    list(out, "    ", "extra_objects", &settings.extra_objects);
    if description.cplusplus {
        out.push_str("    language: \"c++\"\n");
    }
}
