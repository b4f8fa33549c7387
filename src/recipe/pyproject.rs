//! `pyproject.toml` as the recipe: `[project]` (PEP 621, PEP 639) is the metadata, and
//! `[tool.cffi-wheel]` holds the recipe's other tables (`modules`, `packages`, `build`, …).
//!
//! The TOML is turned into the same marked node tree the YAML parser makes, with spans
//! pointing into `pyproject.toml`, so one set of raw types, checks and located errors
//! serves both files.

use std::borrow::Cow;
use std::ops::Range;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{Marker, Node, Span};
use toml::de::{DeTable, DeValue};

use super::{Locator, RecipeError};

/// `[project]` keys and the recipe's `package` keys they become.
pub(super) const PROJECT_KEYS: &[(&str, &str)] = &[
    ("name", "name"),
    ("version", "version"),
    ("description", "summary"),
    ("requires-python", "requires_python"),
    ("dependencies", "dependencies"),
    ("optional-dependencies", "optional_dependencies"),
    ("scripts", "scripts"),
    ("gui-scripts", "gui_scripts"),
    ("entry-points", "entry_points"),
    ("license", "license"),
    ("license-files", "license_files"),
    ("readme", "readme"),
    ("authors", "authors"),
    ("maintainers", "maintainers"),
    ("keywords", "keywords"),
    ("classifiers", "classifiers"),
    ("urls", "urls"),
];

/// `[project]` keys that are valid PEP 621 but not supported yet: an error, never silence.
const UNSUPPORTED: &[&str] = &["import-names", "import-namespaces"];

/// Converts byte offsets to line/column markers.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn marker(&self, offset: usize) -> Marker {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Marker::new(0, before.chars().count(), line, column)
    }

    fn span(&self, range: &Range<usize>) -> Span {
        Span::new_with_marks(self.marker(range.start), self.marker(range.end))
    }
}

/// Whether `text` has a `[tool.cffi-wheel]` table, or is no valid TOML (so that reading it
/// as the recipe reports where).
pub fn may_hold_recipe(text: &str) -> bool {
    let Ok(root) = DeTable::parse(text) else {
        return true;
    };
    root.get_ref()
        .get("tool")
        .is_some_and(|tool| match tool.get_ref() {
            DeValue::Table(t) => t.contains_key("cffi-wheel"),
            _ => false,
        })
}

/// The recipe node tree of a pyproject.toml.
pub fn to_node(locator: &Locator, text: &str) -> Result<Node, RecipeError> {
    let lines = Lines { text };
    let root = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|r| lines.marker(r.start));
        let (line, column) = at.map_or((1, 1), |m| (m.line(), m.column()));
        locator.error_at(
            line,
            column,
            format!("this is not valid TOML: {}", e.message()),
            Some(
                "fix the TOML syntax here: `key = value` pairs, quoted strings, `[table]` headers"
                    .into(),
            ),
        )
    })?;
    let root_span = lines.span(&root.span());
    let root = root.into_inner();
    let tool_table = root.get("tool").and_then(|t| match t.get_ref() {
        DeValue::Table(tool) => tool
            .get("cffi-wheel")
            .map(|c| (c.span(), c.get_ref().clone())),
        _ => None,
    });
    let Some((recipe_range, DeValue::Table(recipe))) = tool_table else {
        return Err(locator.error_at(
            1,
            1,
            "pyproject.toml has no [tool.cffi-wheel] table",
            Some("add [tool.cffi-wheel] with `modules` (see docs/recipe.md)".into()),
        ));
    };
    let mut out = match convert(&lines, &DeValue::Table(recipe), recipe_range) {
        Node::Mapping(map) => map,
        _ => MarkedMappingNode::new_empty(root_span),
    };
    rename_key(locator, &mut out, "py-modules", "py_modules")?;
    // `version-file` (for `dynamic = ["version"]`) belongs to the package.
    let version_file = out
        .keys()
        .find(|k| k.as_str() == "version-file")
        .cloned()
        .and_then(|k| out.remove(&k).map(|v| (k, v)));
    if let Some(project) = root.get("project") {
        if out.keys().any(|k| k.as_str() == "package") {
            let key = out
                .keys()
                .find(|k| k.as_str() == "package")
                .map(|k| *k.span());
            return Err(locator.error(
                &key.unwrap_or(root_span),
                "`package` is given twice: [project] and [tool.cffi-wheel].package",
                Some("keep the metadata in [project]".into()),
            ));
        }
        let mut package = project_to_package(locator, &lines, project.get_ref(), project.span())?;
        if let (Some((key, value)), Node::Mapping(map)) = (version_file, &mut package) {
            map.insert(MarkedScalarNode::new(*key.span(), "version_file"), value);
        }
        let key = MarkedScalarNode::new(lines.span(&project.span()), "package");
        out.insert(key, package);
    } else if let Some((key, _)) = version_file {
        return Err(locator.error(
            key.span(),
            "`version-file` needs a [project] table",
            Some("add [project] with `name` and `dynamic = [\"version\"]`".into()),
        ));
    }
    Ok(Node::Mapping(out))
}

