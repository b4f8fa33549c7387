//! Which Python generates the C, and how it runs: one choice for `build`'s codegen, for
//! reading `script:` modules and for `import`.

use std::path::{Path, PathBuf};

use super::{CodegenError, Isolation, ensure_managed_env};
use crate::interpreter::Interpreter;
use crate::plan::{CODEGEN_CFFI_VERSION, Flavour};

/// What the choice depends on.
#[derive(Debug, Clone, Copy)]
pub struct HostChoice<'a> {
    /// `--codegen-python`: generate CPython C with this interpreter's cffi.
    pub codegen_python: Option<&'a Path>,
    /// Where managed environments live.
    pub cache_dir: &'a Path,
    /// Forbid installing a managed environment.
    pub offline: bool,
    /// The interpreters found so far (the managed environment's host is chosen from these
    /// and every other one on the machine).
    pub interpreters: &'a [Interpreter],
}

/// The generating interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The interpreter to run.
    pub python: PathBuf,
    /// How to run it.
    pub isolation: Isolation,
}

impl HostChoice<'_> {
    /// The Python that generates `flavour`'s C: a target's own cffi (PyPy's built-in one)
    /// for a builtin flavour, else `--codegen-python`, else the managed environment.
    pub fn for_flavour(&self, flavour: &Flavour, target: &Path) -> Result<Host, CodegenError> {
        match flavour {
            Flavour::Builtin { .. } => self.choose(Some(target), CODEGEN_CFFI_VERSION),
            Flavour::Managed { cffi } => self.choose(None, cffi),
        }
    }

    /// The Python that runs build scripts to read their `set_source` (`script:` modules
    /// and `import`): the one that generates CPython C.
    pub fn for_scripts(&self) -> Result<Host, CodegenError> {
        self.choose(None, CODEGEN_CFFI_VERSION)
    }

    fn choose(&self, builtin: Option<&Path>, cffi: &str) -> Result<Host, CodegenError> {
        if let Some(target) = builtin {
            return Ok(Host {
                python: target.to_path_buf(),
                isolation: Isolation::Isolated,
            });
        }
        if let Some(python) = self.codegen_python {
            // Its cffi may come through PYTHONPATH (pip's isolated build environments).
            return Ok(Host {
                python: python.to_path_buf(),
                isolation: Isolation::InheritPath,
            });
        }
        let env = ensure_managed_env(self.cache_dir, cffi, self.interpreters, self.offline)?;
        Ok(Host {
            python: env.python,
            isolation: Isolation::Isolated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(codegen_python: Option<&Path>) -> HostChoice<'_> {
        HostChoice {
            codegen_python,
            cache_dir: Path::new("/nonexistent/cache"),
            offline: true,
            interpreters: &[],
        }
    }

    #[test]
    fn a_builtin_flavour_generates_with_its_own_interpreter() {
        let flavour = Flavour::Builtin {
            interpreter: "pp39".into(),
            cffi: "1.15.1".into(),
        };
        let given = Path::new("/opt/cpython/bin/python3");
        let host = choice(Some(given))
            .for_flavour(&flavour, Path::new("/opt/pypy/bin/pypy3"))
            .expect("no environment needed");
        assert_eq!(host.python, Path::new("/opt/pypy/bin/pypy3"));
        assert_eq!(host.isolation, Isolation::Isolated);
    }

    #[test]
    fn codegen_python_serves_cpython_flavours_and_scripts_alike() {
        let given = Path::new("/opt/cpython/bin/python3");
        let flavour = Flavour::Managed {
            cffi: CODEGEN_CFFI_VERSION.into(),
        };
        let expected = Host {
            python: given.to_path_buf(),
            isolation: Isolation::InheritPath,
        };
        let choice = choice(Some(given));
        let by_flavour = choice.for_flavour(&flavour, Path::new("/usr/bin/python3.11"));
        assert_eq!(by_flavour.expect("given"), expected);
        assert_eq!(choice.for_scripts().expect("given"), expected);
    }
}
