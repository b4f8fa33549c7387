//! What the project's own backend says (its METADATA and `entry_points.txt`), as recipe
//! keys: `import` takes metadata from setuptools, never re-derives it from `setup()`'s
//! arguments.

use std::path::Path;

/// The fields of a METADATA file: headers in order (a name may repeat) and the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataFile {
    headers: Vec<(String, String)>,
    /// The long description (the body, or a `Description:` header).
    pub description: Option<String>,
}

impl MetadataFile {
    /// Parses METADATA (RFC 822 style headers; folded lines continue a header).
    pub fn parse(text: &str) -> MetadataFile {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut lines = text.split('\n');
        for line in lines.by_ref() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim_start());
                }
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let body: Vec<&str> = lines.collect();
        let body = body.join("\n");
        let mut file = MetadataFile {
            headers,
            description: None,
        };
        file.description = if body.trim().is_empty() {
            file.first("Description")
                .map(|d| d.replace("\n|", "\n").trim_end().to_string())
        } else {
            Some(body)
        };
        file
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name`, when present and not empty or `UNKNOWN`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.all(name)
            .into_iter()
            .find(|v| !v.is_empty() && *v != "UNKNOWN")
    }
}

/// A `Requires-Dist` split by the extra it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitRequirement {
    /// The requirement without the `extra == …` clause.
    pub requirement: String,
    /// The extra, when the marker names one.
    pub extra: Option<String>,
}

/// Splits `pytest; extra == "test"` and `foo; python_version < "3.9" and extra == "test"`.
/// `None` when the marker names an extra in a way a recipe cannot say (`or`, negation).
pub fn split_requirement(value: &str) -> Option<SplitRequirement> {
    let Some((requirement, marker)) = value.split_once(';') else {
        return Some(SplitRequirement {
            requirement: value.trim().to_string(),
            extra: None,
        });
    };
    let marker = marker.trim();
    if !marker.contains("extra") {
        return Some(SplitRequirement {
            requirement: value.trim().to_string(),
            extra: None,
        });
    }
    let clauses: Vec<&str> = marker.split(" and ").map(str::trim).collect();
    let mut extra = None;
    let mut rest = Vec::new();
    for clause in clauses {
        let compact: String = clause.chars().filter(|c| !c.is_whitespace()).collect();
        let name = compact
            .strip_prefix("extra==")
            .map(|q| q.trim_matches(|c| c == '"' || c == '\''));
        match name {
            Some(name)
                if extra.is_none()
                    && !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
            {
                extra = Some(name.to_string())
            }
            _ if clause.contains("extra") => return None,
            _ => rest.push(clause),
        }
    }
    let requirement = requirement.trim();
    let rest = rest.join(" and ");
    let requirement = if rest.is_empty() {
        requirement.to_string()
    } else {
        // Only `and`-joined clauses reach here: they stay one marker without the extra.
        format!(
            "{requirement}; {}",
            rest.trim_start_matches('(').trim_end_matches(')')
        )
    };
    Some(SplitRequirement { requirement, extra })
}

/// `name` normalised as PEP 685 compares extras.
pub fn normalise_extra(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// `entry_points.txt` as (group, [(name, reference)]), groups and entries in file order.
pub fn parse_entry_points(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            groups.push((group.trim().to_string(), Vec::new()));
        } else if let (Some((name, reference)), Some(group)) =
            (line.split_once('='), groups.last_mut())
        {
            group
                .1
                .push((name.trim().to_string(), reference.trim().to_string()));
        }
    }
    groups
}

/// `Name <email>, Other <email>` (or bare emails) as (name, email) pairs.
pub fn people(names: Option<&str>, emails: Option<&str>) -> Vec<(Option<String>, Option<String>)> {
    let mut found = Vec::new();
    if let Some(emails) = emails {
        for part in emails.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.rsplit_once('<') {
                Some((name, email)) => {
                    let name = name.trim().trim_matches('"').to_string();
                    let email = email.trim_end_matches('>').trim().to_string();
                    found.push(((!name.is_empty()).then_some(name), Some(email)));
                }
                None => found.push((None, Some(part.to_string()))),
            }
        }
    }
    if let Some(names) = names {
        if found.len() == 1 && found[0].0.is_none() {
            found[0].0 = Some(names.to_string());
        } else if !found.iter().any(|(n, _)| n.as_deref() == Some(names)) {
            found.insert(0, (Some(names.to_string()), None));
        }
    }
    found
}

/// The project file whose text is the long description (setuptools reads `readme` or
/// `long_description=open("README.md").read()` verbatim), among the usual names.
pub fn readme_file(root: &Path, description: &str) -> Option<String> {
    let wanted = description.trim();
    let mut candidates: Vec<String> = fs_err::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.to_ascii_lowercase().starts_with("readme"))
        .collect();
    candidates.sort();
    candidates.into_iter().find(|name| {
        fs_err::read_to_string(root.join(name)).is_ok_and(|text| text.trim() == wanted)
    })
}

/// Extras in the order of `Provides-Extra`, each with its requirements in order.
pub fn extras(
    metadata: &MetadataFile,
    requirements: &[SplitRequirement],
) -> Vec<(String, Vec<String>)> {
    let mut extras: Vec<(String, Vec<String>)> = metadata
        .all("Provides-Extra")
        .into_iter()
        .map(|e| (e.to_string(), Vec::new()))
        .collect();
    for split in requirements {
        let Some(extra) = &split.extra else {
            continue;
        };
        let wanted = normalise_extra(extra);
        match extras
            .iter_mut()
            .find(|(k, _)| normalise_extra(k) == wanted)
        {
            Some((_, list)) => list.push(split.requirement.clone()),
            None => extras.push((extra.clone(), vec![split.requirement.clone()])),
        }
    }
    extras
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const METADATA: &str = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n\
        Summary: A demo\nAuthor-email: A. Person <a@example.org>\n\
        License: MIT License\n        |\n        | more\n\
        Requires-Dist: cffi>=1.0\nProvides-Extra: test\n\
        Requires-Dist: pytest; extra == \"test\"\n\
        Requires-Dist: mock; python_version < \"3.9\" and extra == \"test\"\n\
        Description-Content-Type: text/markdown\n\n# Demo\n\nText.\n";

    #[test]
    fn headers_repeat_fold_and_the_body_is_the_description() {
        let file = MetadataFile::parse(METADATA);
        assert_eq!(file.first("name"), Some("demo"));
        assert_eq!(file.all("Requires-Dist").len(), 3);
        assert_eq!(file.first("License"), Some("MIT License\n|\n| more"));
        assert_eq!(file.description.as_deref(), Some("# Demo\n\nText.\n"));
    }

    #[test]
    fn requirements_are_split_by_extra() {
        let file = MetadataFile::parse(METADATA);
        let split: Vec<SplitRequirement> = file
            .all("Requires-Dist")
            .into_iter()
            .map(|r| split_requirement(r).unwrap())
            .collect();
        assert_eq!(split[0].requirement, "cffi>=1.0");
        assert_eq!(split[0].extra, None);
        assert_eq!(split[1].requirement, "pytest");
        assert_eq!(split[1].extra.as_deref(), Some("test"));
        assert_eq!(split[2].requirement, "mock; python_version < \"3.9\"");
        let extras = extras(&file, &split);
        assert_eq!(
            extras,
            vec![(
                "test".to_string(),
                vec![
                    "pytest".to_string(),
                    "mock; python_version < \"3.9\"".to_string()
                ]
            )]
        );
        assert_eq!(
            split_requirement("x; extra == \"a\" or extra == \"b\""),
            None
        );
        assert_eq!(
            split_requirement("x; python_version < \"3.9\"")
                .unwrap()
                .extra,
            None
        );
    }

    #[test]
    fn entry_points_people_and_extra_names() {
        let groups = parse_entry_points(
            "[console_scripts]\ndemo = demo.cli:main\n\n[demo.plugins]\nx = demo.x:X\n",
        );
        assert_eq!(groups[0].0, "console_scripts");
        assert_eq!(groups[0].1, vec![("demo".into(), "demo.cli:main".into())]);
        assert_eq!(groups[1].0, "demo.plugins");
        assert_eq!(
            people(Some("A. Person"), Some("a@example.org")),
            vec![(Some("A. Person".into()), Some("a@example.org".into()))]
        );
        assert_eq!(
            people(None, Some("A <a@x.org>, b@y.org")),
            vec![
                (Some("A".into()), Some("a@x.org".into())),
                (None, Some("b@y.org".into()))
            ]
        );
        assert_eq!(normalise_extra("Test_Extra..x"), "test-extra-x");
    }
}
