//! Build-time choices: named options (`--config NAME=VALUE`, defaults under `options:`) and
//! the target platform select a module's `overrides`, merged into the raw module before it
//! is checked, so errors in a selected override point at its own lines.

use std::collections::BTreeMap;

use marked_yaml::Spanned;
use serde::Serialize;

use super::raw::{RawRecipe, SStr};
use super::{Locator, RecipeError};

/// What a build chose.
#[derive(Debug, Clone, Serialize)]
pub struct BuildConfig {
    /// `--config NAME=VALUE` values.
    pub options: BTreeMap<String, String>,
    /// Target platform: `linux`, `macos` or `windows`.
    pub platform: String,
    /// Target architecture, e.g. `x86_64`.
    pub arch: String,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            options: BTreeMap::new(),
            platform: host_platform().to_string(),
            arch: std::env::consts::ARCH.to_string(),
        }
    }
}

/// `linux`, `macos`, `windows` (or the OS name elsewhere).
pub fn host_platform() -> &'static str {
    std::env::consts::OS
}

/// Parses `NAME=VALUE` (a bare `NAME` means `NAME=true`).
pub fn parse_assignment(text: &str) -> (String, String) {
    match text.split_once('=') {
        Some((name, value)) => (name.trim().to_string(), value.trim().to_string()),
        None => (text.trim().to_string(), "true".to_string()),
    }
}

/// The option values in force: the recipe's defaults, then `--config`.
fn option_values(
    raw: &RawRecipe,
    config: &BuildConfig,
) -> Result<BTreeMap<String, String>, RecipeError> {
    let mut values: BTreeMap<String, String> = raw
        .options
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().to_string()))
        .collect();
    for (name, value) in &config.options {
        if !values.contains_key(name) {
            return Err(RecipeError::UnknownOption {
                name: name.clone(),
                known: values.keys().cloned().collect(),
            });
        }
        values.insert(name.clone(), value.clone());
    }
    values.insert("platform".into(), config.platform.clone());
    values.insert("arch".into(), config.arch.clone());
    Ok(values)
}

/// Merges every override whose `when` holds into its module.
pub(super) fn apply(
    locator: &Locator,
    raw: &mut RawRecipe,
    config: &BuildConfig,
) -> Result<(), RecipeError> {
    let values = option_values(raw, config)?;
    let mut modules = Vec::new();
    for spanned in raw.modules.iter() {
        let mut module = spanned.into_inner();
        if let Some(when) = &module.when {
            return Err(misplaced(
                locator,
                when,
                "`when` belongs in an entry of `overrides`",
            ));
        }
        let overrides = module.overrides.take().unwrap_or_default();
        for over in overrides {
            let when = over.when.as_ref().ok_or_else(|| {
                locator.error(
                    over.span(),
                    "this override has no `when`",
                    Some(
                        "add `when: option`, `when: option=value` or `when: platform=linux`".into(),
                    ),
                )
            })?;
            if let Some(name) = &over.name {
                return Err(misplaced(
                    locator,
                    name,
                    "an override cannot rename its module",
                ));
            }
            if let Some(nested) = &over.overrides {
                let span = nested.first().map_or(*over.span(), |n| *n.span());
                return Err(locator.error(&span, "overrides cannot be nested", None));
            }
            if holds(locator, when, &values)? {
                module.merge(over.into_inner());
            }
        }
        modules.push(Spanned::new(*spanned.span(), module));
    }
    raw.modules = Spanned::new(*raw.modules.span(), modules);
    Ok(())
}

fn misplaced(locator: &Locator, at: &SStr, message: &str) -> RecipeError {
    locator.error(at.span(), message, None)
}

/// Evaluates `NAME`, `!NAME`, `not NAME`, `NAME=VALUE`, `NAME!=VALUE`.
fn holds(
    locator: &Locator,
    when: &SStr,
    values: &BTreeMap<String, String>,
) -> Result<bool, RecipeError> {
    let text = when.as_str().trim();
    let (negate, body) = match text.strip_prefix('!').or_else(|| text.strip_prefix("not ")) {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let (name, expected, equal) = if let Some((n, v)) = body.split_once("!=") {
        (n.trim(), Some(v.trim()), false)
    } else if let Some((n, v)) = body.split_once('=') {
        (
            n.trim(),
            Some(v.trim().trim_start_matches('=').trim()),
            true,
        )
    } else {
        (body, None, true)
    };
    let Some(actual) = values.get(name) else {
        let known: Vec<&str> = values.keys().map(String::as_str).collect();
        return Err(locator.error(
            when.span(),
            format!("unknown option `{name}` in `when`"),
            Some(format!(
                "declare it under `options:`; known: {}",
                known.join(", ")
            )),
        ));
    };
    let result = match expected {
        Some(value) => (actual == value) == equal,
        None => is_true(actual),
    };
    Ok(result != negate)
}

fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "yes" | "on" | "1"
    )
}

/// `Spanned<T>` → `T` (marked-yaml has no `into_inner`).
trait IntoInner<T> {
    fn into_inner(self) -> T;
}

impl<T: Clone> IntoInner<T> for &Spanned<T> {
    fn into_inner(self) -> T {
        (**self).clone()
    }
}

impl<T: Clone> IntoInner<T> for Spanned<T> {
    fn into_inner(self) -> T {
        (*self).clone()
    }
}
