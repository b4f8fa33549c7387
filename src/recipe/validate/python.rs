//! Keys about the Python side of the distribution: extras (`optional_dependencies`), entry
//! points (`scripts`, `gui_scripts`, `entry_points`) and top-level modules (`py_modules`).

use std::collections::BTreeMap;
use std::str::FromStr;

use super::super::raw::{RawPackage, SMap, SStr};
use super::super::{Extra, Module, PyModule, RecipeError};
use super::Ctx;

/// The entry point group of `scripts`.
pub(super) const CONSOLE_SCRIPTS: &str = "console_scripts";
/// The entry point group of `gui_scripts`.
pub(super) const GUI_SCRIPTS: &str = "gui_scripts";

/// Entry points by group, then name.
type EntryPoints = BTreeMap<String, BTreeMap<String, String>>;

impl Ctx<'_> {
    /// `optional_dependencies`: names normalised (PEP 685) and unique, requirements PEP 508.
    pub(super) fn optional_dependencies(
        &self,
        raw: &SMap<Vec<SStr>>,
    ) -> Result<Vec<Extra>, RecipeError> {
        let mut extras: Vec<(Extra, &SStr)> = Vec::new();
        for (name, requirements) in raw.iter() {
            let normalised = pep508_rs::ExtraName::from_str(name)
                .ok()
                .filter(|_| !name.is_empty())
                .ok_or_else(|| {
                    self.err(
                        name,
                        format!("invalid extra name `{}`", name.as_str()),
                        "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
                    )
                })?
                .to_string();
            if let Some((_, first)) = extras.iter().find(|(e, _)| e.name == normalised) {
                return Err(self.err(
                    name,
                    format!(
                        "extras `{}` and `{}` are the same extra, `{normalised}` (PEP 685)",
                        first.as_str(),
                        name.as_str()
                    ),
                    "merge the two lists under one name",
                ));
            }
            let requirements = requirements
                .iter()
                .map(|req| {
                    requirement(req).map_err(|e| {
                        let e = requirement_error(&e);
                        self.err(
                            req,
                            format!(
                                "invalid requirement `{}` in extra `{}`: {e}",
                                req.as_str(),
                                name.as_str()
                            ),
                            "use a PEP 508 requirement such as `pytest>=7`",
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            extras.push((
                Extra {
                    name: normalised,
                    requirements,
                },
                name,
            ));
        }
        Ok(extras.into_iter().map(|(extra, _)| extra).collect())
    }

    /// `scripts`, `gui_scripts` and `entry_points` as one table of groups.
    pub(super) fn entry_points(&self, raw: &RawPackage) -> Result<EntryPoints, RecipeError> {
        let mut groups = EntryPoints::new();
        let scripts = [
            (CONSOLE_SCRIPTS, &raw.scripts),
            (GUI_SCRIPTS, &raw.gui_scripts),
        ];
        for (group, entries) in scripts {
            self.entry_group(&mut groups, group, entries, true)?;
        }
        for (group, entries) in raw.entry_points.iter() {
            if let Some(key) = [(CONSOLE_SCRIPTS, "scripts"), (GUI_SCRIPTS, "gui_scripts")]
                .iter()
                .find_map(|(g, key)| (group.as_str() == *g).then_some(*key))
            {
                return Err(self.script_group_in_entry_points(group, key));
            }
            let bad = group.is_empty()
                || group.trim() != group.as_str()
                || group.contains(['[', ']', '\n', '\r', '=']);
            if bad {
                return Err(self.err(
                    group,
                    format!("invalid entry point group `{}`", group.as_str()),
                    "use letters, digits, `_`, `.` and `-`, such as `pytest11` or `babel.extractors`",
                ));
            }
            self.entry_group(&mut groups, group, entries, false)?;
        }
        Ok(groups)
    }

    /// PEP 621: scripts are not written as `console_scripts`/`gui_scripts` entry points.
    fn script_group_in_entry_points(&self, group: &SStr, key: &str) -> RecipeError {
        if super::super::is_pyproject(self.locator.file()) {
            let table = key.replace('_', "-");
            self.err(
                group,
                format!(
                    "[project.entry-points] may not have a `{}` group (PEP 621)",
                    group.as_str()
                ),
                &format!("move these entries to [project.{table}]"),
            )
        } else {
            self.err(
                group,
                format!(
                    "`{}` entry points are written under `{key}`",
                    group.as_str()
                ),
                &format!("move these entries to `package.{key}`"),
            )
        }
    }

    /// One group's entries, checked, added to `groups`.
    fn entry_group(
        &self,
        groups: &mut EntryPoints,
        group: &str,
        entries: &SMap<SStr>,
        script: bool,
    ) -> Result<(), RecipeError> {
        let what = match group {
            CONSOLE_SCRIPTS => "console script",
            GUI_SCRIPTS => "GUI script",
            _ => "entry point",
        };
        for (name, value) in entries.iter() {
            let bad_name = name.is_empty()
                || name.trim() != name.as_str()
                || name.starts_with('[')
                || name.contains(['=', '\n', '\r'])
                || (script && (name.contains(['/', '\\']) || matches!(name.as_str(), "." | "..")));
            if bad_name {
                let help = if script {
                    "a script name becomes a file name: use letters, digits, `_`, `.` and `-`"
                } else {
                    "use letters, digits, `_`, `.` and `-`; no `=`, no leading `[`"
                };
                return Err(self.err(
                    name,
                    format!("invalid {what} name `{}`", name.as_str()),
                    help,
                ));
            }
            let reference = value.trim();
            if let Err(reason) = check_object_reference(reference, script) {
                return Err(self.err(
                    value,
                    format!(
                        "invalid object reference `{}` for {what} `{}`: {reason}",
                        value.as_str(),
                        name.as_str()
                    ),
                    if script {
                        "write `package.module:function`"
                    } else {
                        "write `package.module` or `package.module:object.attribute`"
                    },
                ));
            }
            let entries = groups.entry(group.to_string()).or_default();
            if entries
                .insert(name.as_str().to_string(), reference.to_string())
                .is_some()
            {
                return Err(self.err(
                    name,
                    format!("{what} `{}` is given twice", name.as_str()),
                    "names within a group must be unique",
                ));
            }
        }
        Ok(())
    }

    /// `py_modules`: each `name` (or `dir/name`) is an existing `name.py`, unique, and no
    /// package or extension module has its name.
    pub(super) fn py_modules(
        &self,
        raw: &[SStr],
        packages: &[String],
        modules: &[Module],
    ) -> Result<Vec<PyModule>, RecipeError> {
        let mut found: Vec<PyModule> = Vec::new();
        for entry in raw {
            let rel = self.inside(entry)?;
            let rel = rel.trim_end_matches('/');
            if rel.ends_with(".py") {
                return Err(self.err(
                    entry,
                    format!(
                        "`{}` names a file; `py_modules` lists module names",
                        entry.as_str()
                    ),
                    &format!(
                        "write `{}`: the module `name` ships `name.py`",
                        rel.trim_end_matches(".py")
                    ),
                ));
            }
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if is_keyword(name) {
                return Err(self.err(
                    entry,
                    format!("module name `{name}` is a Python keyword: it cannot be imported"),
                    "rename the file, such as `class_.py` for `class.py`",
                ));
            }
            if !is_identifier(name) {
                let help = if name.contains('.') {
                    "`py_modules` holds top-level modules; list a package's directory in `packages`"
                } else {
                    "use a Python identifier such as `helper` (the file is `helper.py`)"
                };
                return Err(self.err(entry, format!("invalid module name `{name}`"), help));
            }
            let path = format!("{rel}.py");
            self.existing(
                entry,
                &path,
                false,
                "`py_modules` names `.py` files relative to the recipe's directory, without `.py`",
            )?;
            let clash = if found.iter().any(|m| m.name == name) {
                Some("is listed twice".to_string())
            } else if let Some(package) =
                packages.iter().find(|p| p.rsplit('/').next() == Some(name))
            {
                Some(format!("is also the package `{package}`"))
            } else if modules.iter().any(|m| m.name == name) {
                Some("is also an extension module".to_string())
            } else {
                None
            };
            if let Some(clash) = clash {
                return Err(self.err(
                    entry,
                    format!("top-level module `{name}` {clash}"),
                    "each top-level name can be installed once",
                ));
            }
            found.push(PyModule {
                name: name.to_string(),
                path,
            });
        }
        Ok(found)
    }
}

/// Checks an entry point's object reference (the PyPA entry points specification):
/// `module.sub` or `module.sub:attr.attr`, every part a Python identifier; a script needs the
/// `:attr` part (it is called).
fn check_object_reference(reference: &str, script: bool) -> Result<(), &'static str> {
    if reference.contains('[') {
        return Err("extras on entry points (`[extra]`) are not supported");
    }
    let (module, attr) = match reference.split_once(':') {
        Some((module, attr)) => (module.trim_end(), Some(attr.trim_start())),
        None => (reference, None),
    };
    if !is_dotted(module) {
        return Err("the module part must be dotted Python identifiers");
    }
    match attr {
        Some(attr) if !is_dotted(attr) => Err("after `:` must come dotted Python identifiers"),
        None if script => Err("a script needs `:function` after the module"),
        _ => Ok(()),
    }
}

/// `a.b_c.d`, each part a Python identifier.
fn is_dotted(name: &str) -> bool {
    name.split('.').all(is_identifier)
}

/// A Python identifier: a letter or `_`, then letters, digits or `_` (Unicode letters and
/// digits count, as in Python 3).
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// Python 3's keywords: a module named so cannot be imported with `import`.
pub(super) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    KEYWORDS.contains(&name)
}

/// Parses a PEP 508 requirement. pep508_rs 0.9.2 panics on a package or extra name that ends
/// in `.`, `-` or `_` (`pytest_>=7`, `pytest[cov_]`; found by fuzzing); here that is the error
/// pep508_rs gives for such a name at the end of the input.
pub(super) fn requirement(text: &str) -> Result<pep508_rs::Requirement, pep508_rs::Pep508Error> {
    // Its cursor also slices inside multi-byte characters (found by fuzzing, in a marker);
    // a requirement in a recipe is ASCII.
    if let Some((start, c)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
        return Err(pep508_rs::Pep508Error {
            message: pep508_rs::Pep508ErrorSource::String(format!(
                "requirements are ASCII; found `{c}`"
            )),
            start,
            len: c.len_utf8(),
            input: text.to_string(),
        });
    }
    if let Some((start, last)) = separator_ending_name(text) {
        return Err(pep508_rs::Pep508Error {
            message: pep508_rs::Pep508ErrorSource::String(format!(
                "Package name must end with an alphanumeric character, not '{last}'"
            )),
            start,
            len: 1,
            input: text.to_string(),
        });
    }
    pep508_rs::Requirement::from_str(text)
}

/// pep508_rs's error text: the message, the requirement and a caret line under the bad part.
/// Written here because pep508_rs 0.9.2's `Display` slices the requirement at positions that
/// can fall inside a multi-byte character, and panics (found by fuzzing).
pub(super) fn requirement_error(e: &pep508_rs::Pep508Error) -> String {
    let input = &e.input;
    let end = e.start.saturating_add(e.len).min(input.len());
    match (input.get(..e.start), input.get(e.start..end)) {
        (Some(before), Some(token)) => format!(
            "{}\n{input}\n{}{}",
            e.message,
            " ".repeat(before.chars().count()),
            "^".repeat(token.chars().count().max(1))
        ),
        _ => e.message.to_string(),
    }
}

/// The byte offset and character ending the first name of `text` that pep508_rs 0.9.2 would
/// accept up to that character and then panic on: the package name when more text follows,
/// or an extra in `[...]` followed by `,`, `]`, whitespace or the end.
fn separator_ending_name(text: &str) -> Option<(usize, char)> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let skip_space = |i: usize| {
        text[i..]
            .find(|c: char| !c.is_whitespace())
            .map_or(text.len(), |n| i + n)
    };
    let name_end = |i: usize| {
        text[i..]
            .find(|c: char| !is_name(c))
            .map_or(text.len(), |n| i + n)
    };
    let bad = |start: usize, end: usize| {
        let name = &text[start..end];
        let first = name.chars().next()?;
        let last = name.chars().last()?;
        (first.is_ascii_alphanumeric() && matches!(last, '.' | '-' | '_'))
            .then_some((end - 1, last))
    };
    let start = skip_space(0);
    let end = name_end(start);
    if end < text.len()
        && let Some(found) = bad(start, end)
    {
        return Some(found);
    }
    let mut at = skip_space(end);
    if !text[at..].starts_with('[') {
        return None;
    }
    at += 1;
    loop {
        let start = skip_space(at);
        let end = name_end(start);
        let next = text[end..].chars().next();
        if next.is_none_or(|c| matches!(c, ',' | ']') || c.is_whitespace())
            && let Some(found) = bad(start, end)
        {
            return Some(found);
        }
        let after = skip_space(end);
        if !text[after..].starts_with(',') {
            return None;
        }
        at = after + 1;
    }
}
