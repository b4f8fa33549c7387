//! From recipe text to raw types: YAML (or pyproject.toml, through the same node tree),
//! with serde's complaints turned into located errors in the recipe's own terms.

use marked_yaml::spanned_serde::Error as NodeError;
use marked_yaml::{LoadError, LoaderOptions, Node, Span};

use super::raw::RawRecipe;
use super::{Locator, RecipeError};

/// Reads YAML into raw types; unknown keys, missing keys and wrong types become located errors.
pub(super) fn deserialize(locator: &Locator, text: &str) -> Result<RawRecipe, RecipeError> {
    let node = if super::is_pyproject(locator.file()) {
        super::pyproject::to_node(locator, text)?
    } else {
        let options = LoaderOptions::default().error_on_duplicate_keys(true);
        marked_yaml::parse_yaml_with_options(0, text, options)
            .map_err(|e| load_error(locator, e))?
    };
    no_list_for_a_mapping(locator, &node)?;
    let mut raw: RawRecipe = marked_yaml::from_node(&node).map_err(|e| {
        let span = e.path().and_then(|path| {
            let unknown = match &*e {
                NodeError::UnknownFieldError(field, _, _) => Some(field.as_str()),
                _ => None,
            };
            span_at_path(&node, path, unknown)
        });
        node_error(locator, e.into_inner(), span)
    })?;
    raw.locate_keys(&node);
    Ok(raw)
}

/// serde reads a list into a struct field by field (`build: [cp311]` is `interpreters:
/// cp311`), which gives a baffling error about the first field: where the recipe has a
/// mapping, a list is reported as what it is.
fn no_list_for_a_mapping(locator: &Locator, root: &Node) -> Result<(), RecipeError> {
    let Some(top) = root.as_mapping() else {
        return Ok(());
    };
    for key in ["package", "build", "test", "sdist"] {
        if let Some(node) = top.get_node(key) {
            mapping(locator, node, &format!("`{key}`"))?;
        }
    }
    if let Some(package) = top.get_node("package") {
        for key in ["authors", "maintainers"] {
            for person in items(field(package, key)) {
                mapping(locator, person, &format!("an entry of `{key}`"))?;
            }
        }
    }
    for module in items(top.get_node("modules")) {
        mapping(locator, module, "a module")?;
        let overrides = items(field(module, "overrides"));
        for module_like in std::iter::once(module).chain(overrides) {
            mapping(locator, module_like, "an override")?;
            for step in items(field(module_like, "prebuild")) {
                mapping(locator, step, "a prebuild step")?;
            }
        }
    }
    Ok(())
}

/// The value of `key` in a mapping node.
fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.as_mapping().and_then(|m| m.get_node(key))
}

/// The items of a list node (none for anything else).
fn items(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    node.and_then(Node::as_sequence)
        .into_iter()
        .flat_map(|s| s.iter())
}

/// `node`, which the recipe has as `what`, is no list.
fn mapping(locator: &Locator, node: &Node, what: &str) -> Result<(), RecipeError> {
    match node {
        Node::Sequence(list) => Err(locator.error(
            list.span(),
            format!("wrong type: {what} must be a mapping, not a list"),
            Some("write `key: value` lines (see docs/recipe.md for the keys)".into()),
        )),
        _ => Ok(()),
    }
}

/// Finds the node that serde's path (`modules[0].libraries`) names; for an unknown key, the
/// key itself; for a mapping, its first key (its own start mark points past it).
fn span_at_path(root: &Node, path: &str, unknown_key: Option<&str>) -> Option<Span> {
    let mut node = root;
    // For an unknown key, serde's path ends with the key itself: stop at its mapping.
    let path = match unknown_key {
        Some(key) => path
            .strip_suffix(key)
            .map_or(path, |p| p.trim_end_matches('.')),
        None => path,
    };
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, indices) = match segment.find('[') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        if !key.is_empty() {
            node = node.as_mapping()?.get_node(key)?;
        }
        for index in indices.split(['[', ']']).filter(|i| !i.is_empty()) {
            node = node.as_sequence()?.get_node(index.parse().ok()?)?;
        }
    }
    match (node.as_mapping(), unknown_key) {
        (Some(map), Some(key)) => map
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(k, _)| *k.span()),
        (Some(map), None) => map.iter().next().map(|(k, _)| *k.span()),
        _ => Some(*node.span()),
    }
}

