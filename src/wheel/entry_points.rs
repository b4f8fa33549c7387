//! `.dist-info/entry_points.txt` (the PyPA entry points specification), written byte for
//! byte as setuptools writes it: groups sorted, names sorted within a group, `name = value`
//! lines, a blank line between groups.

use std::collections::BTreeMap;

use super::WheelError;

/// Entry points by group, then name: the object reference each name points at.
pub type EntryPoints = BTreeMap<String, BTreeMap<String, String>>;

/// The entry_points.txt file name inside `.dist-info/`.
pub const ENTRY_POINTS_FILE: &str = "entry_points.txt";

/// Renders entry_points.txt, or `None` when there are no entry points (setuptools then
/// writes no file). Fails on a group, name or value the file format cannot hold.
pub fn render_entry_points(groups: &EntryPoints) -> Result<Option<String>, WheelError> {
    let mut sections = Vec::new();
    for (group, entries) in groups {
        if entries.is_empty() {
            continue;
        }
        let bad_group = group.is_empty()
            || group.trim() != group
            || group.contains(['[', ']', '\n', '\r', '=']);
        reject(group, bad_group, "not a valid entry point group")?;
        let mut section = format!("[{group}]\n");
        for (name, value) in entries {
            let bad_name = name.is_empty()
                || name.trim() != name
                || name.starts_with('[')
                || name.contains(['=', '\n', '\r']);
            reject(name, bad_name, "not a valid entry point name")?;
            let bad_value = value.trim().is_empty() || value.contains(['\n', '\r']);
            reject(value, bad_value, "not a valid object reference")?;
            section.push_str(&format!("{name} = {value}\n"));
        }
        sections.push(section);
    }
    Ok((!sections.is_empty()).then(|| sections.join("\n")))
}

fn reject(value: &str, bad: bool, reason: &'static str) -> Result<(), WheelError> {
    if bad {
        return Err(WheelError::InvalidField {
            field: "entry_points.txt",
            value: value.to_string(),
            reason,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(items: &[(&str, &[(&str, &str)])]) -> EntryPoints {
        items
            .iter()
            .map(|(group, entries)| {
                let entries = entries
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect();
                (group.to_string(), entries)
            })
            .collect()
    }

    /// What setuptools 84.2.1 wrote for the same entry points (`pip wheel` of a pyproject.toml
    /// project with `scripts`, `gui-scripts` and two `entry-points` groups).
    #[test]
    fn entry_points_are_written_as_setuptools_writes_them() {
        let eps = groups(&[
            (
                "console_scripts",
                &[("zeta", "ep_probe:main"), ("alpha", "ep_probe.cli:run")],
            ),
            ("gui_scripts", &[("gui", "ep_probe:gui")]),
            (
                "babel.extractors",
                &[("zz", "ep_probe:x"), ("aa", "ep_probe:y")],
            ),
            ("pytest11", &[("plug", "ep_probe.plugin")]),
        ]);
        assert_eq!(
            render_entry_points(&eps).unwrap().unwrap(),
            "[babel.extractors]\naa = ep_probe:y\nzz = ep_probe:x\n\n\
             [console_scripts]\nalpha = ep_probe.cli:run\nzeta = ep_probe:main\n\n\
             [gui_scripts]\ngui = ep_probe:gui\n\n\
             [pytest11]\nplug = ep_probe.plugin\n"
        );
    }

    #[test]
    fn no_entry_points_means_no_file() {
        assert_eq!(render_entry_points(&EntryPoints::new()).unwrap(), None);
        let empty = groups(&[("pytest11", &[])]);
        assert_eq!(render_entry_points(&empty).unwrap(), None);
    }

    #[test]
    fn a_name_with_an_equals_sign_is_an_error() {
        let eps = groups(&[("console_scripts", &[("a=b", "m:f")])]);
        let err = render_entry_points(&eps).unwrap_err();
        insta::assert_snapshot!(err, @r#"invalid metadata field `entry_points.txt` value "a=b": not a valid entry point name"#);
    }
}
