//! A wheel that links is not a wheel that works: every undefined symbol of an extension
//! must be provided by a library it needs or by the Python interpreter that loads it.
//! A library older than the headers suggested (or a cdef naming a function no library
//! defines) links with unresolved symbols and fails only at import; this catches it at build.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::RepairError;
use super::elf::ElfInfo;
use super::ldpaths::LibrarySearch;

/// Symbols nothing provides.
#[derive(Debug, Clone)]
pub struct Unresolved {
    /// The extension.
    pub file: PathBuf,
    /// Module name.
    pub module: String,
    /// Each symbol with where it was declared, when found.
    pub symbols: Vec<(String, Option<String>)>,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "module `{}` uses symbols that no library it links and no Python provides, so it \
             would fail at import:",
            self.module
        )?;
        for (symbol, site) in &self.symbols {
            match site {
                Some(site) => write!(f, "\n  {symbol} (declared in {site})")?,
                None => write!(f, "\n  {symbol}")?,
            }
        }
        write!(
            f,
            "\nlink the library that defines them (`libraries`, `pkg_config`), or check that it \
             is recent enough for its headers"
        )
    }
}

/// Every symbol defined by `roots` and by the libraries they need, transitively.
fn provided(roots: &[ElfInfo], search: &LibrarySearch) -> Result<BTreeSet<String>, RepairError> {
    let mut symbols = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(String, ElfInfo)> = Vec::new();
    for root in roots {
        symbols.extend(root.defined.iter().cloned());
        stack.extend(root.needed.iter().map(|n| (n.clone(), root.clone())));
    }
    while let Some((name, from)) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        // A library the loader cannot find is reported by repair; here it provides nothing.
        let Some(path) = search.resolve(&name, &from) else {
            continue;
        };
        if let Some(info) = ElfInfo::read(&path)? {
            symbols.extend(info.defined.iter().cloned());
            stack.extend(info.needed.iter().map(|n| (n.clone(), info.clone())));
        }
    }
    Ok(symbols)
}

/// Checks the extension at `path` against what it will be loaded with: its own `DT_NEEDED`
/// closure and `interpreter` (the executable, and its libpython when shared).
/// Returns the unresolved, non-weak symbol names.
pub fn check_undefined(
    path: &Path,
    interpreter: &Path,
    search: &LibrarySearch,
) -> Result<Vec<String>, RepairError> {
    let Some(extension) = ElfInfo::read(path)? else {
        return Ok(Vec::new());
    };
    let mut roots = vec![extension.clone()];
    if let Some(python) = ElfInfo::read(interpreter)? {
        roots.push(python);
    }
    let available = provided(&roots, search)?;
    Ok(extension
        .undefined
        .iter()
        .filter(|s| !available.contains(*s))
        .cloned()
        .collect())
}

/// Where `symbol` is declared: the first header under `include_dirs` that declares it as a
/// function or variable (`path:line`), else the cdef.
pub fn declaration_site(
    symbol: &str,
    include_dirs: &[PathBuf],
    cdef: &str,
    module: &str,
) -> Option<String> {
    let declares = |line: &str| {
        line.match_indices(symbol).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + symbol.len()..].trim_start().chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && matches!(after, Some('(' | ';' | '['))
        })
    };
    for dir in include_dirs {
        let mut headers: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .max_depth(3)
            .into_iter()
            .flatten()
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "h" || e == "hpp"))
            .collect();
        headers.sort();
        for header in headers {
            let Ok(text) = fs_err::read_to_string(&header) else {
                continue;
            };
            if let Some((n, _)) = text.lines().enumerate().find(|(_, l)| declares(l)) {
                return Some(format!("{}:{}", header.display(), n + 1));
            }
        }
    }
    cdef.lines()
        .position(declares)
        .map(|n| format!("the cdef of module `{module}`, line {}", n + 1))
}