/// Renames `[tool.cffi-wheel]`'s `toml_key` (the TOML spelling, as in `[tool.setuptools]`)
/// to the recipe's `key`; both given is an error.
fn rename_key(
    locator: &Locator,
    map: &mut MarkedMappingNode,
    toml_key: &str,
    key: &str,
) -> Result<(), RecipeError> {
    let Some(found) = map.keys().find(|k| k.as_str() == toml_key).cloned() else {
        return Ok(());
    };
    if map.keys().any(|k| k.as_str() == key) {
        return Err(locator.error(
            found.span(),
            format!("`{toml_key}` and `{key}` are both given"),
            Some("keep one of them".into()),
        ));
    }
    if let Some(value) = map.remove(&found) {
        map.insert(MarkedScalarNode::new(*found.span(), key), value);
    }
    Ok(())
}

/// A table's entries in the order they are written (the parsed table is sorted by key).
fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t toml::Spanned<Cow<'i, str>>,
    &'t toml::Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// `[project]` → the recipe's `package` mapping, keys renamed.
fn project_to_package(
    locator: &Locator,
    lines: &Lines<'_>,
    project: &DeValue<'_>,
    range: Range<usize>,
) -> Result<Node, RecipeError> {
    let DeValue::Table(table) = project else {
        return Err(locator.error(&lines.span(&range), "[project] must be a table", None));
    };
    if let Some(dynamic) = table.get("dynamic") {
        check_dynamic(locator, lines, table, dynamic)?;
    }
    let mut package = MarkedMappingNode::new_empty(lines.span(&range));
    for (key, value) in in_file_order(table) {
        let name = key.get_ref().as_ref();
        let key_span = lines.span(&key.span());
        if name == "dynamic" {
            continue;
        }
        if UNSUPPORTED.contains(&name) {
            return Err(locator.error(
                &key_span,
                format!("[project].{name} is not supported by cffi-wheel yet"),
                Some("remove it, or build this project with another backend for now".into()),
            ));
        }
        let Some((_, ours)) = PROJECT_KEYS.iter().find(|(pep, _)| *pep == name) else {
            let known: Vec<&str> = PROJECT_KEYS
                .iter()
                .map(|(k, _)| *k)
                .chain(["dynamic"])
                .collect();
            let help = match super::deserialize::closest(name, &known) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("PEP 621 keys cffi-wheel reads: {}", known.join(", ")),
            };
            return Err(locator.error(
                &key_span,
                format!("unknown [project] key `{name}`"),
                Some(help),
            ));
        };
        let converted = match (name, value.get_ref()) {
            // PEP 621: readme = {file = ..., content-type = ...}.
            ("readme", DeValue::Table(t)) => {
                if let Some(content_type) = t.get("content-type") {
                    package.insert(
                        MarkedScalarNode::new(
                            lines.span(&content_type.span()),
                            "readme_content_type",
                        ),
                        convert(lines, content_type.get_ref(), content_type.span()),
                    );
                }
                field(lines, t, "file", value.span())
            }
            // PEP 639 deprecates license tables; License-Expression must be SPDX.
            ("license", DeValue::Table(_)) => {
                return Err(locator.error(
                    &lines.span(&value.span()),
                    "license tables ({text = ...} / {file = ...}) are deprecated by PEP 639",
                    Some("write an SPDX expression, `license = \"MIT\"`, and list files in `license-files`".into()),
                ));
            }
            _ => convert(lines, value.get_ref(), value.span()),
        };
        package.insert(MarkedScalarNode::new(key_span, *ours), converted);
    }
    Ok(Node::Mapping(package))
}

