//! Raw recipe → checked [`Recipe`], with located errors.

use std::path::Path;
use std::str::FromStr;

use marked_yaml::Spanned;

mod files;
mod native;
mod python;

use super::raw::{RawBuild, RawModule, RawPackage, RawPerson, RawRecipe, RawTest, SStr};
use super::{
    BuildSettings, Containment, Language, LimitedApi, Locator, Module, Package, Person, Readme,
    Recipe, RecipeError, TestSettings, TextOrigin,
};

/// Checks raw data into a [`Recipe`].
pub(super) fn validate(locator: &Locator, raw: RawRecipe) -> Result<Recipe, RecipeError> {
    let path = locator.file().to_path_buf();
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut ctx = Ctx {
        locator,
        root: &root,
        containment: Containment::new(&root, &[]),
    };
    let allow_outside_links = ctx.allowed_links(&raw.allow_outside_links)?;
    ctx.containment = Containment::new(&root, &allow_outside_links);
    if let Some(sdist) = &raw.sdist {
        for pattern in sdist.include.iter().chain(&sdist.exclude) {
            ctx.inside(pattern)?;
        }
    }
    let package = ctx.package(&raw.package)?;
    let packages = raw
        .packages
        .iter()
        .map(|p| ctx.package_dir(p))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.modules.is_empty() {
        return Err(locator.error(
            raw.modules.span(),
            "`modules` is empty",
            Some("list at least one module with `name` and `cdef`".into()),
        ));
    }
    let mut modules: Vec<Module> = Vec::new();
    for module in raw.modules.iter() {
        let checked = ctx.module(module)?;
        if let Some(name) = &module.name {
            ctx.not_a_package_dir(name, &packages)?;
        }
        if !checked.name.is_empty() && modules.iter().any(|m| m.name == checked.name) {
            let span = module
                .name
                .as_ref()
                .map(|n| *n.span())
                .unwrap_or(*module.span());
            return Err(locator.error(
                &span,
                format!("module `{}` is listed twice", checked.name),
                Some("module names must be unique".into()),
            ));
        }
        modules.push(checked);
    }
    let py_modules = ctx.py_modules(&raw.py_modules, &packages, &modules)?;
    let build = ctx.build(raw.build.unwrap_or_default())?;
    let test = test_settings(raw.test.unwrap_or_default());
    Ok(Recipe {
        path,
        root,
        package,
        packages,
        py_modules,
        modules,
        build,
        test,
        sdist_include: Vec::new(),
        sdist_exclude: Vec::new(),
        allow_outside_links,
    })
}

fn test_settings(raw: RawTest) -> TestSettings {
    TestSettings {
        requires: strings(&raw.requires),
        command: raw.command.map(|c| c.as_str().to_string()),
    }
}

/// An optional list as a slice (absent = empty).
fn list<T>(items: &Option<Vec<T>>) -> &[T] {
    items.as_deref().unwrap_or_default()
}

/// `authors` or `maintainers` entries as checked values.
fn people(raw: &[RawPerson]) -> Vec<Person> {
    raw.iter()
        .map(|p| Person {
            name: p.name.as_ref().map(|s| s.as_str().to_string()),
            email: p.email.as_ref().map(|s| s.as_str().to_string()),
        })
        .collect()
}

fn strings(items: &[SStr]) -> Vec<String> {
    items.iter().map(|s| s.as_str().to_string()).collect()
}

struct Ctx<'a> {
    locator: &'a Locator,
    root: &'a Path,
    /// Where files to publish must resolve.
    containment: Containment,
}

