//! The `.dist-info/METADATA` (core metadata 2.4) and `.dist-info/WHEEL` files.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
use serde::{Deserialize, Serialize};

use super::{WheelError, check_archive_path};
use crate::tags::WheelTag;

/// An author or maintainer, as in `pyproject.toml`'s `authors` and `maintainers` (PEP 621): a
/// name, an email, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The person's name.
    pub name: Option<String>,
    /// The person's email address.
    pub email: Option<String>,
}

/// An extra (`Provides-Extra`) and the requirements it adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    /// The name, normalised by PEP 685 (lowercase, runs of `-_.` as one `-`).
    pub name: String,
    /// The requirements as written; rendering adds `extra == '<name>'` to their markers.
    pub requires_dist: Vec<Requirement>,
}

/// Core metadata for a distribution, rendered as METADATA (core metadata 2.4).
///
/// `requires_dist` holds parsed PEP 508 requirements, so a value here is already valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreMetadata {
    /// `Name`: the distribution name as the project spells it.
    pub name: String,
    /// `Version`, rendered normalized.
    pub version: Version,
    /// `Summary`: one line.
    pub summary: Option<String>,
    /// `Requires-Python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Requires-Dist`, one line each.
    pub requires_dist: Vec<Requirement>,
    /// Extras: `Provides-Extra`, each followed by its `Requires-Dist` lines, in this order.
    #[serde(default)]
    pub optional_dependencies: Vec<Extra>,
    /// `License-Expression` (PEP 639), an SPDX expression.
    pub license_expression: Option<String>,
    /// `License-File` (PEP 639): paths relative to `.dist-info/licenses/`.
    pub license_files: Vec<String>,
    /// The long description, written as the message body.
    pub description: Option<String>,
    /// `Description-Content-Type`, e.g. `text/markdown`.
    pub description_content_type: Option<String>,
    /// Authors, rendered into `Author` and `Author-email` by PEP 621's rules.
    pub authors: Vec<Person>,
    /// Maintainers, rendered into `Maintainer` and `Maintainer-email` by PEP 621's rules.
    #[serde(default)]
    pub maintainers: Vec<Person>,
    /// `Keywords`, rendered comma-separated.
    pub keywords: Vec<String>,
    /// `Classifier`, one line each.
    pub classifiers: Vec<String>,
    /// `Project-URL` as (label, url) pairs.
    pub project_urls: Vec<(String, String)>,
}

/// Appends one `Name: value` header line.
fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    out.push_str(value);
    out.push('\n');
}