fn load_error(locator: &Locator, error: LoadError) -> RecipeError {
    let message = format!("this is not a valid recipe: {error}");
    let at = |m: &marked_yaml::Marker| (m.line().max(1), m.column().max(1));
    let (line, column) = match &error {
        LoadError::TopLevelMustBeMapping(m)
        | LoadError::TopLevelMustBeSequence(m)
        | LoadError::UnexpectedAnchor(m)
        | LoadError::MappingKeyMustBeScalar(m)
        | LoadError::UnexpectedTag(m)
        | LoadError::ScanError(m, _) => at(m),
        LoadError::DuplicateKey(inner) => {
            let key = inner.key.as_str();
            return locator.error(
                inner.key.span(),
                format!("the key `{key}` appears twice in the same mapping"),
                Some("remove one of the two entries".into()),
            );
        }
    };
    let help = Some("recipes are YAML mappings; see docs/recipe.md for the keys".to_string());
    locator.error_at(line, column, message, help)
}

fn node_error(locator: &Locator, error: NodeError, span: Option<Span>) -> RecipeError {
    let span = span.unwrap_or(match &error {
        NodeError::NotBoolean(s)
        | NodeError::IntegerParseFailure(_, s)
        | NodeError::FloatParseFailure(_, s)
        | NodeError::UnknownFieldError(_, _, s)
        | NodeError::Other(_, s) => *s,
    });
    match &error {
        NodeError::UnknownFieldError(field, expected, _) => {
            let help = match closest(field, expected) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the keys allowed here are: {}", expected.join(", ")),
            };
            locator.error(&span, format!("unknown key `{field}`"), Some(help))
        }
        NodeError::Other(message, _) => {
            let (message, help) = explain_serde_message(message);
            locator.error(&span, message, help)
        }
        other => locator.error(&span, other.to_string(), None),
    }
}

/// Rewords serde's messages in the recipe's terms.
fn explain_serde_message(message: &str) -> (String, Option<String>) {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let help = format!("add `{field}:` to this mapping (see docs/recipe.md)");
        return (format!("missing key `{field}`"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "something else"));
        let expected = match expected {
            "a sequence" => "a list",
            "a map" | "struct" => "a mapping",
            // serde names our Rust type (`struct RawModule`); in the recipe's terms, a mapping.
            other if other.starts_with("struct ") => "a mapping",
            other => other,
        };
        return (
            format!(
                "wrong type: expected {expected}, found {}",
                describe_found(found)
            ),
            Some(
                "lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines"
                    .into(),
            ),
        );
    }
    (message.to_string(), None)
}

/// serde's description of a value, in YAML's terms. marked-yaml keeps every scalar as text,
/// so the scalar's own spelling tells what the user wrote.
fn describe_found(found: &str) -> String {
    let Some(text) = found
        .strip_prefix("string \"")
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return match found {
            "map" => "a mapping".to_string(),
            "sequence" => "a list".to_string(),
            other => other.to_string(),
        };
    };
    let kind = if text.parse::<i64>().is_ok() {
        "an integer"
    } else if text.parse::<f64>().is_ok() {
        "a number"
    } else if matches!(text, "true" | "false" | "yes" | "no") {
        "a boolean"
    } else {
        "a single value"
    };
    format!("{kind} `{text}`")
}

/// The known key most like `field`, if any is close.
pub(super) fn closest<'a>(field: &str, expected: &[&'a str]) -> Option<&'a str> {
    expected
        .iter()
        .map(|k| (strsim::jaro_winkler(field, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