impl Ctx<'_> {
    fn err(&self, at: &SStr, message: String, help: &str) -> RecipeError {
        self.locator
            .error(at.span(), message, Some(help.to_string()))
    }

    /// An extension module may not have the path of a directory in a package: the wheel
    /// would hold both, and `import` finds the package, never the module.
    fn not_a_package_dir(&self, name: &SStr, packages: &[String]) -> Result<(), RecipeError> {
        let path = name.replace('.', "/");
        for package in packages {
            let base = Path::new(package).parent().unwrap_or(Path::new(""));
            if self.root.join(base).join(&path).is_dir() {
                return Err(self.err(
                    name,
                    format!(
                        "module `{}` is named like the directory `{}` of package `{package}`: \
                         the wheel could not import it",
                        name.as_str(),
                        base.join(&path).display()
                    ),
                    "name the module inside the package, such as `fastmath._fastmath`",
                ));
            }
        }
        Ok(())
    }

    fn package(&self, raw: &RawPackage) -> Result<Package, RecipeError> {
        if raw.name.trim().is_empty() {
            return Err(self.err(
                &raw.name,
                "the package name is empty".into(),
                "write the distribution name, such as `name: fast-math`",
            ));
        }
        pep508_rs::PackageName::from_str(&raw.name).map_err(|e| {
            let help =
                "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit";
            self.err(
                &raw.name,
                format!("invalid package name `{}`: {e}", *raw.name),
                help,
            )
        })?;
        let version = self.version(raw)?;
        let requires_python = raw
            .requires_python
            .as_ref()
            .map(|spec| {
                pep440_rs::VersionSpecifiers::from_str(spec).map_err(|e| {
                    let help = "use PEP 440 specifiers such as `>=3.8`";
                    self.err(
                        spec,
                        format!("invalid requires_python `{}`: {e}", **spec),
                        help,
                    )
                })
            })
            .transpose()?;
        let dependencies = raw
            .dependencies
            .iter()
            .map(|dep| {
                python::requirement(dep).map_err(|e| {
                    let help = "use a PEP 508 requirement such as `numpy>=1.22`";
                    let e = python::requirement_error(&e);
                    self.err(dep, format!("invalid dependency `{}`: {e}", **dep), help)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let optional_dependencies = self.optional_dependencies(&raw.optional_dependencies)?;
        let entry_points = self.entry_points(raw)?;
        for line in raw.summary.iter().chain(raw.license.iter()) {
            if line.contains('\n') {
                return Err(self.err(
                    line,
                    "this must be a single line".into(),
                    "remove the line break",
                ));
            }
        }
        if let Some(license) = &raw.license {
            self.spdx(license)?;
        }
        let readme = raw
            .readme
            .as_ref()
            .map(|r| self.readme(r, raw.readme_content_type.as_ref()))
            .transpose()?;
        let license_files = raw
            .license_files
            .iter()
            .map(|f| self.existing_file(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Package {
            name: raw.name.as_str().to_string(),
            version,
            summary: raw.summary.as_ref().map(|s| s.trim().to_string()),
            requires_python,
            dependencies,
            optional_dependencies,
            entry_points,
            license: raw.license.as_ref().map(|s| s.as_str().to_string()),
            license_files,
            readme,
            authors: people(&raw.authors),
            maintainers: people(&raw.maintainers),
            urls: raw
                .urls
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().to_string()))
                .collect(),
            keywords: strings(&raw.keywords),
            classifiers: strings(&raw.classifiers),
        })
    }

    /// PEP 639: `License-Expression` is a valid SPDX expression.
    fn spdx(&self, license: &SStr) -> Result<(), RecipeError> {
        let Err(e) = spdx::Expression::parse(license.trim()) else {
            return Ok(());
        };
        let help = match super::canonical_spdx(license) {
            Some(canonical) => format!("did you mean `{canonical}`?"),
            None => "use SPDX identifiers joined by AND/OR, such as `MIT` or `Apache-2.0 OR MIT` (https://spdx.org/licenses/), or `LicenseRef-<name>` for others".to_string(),
        };
        Err(self.err(
            license,
            format!(
                "invalid SPDX license expression `{}`: {}",
                license.as_str(),
                e.reason
            ),
            &help,
        ))
    }

    /// `version`, or the version read from `version_file`.
    fn version(&self, raw: &RawPackage) -> Result<pep440_rs::Version, RecipeError> {
        let (text, at) = match (&raw.version, &raw.version_file) {
            (Some(version), None) => (version.as_str().to_string(), version),
            (None, Some(file)) => (self.version_from_file(file)?, file),
            (Some(_), Some(file)) => {
                return Err(self.err(
                    file,
                    "both `version` and a version file are given".into(),
                    "keep one of them",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    &raw.name,
                    "the package has no `version`".into(),
                    "add `version:` (or in pyproject.toml, `[project] version`, or `dynamic = [\"version\"]` with `[tool.cffi-wheel] version-file`)",
                ));
            }
        };
        pep440_rs::Version::from_str(text.trim()).map_err(|e| {
            let help = "use a PEP 440 version such as `1.0.0`, `1.0.0b1` or `1.0.0.post1`";
            self.err(at, format!("invalid version `{}`: {e}", text.trim()), help)
        })
    }

    fn version_from_file(&self, file: &SStr) -> Result<String, RecipeError> {
        let text = self.read(file)?;
        if !file.ends_with(".py") {
            return Ok(text.trim().to_string());
        }
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("__version__"))
            .filter_map(|rest| rest.trim_start().strip_prefix('='))
            .map(|value| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .next()
            .map(str::to_string)
            .ok_or_else(|| {
                self.err(
                    file,
                    format!("`{}` has no `__version__ = \"...\"` line", **file),
                    "add one, or point at a file holding only the version",
                )
            })
    }

    fn readme(&self, raw: &SStr, explicit: Option<&SStr>) -> Result<Readme, RecipeError> {
        let path = self.existing_file(raw)?;
        let file = self.root.join(&path);
        let bytes = fs_err::read(&file).map_err(|source| RecipeError::Io { path: file, source })?;
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(self.err(
                raw,
                format!(
                    "readme `{path}` is not UTF-8 text (bad byte at offset {})",
                    e.valid_up_to()
                ),
                "save it as UTF-8: it becomes METADATA's description, which is UTF-8",
            ));
        }
        if let Some(content_type) = explicit {
            let base = content_type.split(';').next().unwrap_or("").trim();
            if !matches!(base, "text/markdown" | "text/x-rst" | "text/plain") {
                return Err(self.err(
                    content_type,
                    format!("unsupported readme content type `{}`", content_type.as_str()),
                    "use text/markdown, text/x-rst or text/plain (core metadata's Description-Content-Type)",
                ));
            }
            return Ok(Readme {
                path,
                content_type: content_type.as_str().to_string(),
            });
        }
        let lower = path.to_ascii_lowercase();
        let content_type = if lower.ends_with(".md") {
            "text/markdown"
        } else if lower.ends_with(".rst") {
            "text/x-rst"
        } else {
            "text/plain"
        };
        Ok(Readme {
            path,
            content_type: content_type.to_string(),
        })
    }

    fn module(&self, raw: &Spanned<RawModule>) -> Result<Module, RecipeError> {
        // Every key is named: a key added to `RawModule` does not compile until it is checked
        // here (`when` and `overrides` were applied by `config`; `cdef`, `cdef_files` and
        // `script`'s exclusions are checked with `raw`).
        let RawModule {
            name: raw_name,
            when: _,
            overrides: _,
            cdef: _,
            cdef_files: _,
            script,
            ext_package,
            source,
            source_file,
            sources: source_globs,
            include_dirs,
            libraries,
            library_dirs,
            define_macros,
            undef_macros,
            extra_compile_args,
            extra_link_args,
            extra_objects,
            pkg_config,
            library_prefix,
            link,
            prebuild,
            limited_api,
            language,
        } = &**raw;
        let script = script.as_ref().map(|s| self.script(raw, s)).transpose()?;
        if let Some(ext_package) = ext_package
            && script.is_none()
        {
            return Err(self.err(
                ext_package,
                "`ext_package` goes with `script`".into(),
                "put the package in `name` instead",
            ));
        }
        let name = match (raw_name.as_ref(), &script) {
            (Some(name), _) => {
                if !is_dotted_identifier(name.as_str()) {
                    return Err(self.err(
                        name,
                        format!("invalid module name `{}`", name.as_str()),
                        "use a dotted Python identifier such as `fastmath._fastmath`",
                    ));
                }
                if let Some(keyword) = name.split('.').find(|part| python::is_keyword(part)) {
                    return Err(self.err(
                        name,
                        format!(
                            "module name `{}` holds the Python keyword `{keyword}`: it cannot be imported",
                            name.as_str()
                        ),
                        "rename that part, such as `class_` for `class`",
                    ));
                }
                name.as_str().to_string()
            }
            (None, Some(_)) => String::new(),
            (None, None) => {
                return Err(self.locator.error(
                    raw.span(),
                    "module has no `name`",
                    Some("add `name: package._module` (the dotted import name), or `script: build.py:ffibuilder`".into()),
                ));
            }
        };
        let (cdef, cdef_origin) = if script.is_some() {
            (String::new(), None)
        } else {
            self.cdef(raw)?
        };

        let source = match (source, source_file) {
            (Some(_), Some(file)) => {
                return Err(self.err(
                    file,
                    "both `source` and `source_file` are given".into(),
                    "keep one of them",
                ));
            }
            (Some(text), None) => text.as_str().to_string(),
            (None, Some(file)) => self.read(file)?,
            (None, None) => String::new(),
        };
        let mut sources = Vec::new();
        for pattern in list(source_globs) {
            sources.extend(self.glob(pattern)?);
        }
        sources.sort();
        sources.dedup();
        Ok(Module {
            name,
            script,
            cdef,
            cdef_origin,
            source,
            sources,
            include_dirs: self.dirs(list(include_dirs))?,
            libraries: strings(list(libraries)),
            static_libraries: Vec::new(),
            library_dirs: self.dirs(list(library_dirs))?,
            define_macros: define_macros
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), macro_value(v.as_ref())))
                .collect(),
            undef_macros: strings(list(undef_macros)),
            extra_compile_args: strings(list(extra_compile_args)),
            extra_link_args: strings(list(extra_link_args)),
            extra_objects: list(extra_objects)
                .iter()
                .map(|o| self.existing_file(o).map(|rel| self.root.join(rel)))
                .collect::<Result<Vec<_>, _>>()?,
            pkg_config: strings(list(pkg_config)),
            library_prefix: library_prefix
                .as_ref()
                .map(|p| self.prefix(p))
                .transpose()?,
            link: self.link(link.as_ref())?,
            prebuild: list(prebuild)
                .iter()
                .map(|step| self.prebuild(step))
                .collect::<Result<Vec<_>, _>>()?,
            limited_api: self.limited_api(limited_api.as_ref())?,
            language: self.language(language.as_ref())?,
        })
    }

    fn cdef(&self, raw: &Spanned<RawModule>) -> Result<(String, Option<TextOrigin>), RecipeError> {
        match (&raw.cdef, &raw.cdef_files) {
            (Some(text), None) => {
                if text.as_str().trim().is_empty() {
                    return Err(self.locator.error(
                        text.span(),
                        format!(
                            "the cdef of module `{}` is empty: Python could use nothing of it",
                            raw.name.as_ref().map_or("", |n| n.as_str())
                        ),
                        Some(
                            "declare the C functions, types and constants Python may use, \
                             e.g. `cdef: int add(int a, int b);`"
                                .into(),
                        ),
                    ));
                }
                let origin = text.span().start().map(|m| TextOrigin {
                    file: self.locator.file().to_path_buf(),
                    line: m.line(),
                    column: m.column(),
                });
                Ok((text.as_str().to_string(), origin))
            }
            (None, Some(files)) => {
                let mut text = String::new();
                for file in files.iter() {
                    text.push_str(&self.read(file)?);
                    text.push('\n');
                }
                // With one file, cffi's line numbers are that file's.
                let origin = match files.as_slice() {
                    [only] => Some(TextOrigin {
                        file: self.root.join(self.inside(only)?),
                        line: 1,
                        column: 1,
                    }),
                    _ => None,
                };
                Ok((text, origin))
            }
            (Some(_), Some(files)) => Err(self.locator.error(
                files.span(),
                "both `cdef` and `cdef_files` are given",
                Some("keep one of them".into()),
            )),
            (None, None) => Err(self.locator.error(
                raw.name.as_ref().map_or(raw.span(), |name| name.span()),
                format!("module `{}` has no `cdef`", raw.name.as_ref().map_or("", |n| n.as_str())),
                Some("add `cdef: |` with the C declarations Python may use, or `cdef_files: [api.h]`".into()),
            )),
        }
    }

    fn limited_api(&self, raw: Option<&SStr>) -> Result<LimitedApi, RecipeError> {
        let Some(value) = raw else {
            return Ok(LimitedApi::Auto);
        };
        match value.as_str() {
            "auto" => Ok(LimitedApi::Auto),
            "true" | "yes" => Ok(LimitedApi::True),
            "false" | "no" => Ok(LimitedApi::False),
            other => Err(self.err(
                value,
                format!("invalid limited_api `{other}`"),
                "use `auto`, `true` or `false`",
            )),
        }
    }

    fn language(&self, raw: Option<&SStr>) -> Result<Language, RecipeError> {
        let Some(value) = raw else {
            return Ok(Language::C);
        };
        match value.as_str() {
            "c" => Ok(Language::C),
            "c++" => Ok(Language::Cxx),
            other => Err(self.err(
                value,
                format!("invalid language `{other}`"),
                "use `c` or `c++`",
            )),
        }
    }

    fn build(&self, raw: RawBuild) -> Result<BuildSettings, RecipeError> {
        let opt_level = match &raw.opt_level {
            None => 2,
            Some(level) => match level.parse::<u8>() {
                Ok(n) if n <= 3 => n,
                _ => {
                    return Err(self.err(
                        level,
                        format!("invalid opt_level `{}`", **level),
                        "use 0, 1, 2 or 3",
                    ));
                }
            },
        };
        let debug_info = match &raw.debug_info {
            None => false,
            Some(value) => match value.as_str() {
                "false" => false,
                "true" => true,
                other => {
                    let message = format!("invalid debug_info `{other}`");
                    return Err(self.err(value, message, "use `true` or `false`"));
                }
            },
        };
        Ok(BuildSettings {
            interpreters: strings(&raw.interpreters),
            skip: strings(&raw.skip),
            opt_level,
            debug_info,
        })
    }
}

/// A macro's value; YAML's null (`~`, `null` or nothing) means a bare `#define NAME`.
fn macro_value(value: Option<&SStr>) -> Option<String> {
    value
        .map(|v| v.as_str())
        .filter(|v| !matches!(*v, "" | "~" | "null" | "Null" | "NULL"))
        .map(str::to_string)
}

/// `a.b_c.d`: each part a Python identifier (ASCII subset).
fn is_dotted_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        })
}