/// Fails when a single-line field contains a line break.
fn single_line(field: &'static str, value: &str) -> Result<(), WheelError> {
    if value.contains(['\n', '\r']) {
        return Err(WheelError::MultilineField {
            field,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// Fails with [`WheelError::InvalidField`] when `bad` holds.
fn reject(
    field: &'static str,
    value: &str,
    bad: bool,
    reason: &'static str,
) -> Result<(), WheelError> {
    if bad {
        return Err(WheelError::InvalidField {
            field,
            value: value.to_string(),
            reason,
        });
    }
    Ok(())
}

/// Quotes a display name the way Python's `email.headerregistry.Address` does when it holds
/// one of RFC 5322's specials, which is what PEP 621 backends write.
fn quote_display_name(name: &str) -> String {
    if name.contains([
        '(', ')', '<', '>', '@', ',', ':', ';', '.', '"', '[', ']', '\\',
    ]) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    }
}

impl CoreMetadata {
    /// Checks every field that `render` writes: one-line fields, the name, keywords, URLs,
    /// authors, maintainers and license file paths.
    pub fn validate(&self) -> Result<(), WheelError> {
        PackageName::from_str(&self.name).map_err(|_| WheelError::InvalidField {
            field: "Name",
            value: self.name.clone(),
            reason: "not a valid PEP 508 distribution name",
        })?;
        let optional = [
            ("Summary", &self.summary),
            ("License-Expression", &self.license_expression),
            ("Description-Content-Type", &self.description_content_type),
        ];
        for (field, value) in optional {
            if let Some(value) = value {
                single_line(field, value)?;
            }
        }
        for classifier in &self.classifiers {
            single_line("Classifier", classifier)?;
        }
        self.validate_extras()?;
        for keyword in &self.keywords {
            single_line("Keywords", keyword)?;
            let bad = keyword.trim().is_empty() || keyword.contains(',');
            reject(
                "Keywords",
                keyword,
                bad,
                "keywords must be non-empty without commas",
            )?;
        }
        for (label, url) in &self.project_urls {
            single_line("Project-URL", label)?;
            single_line("Project-URL", url)?;
            // Core metadata: labels are at most 32 characters; a comma would split the field.
            let bad = label.is_empty() || label.contains(',') || label.chars().count() > 32;
            reject(
                "Project-URL",
                label,
                bad,
                "labels must be 1-32 characters without commas",
            )?;
            reject(
                "Project-URL",
                url,
                url.trim().is_empty(),
                "the URL is empty",
            )?;
        }
        for person in &self.authors {
            validate_person(&AUTHOR, person)?;
        }
        for person in &self.maintainers {
            validate_person(&MAINTAINER, person)?;
        }
        for path in &self.license_files {
            single_line("License-File", path)?;
            check_archive_path(path)?;
        }
        Ok(())
    }

    /// Checks extras: valid, normalised (PEP 685) and unique names, and `Requires-Dist` lines
    /// that are valid PEP 508 once the `extra` marker is added.
    fn validate_extras(&self) -> Result<(), WheelError> {
        for (index, extra) in self.optional_dependencies.iter().enumerate() {
            let normalised = ExtraName::from_str(&extra.name).map(|n| n.to_string());
            let bad = extra.name.is_empty() || normalised.as_deref() != Ok(extra.name.as_str());
            reject(
                "Provides-Extra",
                &extra.name,
                bad,
                "not a PEP 685 normalised extra name",
            )?;
            let twice = self.optional_dependencies[..index]
                .iter()
                .any(|e| e.name == extra.name);
            reject(
                "Provides-Extra",
                &extra.name,
                twice,
                "the extra is listed twice",
            )?;
            for requirement in &extra.requires_dist {
                let line = requirement_in_extra(requirement, &extra.name);
                let invalid = Requirement::<pep508_rs::VerbatimUrl>::from_str(&line).is_err();
                reject(
                    "Requires-Dist",
                    &line,
                    invalid,
                    "not a valid PEP 508 requirement",
                )?;
            }
        }
        Ok(())
    }

    /// Renders METADATA after [`CoreMetadata::validate`]: header fields, then a blank line and
    /// the description as the message body.
    pub fn render(&self) -> Result<String, WheelError> {
        self.validate()?;
        let mut out = String::new();
        let mut field = |name: &str, value: &str| push_field(&mut out, name, value);
        field("Metadata-Version", "2.4");
        field("Name", &self.name);
        field("Version", &self.version.to_string());
        if let Some(summary) = &self.summary {
            field("Summary", summary);
        }
        if let Some(requires_python) = &self.requires_python {
            field("Requires-Python", &requires_python.to_string());
        }
        for requirement in &self.requires_dist {
            field("Requires-Dist", &requirement.to_string());
        }
        for extra in &self.optional_dependencies {
            field("Provides-Extra", &extra.name);
            for requirement in &extra.requires_dist {
                field(
                    "Requires-Dist",
                    &requirement_in_extra(requirement, &extra.name),
                );
            }
        }
        if let Some(expression) = &self.license_expression {
            field("License-Expression", expression);
        }
        for path in &self.license_files {
            field("License-File", path);
        }
        for (role, people) in [(&AUTHOR, &self.authors), (&MAINTAINER, &self.maintainers)] {
            let (names, emails) = render_people(people);
            if let Some(names) = names {
                field(role.name_field, &names);
            }
            if let Some(emails) = emails {
                field(role.email_field, &emails);
            }
        }
        for (label, url) in &self.project_urls {
            field("Project-URL", &format!("{label}, {url}"));
        }
        if !self.keywords.is_empty() {
            field("Keywords", &self.keywords.join(","));
        }
        for classifier in &self.classifiers {
            field("Classifier", classifier);
        }
        if let Some(content_type) = &self.description_content_type {
            field("Description-Content-Type", content_type);
        }
        if let Some(description) = &self.description {
            out.push('\n');
            out.push_str(description);
            if !description.ends_with('\n') {
                out.push('\n');
            }
        }
        Ok(out)
    }
}

/// A requirement of `extra` as a `Requires-Dist` value: the requirement, rendered as
/// `Requires-Dist` renders it, with `extra == '<extra>'` added to its marker as setuptools
/// adds it: `req ; extra == 'x'`, `req ; marker and extra == 'x'`, and
/// `req ; (a or b) and extra == 'x'` where `or` would otherwise bind wrongly.
pub fn requirement_in_extra(requirement: &Requirement, extra: &str) -> String {
    let mut base = requirement.clone();
    let marker = base.marker.contents().map(|m| m.to_string());
    base.marker = MarkerTree::TRUE;
    match marker {
        None => format!("{base} ; extra == '{extra}'"),
        Some(marker) if has_top_level_or(&marker) => {
            format!("{base} ; ({marker}) and extra == '{extra}'")
        }
        Some(marker) => format!("{base} ; {marker} and extra == '{extra}'"),
    }
}

/// Whether a marker has an `or` outside parentheses and quoted strings.
fn has_top_level_or(marker: &str) -> bool {
    let mut depth = 0usize;
    let mut quote = None;
    for (at, c) in marker.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ' ') if depth == 0 && marker[at..].starts_with(" or ") => return true,
            _ => {}
        }
    }
    false
}