/// `[project] dynamic`: PEP 621 fields other than `name`, none also given statically, and
/// only those cffi-wheel can fill (`version`, from `version-file`): any other would be left
/// out of METADATA without a word.
fn check_dynamic(
    locator: &Locator,
    lines: &Lines<'_>,
    project: &DeTable<'_>,
    dynamic: &toml::Spanned<DeValue<'_>>,
) -> Result<(), RecipeError> {
    let DeValue::Array(items) = dynamic.get_ref() else {
        return Err(locator.error(
            &lines.span(&dynamic.span()),
            "`dynamic` must be a list of field names",
            Some("write `dynamic = [\"version\"]`".into()),
        ));
    };
    for item in items {
        let span = lines.span(&item.span());
        let DeValue::String(field) = item.get_ref() else {
            let help = Some("write `dynamic = [\"version\"]`".into());
            return Err(locator.error(&span, "`dynamic` lists field names (strings)", help));
        };
        let field = field.as_ref();
        let (message, help) = if project.contains_key(field) {
            (
                format!("`{field}` is listed in `dynamic` and also given in [project]"),
                "PEP 621: a field is either given in [project] or listed in `dynamic`; remove one",
            )
        } else if field == "name" {
            (
                "`name` may not be dynamic (PEP 621)".to_string(),
                "give `name` in [project]",
            )
        } else if field != "version" {
            (
                format!("cffi-wheel cannot fill the dynamic field `{field}`"),
                "give it in [project]; only `version` can be dynamic (read from `[tool.cffi-wheel] version-file`)",
            )
        } else {
            continue;
        };
        return Err(locator.error(&span, message, Some(help.into())));
    }
    Ok(())
}

/// One field of an inline table, as a scalar (`readme = {file = "README.md"}` → the path).
fn field(lines: &Lines<'_>, table: &DeTable<'_>, name: &str, range: Range<usize>) -> Node {
    match table.get(name) {
        Some(value) => convert(lines, value.get_ref(), value.span()),
        None => Node::Scalar(MarkedScalarNode::new(lines.span(&range), "")),
    }
}

fn convert(lines: &Lines<'_>, value: &DeValue<'_>, range: Range<usize>) -> Node {
    let span = lines.span(&range);
    let scalar = |text: Cow<'_, str>| Node::Scalar(MarkedScalarNode::new(span, text));
    match value {
        DeValue::String(s) => scalar(Cow::Borrowed(s.as_ref())),
        DeValue::Integer(i) => scalar(Cow::Owned(i.to_string())),
        DeValue::Float(f) => scalar(Cow::Owned(f.to_string())),
        DeValue::Boolean(b) => scalar(Cow::Owned(b.to_string())),
        DeValue::Datetime(d) => scalar(Cow::Owned(d.to_string())),
        DeValue::Array(items) => {
            let mut seq: MarkedSequenceNode = items
                .iter()
                .map(|item| convert(lines, item.get_ref(), item.span()))
                .collect();
            *seq.span_mut() = span;
            Node::Sequence(seq)
        }
        DeValue::Table(table) => {
            let mut map = MarkedMappingNode::new_empty(span);
            for (key, item) in in_file_order(table) {
                let key = MarkedScalarNode::new(lines.span(&key.span()), key.get_ref().as_ref());
                map.insert(key, convert(lines, item.get_ref(), item.span()));
            }
            Node::Mapping(map)
        }
    }
}
