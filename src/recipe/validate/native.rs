//! Module keys about native code from elsewhere: build scripts, external libraries,
//! prebuild steps.

use std::path::{Path, PathBuf};

use marked_yaml::Spanned;

use super::super::raw::{RawModule, RawPrebuild, SStr, out_dir_relative};
use super::super::{LinkMode, PrebuildStep, RecipeError, ScriptRef};
use super::files::escapes;
use super::{Ctx, strings};

impl Ctx<'_> {
    /// `script: path/build.py[:attribute]`; cdef and set_source then come from the script.
    pub(super) fn script(&self, raw: &RawModule, value: &SStr) -> Result<ScriptRef, RecipeError> {
        let given = [
            ("cdef", raw.cdef.is_some()),
            ("cdef_files", raw.cdef_files.is_some()),
            ("source", raw.source.is_some()),
            ("source_file", raw.source_file.is_some()),
        ];
        if let Some((key, _)) = given.iter().find(|(_, set)| *set) {
            return Err(self.err(
                value,
                format!("`script` and `{key}` are both given"),
                "a script module takes its cdef and source from the script; remove one",
            ));
        }
        let (path, attribute) = value
            .as_str()
            .rsplit_once(':')
            .unwrap_or((value.as_str(), "ffibuilder"));
        let spanned_path = Spanned::new(*value.span(), path.to_string());
        let path = self.existing_file(&spanned_path)?;
        if !attribute
            .chars()
            .all(|c| c == '_' || c.is_ascii_alphanumeric())
            || attribute.is_empty()
        {
            return Err(self.err(
                value,
                format!("invalid attribute `{attribute}`"),
                "write `path/build.py:ffibuilder` (the name of the FFI object in the script)",
            ));
        }
        Ok(ScriptRef {
            path,
            attribute: attribute.to_string(),
            ext_package: raw.ext_package.as_ref().map(|p| p.as_str().to_string()),
        })
    }

    pub(super) fn link(&self, raw: Option<&SStr>) -> Result<LinkMode, RecipeError> {
        let Some(value) = raw else {
            return Ok(LinkMode::Auto);
        };
        match value.as_str() {
            "auto" => Ok(LinkMode::Auto),
            "static" => Ok(LinkMode::Static),
            "shared" => Ok(LinkMode::Shared),
            other => Err(self.err(
                value,
                format!("invalid link `{other}`"),
                "use `static`, `shared` or `auto`",
            )),
        }
    }

    /// An external prefix: absolute, or relative to the project (it may lie outside it).
    pub(super) fn prefix(&self, raw: &SStr) -> Result<PathBuf, RecipeError> {
        let path = self.root.join(raw.as_str());
        if !path.is_dir() {
            return Err(self.err(
                raw,
                format!("library prefix `{}` is not a directory", **raw),
                "point it at a directory holding include/ and lib/ (such as $CONDA_PREFIX)",
            ));
        }
        Ok(path)
    }

    pub(super) fn prebuild(&self, raw: &Spanned<RawPrebuild>) -> Result<PrebuildStep, RecipeError> {
        // Every key is named: a key added to `RawPrebuild` does not compile until it is
        // checked here.
        let RawPrebuild {
            run,
            cwd,
            env,
            inputs,
            outputs,
            include_dirs,
        } = &**raw;
        let cwd = match cwd {
            Some(dir) => self.existing_dir(dir)?,
            None => String::new(),
        };
        if outputs.is_empty() {
            return Err(self.locator.error(
                run.span(),
                "this prebuild step declares no `outputs`",
                Some(
                    "list the files it produces under $OUT_DIR, e.g. `outputs: [libfoo.a]`".into(),
                ),
            ));
        }
        let inputs = match inputs {
            Some(globs) => globs
                .iter()
                .map(|g| self.inside(g))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![if cwd.is_empty() {
                "**/*".to_string()
            } else {
                format!("{cwd}/**/*")
            }],
        };
        for output in outputs {
            if escapes(Path::new(output.as_str())) {
                return Err(self.err(
                    output,
                    format!("prebuild output `{}` leaves $OUT_DIR", output.as_str()),
                    "outputs are relative to $OUT_DIR and stay in it, such as `libfoo.a` or `lib/libfoo.a`",
                ));
            }
        }
        for dir in include_dirs {
            match out_dir_relative(dir) {
                Some(rest) => {
                    if escapes(Path::new(rest.trim_start_matches('/'))) {
                        return Err(self.err(
                            dir,
                            format!("prebuild include dir `{}` leaves $OUT_DIR", dir.as_str()),
                            "write `$OUT_DIR/include` (a directory the step made) or a project-relative path",
                        ));
                    }
                }
                _ => {
                    self.inside(dir)?;
                }
            }
        }
        Ok(PrebuildStep {
            run: run.as_str().to_string(),
            cwd: self.root.join(&cwd),
            env: env
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().to_string()))
                .collect(),
            inputs,
            outputs: strings(outputs),
            include_dirs: strings(include_dirs),
        })
    }
}