/// The METADATA fields one list of people (PEP 621 `authors` or `maintainers`) goes to.
struct Role {
    /// The field for people given by name only: `Author` or `Maintainer`.
    name_field: &'static str,
    /// The field for people with an email: `Author-email` or `Maintainer-email`.
    email_field: &'static str,
    /// The error reason for an entry with neither a name nor an email.
    needs_one: &'static str,
}

/// `authors`: `Author` and `Author-email`.
const AUTHOR: Role = Role {
    name_field: "Author",
    email_field: "Author-email",
    needs_one: "an author needs a name or an email",
};

/// `maintainers`: `Maintainer` and `Maintainer-email`.
const MAINTAINER: Role = Role {
    name_field: "Maintainer",
    email_field: "Maintainer-email",
    needs_one: "a maintainer needs a name or an email",
};

/// Checks that an author or maintainer has a one-line name and/or a plausible one-line
/// email; errors name `role`'s fields.
fn validate_person(role: &Role, person: &Person) -> Result<(), WheelError> {
    if let Some(name) = &person.name {
        single_line(role.name_field, name)?;
        reject(
            role.name_field,
            name,
            name.trim().is_empty(),
            "the name is empty",
        )?;
    }
    if let Some(email) = &person.email {
        single_line(role.email_field, email)?;
        let bad = !email.contains('@')
            || email.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ','));
        reject(role.email_field, email, bad, "not an email address")?;
    }
    let empty = person.name.is_none() && person.email.is_none();
    reject(role.name_field, "", empty, role.needs_one)
}

/// Splits authors (or maintainers) into the `Author` and `Author-email` values (or
/// `Maintainer` and `Maintainer-email`), as PEP 621 says: name only goes to the first; an
/// email, with its name if any, goes to the second as `Name <email>`.
fn render_people(people: &[Person]) -> (Option<String>, Option<String>) {
    let mut names = Vec::new();
    let mut emails = Vec::new();
    for person in people {
        match (&person.name, &person.email) {
            (Some(name), None) => names.push(name.clone()),
            (None, Some(email)) => emails.push(email.clone()),
            (Some(name), Some(email)) => {
                emails.push(format!("{} <{email}>", quote_display_name(name)));
            }
            (None, None) => {}
        }
    }
    let join = |values: Vec<String>| (!values.is_empty()).then(|| values.join(", "));
    (join(names), join(emails))
}

/// The `.dist-info/WHEEL` file (PEP 427).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WheelInfo {
    /// `Generator`: the tool and version that built the wheel.
    pub generator: String,
    /// `Root-Is-Purelib`: false for wheels with extension modules.
    pub root_is_purelib: bool,
    /// One `Tag` line each, normally the file name's expanded tags.
    pub tags: Vec<WheelTag>,
    /// `Build`: the build tag, if any.
    pub build: Option<String>,
}

impl WheelInfo {
    /// Renders the WHEEL file: `Wheel-Version: 1.0`, `Generator`, `Root-Is-Purelib`, one `Tag`
    /// line per tag, then `Build` if set.
    pub fn render(&self) -> Result<String, WheelError> {
        single_line("Generator", &self.generator)?;
        if let Some(build) = &self.build {
            single_line("Build", build)?;
        }
        if self.tags.is_empty() {
            return Err(WheelError::InvalidField {
                field: "Tag",
                value: String::new(),
                reason: "a wheel needs at least one tag",
            });
        }
        let mut out = String::new();
        push_field(&mut out, "Wheel-Version", "1.0");
        push_field(&mut out, "Generator", &self.generator);
        push_field(
            &mut out,
            "Root-Is-Purelib",
            &self.root_is_purelib.to_string(),
        );
        for tag in &self.tags {
            push_field(&mut out, "Tag", &tag.to_string());
        }
        if let Some(build) = &self.build {
            push_field(&mut out, "Build", build);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: Option<&str>, email: Option<&str>) -> Person {
        Person {
            name: name.map(str::to_string),
            email: email.map(str::to_string),
        }
    }

    /// A metadata value with every field set.
    fn full_metadata() -> CoreMetadata {
        CoreMetadata {
            name: "cffi-demo".to_string(),
            version: "1.0-post1".parse().unwrap(),
            summary: Some("A demo of CFFI wheels".to_string()),
            requires_python: Some(">=3.8".parse().unwrap()),
            requires_dist: vec![
                "cffi>=1.17; platform_python_implementation != 'PyPy'"
                    .parse()
                    .unwrap(),
                "numpy[extra]>=1.20,<3; extra == 'numpy'".parse().unwrap(),
            ],
            optional_dependencies: vec![
                Extra {
                    name: "test".to_string(),
                    requires_dist: vec![
                        "pytest>=7".parse().unwrap(),
                        "tomli; python_version < '3.11'".parse().unwrap(),
                    ],
                },
                Extra {
                    name: "docs".to_string(),
                    requires_dist: Vec::new(),
                },
            ],
            license_expression: Some("MIT OR Apache-2.0".to_string()),
            license_files: vec!["LICENSE-MIT".to_string(), "vendor/LICENSE".to_string()],
            description: Some("# Demo\n\nLong text.".to_string()),
            description_content_type: Some("text/markdown".to_string()),
            authors: vec![
                person(Some("Ada Lovelace"), Some("ada@example.org")),
                person(Some("J. Doe"), Some("jd@example.org")),
                person(Some("Charles Babbage"), None),
                person(None, Some("team@example.org")),
            ],
            maintainers: vec![
                person(Some("Grace Hopper"), None),
                person(Some("Maintainers, Inc."), Some("maint@example.org")),
                person(None, Some("ops@example.org")),
                person(Some("Alan Turing"), None),
            ],
            keywords: vec!["cffi".to_string(), "wheel".to_string()],
            classifiers: vec![
                "Programming Language :: Python :: 3".to_string(),
                "Programming Language :: C".to_string(),
            ],
            project_urls: vec![(
                "Source".to_string(),
                "https://example.org/cffi-demo".to_string(),
            )],
        }
    }

    #[test]
    fn metadata_renders_every_field_in_core_metadata_2_4_order() {
        let rendered = full_metadata().render().unwrap();
        assert!(rendered.ends_with("Long text.\n"));
        insta::assert_snapshot!(rendered, @r#"
        Metadata-Version: 2.4
        Name: cffi-demo
        Version: 1.0.post1
        Summary: A demo of CFFI wheels
        Requires-Python: >=3.8
        Requires-Dist: cffi>=1.17 ; platform_python_implementation != 'PyPy'
        Requires-Dist: numpy[extra]>=1.20,<3 ; extra == 'numpy'
        Provides-Extra: test
        Requires-Dist: pytest>=7 ; extra == 'test'
        Requires-Dist: tomli ; python_full_version < '3.11' and extra == 'test'
        Provides-Extra: docs
        License-Expression: MIT OR Apache-2.0
        License-File: LICENSE-MIT
        License-File: vendor/LICENSE
        Author: Charles Babbage
        Author-email: Ada Lovelace <ada@example.org>, "J. Doe" <jd@example.org>, team@example.org
        Maintainer: Grace Hopper, Alan Turing
        Maintainer-email: "Maintainers, Inc." <maint@example.org>, ops@example.org
        Project-URL: Source, https://example.org/cffi-demo
        Keywords: cffi,wheel
        Classifier: Programming Language :: Python :: 3
        Classifier: Programming Language :: C
        Description-Content-Type: text/markdown

        # Demo

        Long text.
        "#);
    }

    #[test]
    fn minimal_metadata_has_no_body() {
        let metadata = CoreMetadata {
            name: "demo".to_string(),
            version: "0.1".parse().unwrap(),
            summary: None,
            requires_python: None,
            requires_dist: Vec::new(),
            optional_dependencies: Vec::new(),
            license_expression: None,
            license_files: Vec::new(),
            description: None,
            description_content_type: None,
            authors: Vec::new(),
            maintainers: Vec::new(),
            keywords: Vec::new(),
            classifiers: Vec::new(),
            project_urls: Vec::new(),
        };
        insta::assert_snapshot!(metadata.render().unwrap(), @"
        Metadata-Version: 2.4
        Name: demo
        Version: 0.1
        ");
    }

    #[test]
    fn a_summary_with_a_newline_is_an_error() {
        let mut metadata = full_metadata();
        metadata.summary = Some("one\nInjected: header".to_string());
        let err = metadata.render().unwrap_err();
        insta::assert_snapshot!(err, @r#"metadata field `Summary` must be a single line, got "one\nInjected: header""#);
    }

    #[test]
    fn invalid_names_keywords_urls_authors_and_maintainers_are_errors() {
        let check = |edit: fn(&mut CoreMetadata)| {
            let mut metadata = full_metadata();
            edit(&mut metadata);
            metadata.validate().unwrap_err().to_string()
        };
        insta::assert_snapshot!(check(|m| m.name = "-bad-".to_string()), @r#"invalid metadata field `Name` value "-bad-": not a valid PEP 508 distribution name"#);
        insta::assert_snapshot!(check(|m| m.keywords.push("a,b".to_string())), @r#"invalid metadata field `Keywords` value "a,b": keywords must be non-empty without commas"#);
        insta::assert_snapshot!(
            check(|m| m.project_urls.push(("A label far longer than thirty-two chars".into(), "https://x".into()))),
            @r#"invalid metadata field `Project-URL` value "A label far longer than thirty-two chars": labels must be 1-32 characters without commas"#
        );
        insta::assert_snapshot!(check(|m| m.authors.push(person(None, None))), @r#"invalid metadata field `Author` value "": an author needs a name or an email"#);
        insta::assert_snapshot!(check(|m| m.authors.push(person(None, Some("nobody")))), @r#"invalid metadata field `Author-email` value "nobody": not an email address"#);
        insta::assert_snapshot!(check(|m| m.maintainers.push(person(None, None))), @r#"invalid metadata field `Maintainer` value "": a maintainer needs a name or an email"#);
        insta::assert_snapshot!(check(|m| m.maintainers.push(person(Some(" "), None))), @r#"invalid metadata field `Maintainer` value " ": the name is empty"#);
        insta::assert_snapshot!(check(|m| m.maintainers.push(person(None, Some("a <b@c>")))), @r#"invalid metadata field `Maintainer-email` value "a <b@c>": not an email address"#);
        insta::assert_snapshot!(check(|m| m.maintainers.push(person(Some("M\nInjected: x"), None))), @r#"metadata field `Maintainer` must be a single line, got "M\nInjected: x""#);
        insta::assert_snapshot!(check(|m| m.license_files.push("../LICENSE".into())), @r#"unsafe archive path "../LICENSE": it has a `.` or `..` component"#);
    }

    #[test]
    fn extra_requirements_get_the_extra_marker_and_keep_their_own() {
        let in_extra =
            |requirement: &str| requirement_in_extra(&requirement.parse().unwrap(), "test-extra");
        assert_eq!(in_extra("pytest>=7"), "pytest>=7 ; extra == 'test-extra'");
        assert_eq!(
            in_extra("coverage[toml]; sys_platform == 'linux'"),
            "coverage[toml] ; sys_platform == 'linux' and extra == 'test-extra'"
        );
        // `or` binds looser than `and`: the requirement's own marker is kept together (in
        // the order pep508_rs renders markers, as in `Requires-Dist`).
        assert_eq!(
            in_extra("pywin32; os_name == 'nt' or sys_platform == 'cygwin'"),
            "pywin32 ; (sys_platform == 'cygwin' or os_name == 'nt') and extra == 'test-extra'"
        );
        assert_eq!(
            in_extra("attrs; platform_release == 'a or b'"),
            "attrs ; platform_release == 'a or b' and extra == 'test-extra'"
        );
        assert_eq!(
            in_extra("wheel @ https://example.org/w.whl"),
            "wheel @ https://example.org/w.whl ; extra == 'test-extra'"
        );
    }

    #[test]
    fn extra_lines_parse_back_as_the_same_requirement_in_the_extra() {
        let requirement: Requirement = "pywin32>=300; os_name == 'nt' or sys_platform == 'cygwin'"
            .parse()
            .unwrap();
        let line = requirement_in_extra(&requirement, "win");
        let parsed: Requirement = line.parse().unwrap();
        let mut expected = requirement.clone();
        expected
            .marker
            .and(MarkerTree::from_str("extra == 'win'").unwrap());
        assert_eq!(parsed.marker, expected.marker, "{line}");
        assert_eq!(parsed.name, requirement.name);
    }

    #[test]
    fn invalid_or_repeated_extra_names_are_errors() {
        let check = |name: &str| {
            let mut metadata = full_metadata();
            metadata.optional_dependencies.push(Extra {
                name: name.to_string(),
                requires_dist: Vec::new(),
            });
            metadata.validate().unwrap_err().to_string()
        };
        insta::assert_snapshot!(check("Not_Normal"), @r#"invalid metadata field `Provides-Extra` value "Not_Normal": not a PEP 685 normalised extra name"#);
        insta::assert_snapshot!(check(""), @r#"invalid metadata field `Provides-Extra` value "": not a PEP 685 normalised extra name"#);
        insta::assert_snapshot!(check("test"), @r#"invalid metadata field `Provides-Extra` value "test": the extra is listed twice"#);
    }

    #[test]
    fn wheel_file_lists_one_tag_line_per_tag_and_the_build() {
        let info = WheelInfo {
            generator: "cffi-wheel 0.1.0".to_string(),
            root_is_purelib: false,
            tags: vec![
                "cp38-abi3-manylinux_2_17_x86_64".parse().unwrap(),
                "cp38-abi3-manylinux2014_x86_64".parse().unwrap(),
            ],
            build: Some("1".to_string()),
        };
        insta::assert_snapshot!(info.render().unwrap(), @"
        Wheel-Version: 1.0
        Generator: cffi-wheel 0.1.0
        Root-Is-Purelib: false
        Tag: cp38-abi3-manylinux_2_17_x86_64
        Tag: cp38-abi3-manylinux2014_x86_64
        Build: 1
        ");
    }

    #[test]
    fn wheel_file_needs_a_tag() {
        let info = WheelInfo {
            generator: "cffi-wheel".to_string(),
            root_is_purelib: true,
            tags: Vec::new(),
            build: None,
        };
        assert!(matches!(
            info.render(),
            Err(WheelError::InvalidField { field: "Tag", .. })
        ));
    }
}
