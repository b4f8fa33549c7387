//! Objects and the linked extension, through the `cc` crate (decision 3 and 4).
//!
//! A module's own `sources` never include Python.h, so their objects are compiled once and
//! shared by every Target; only the generated module is compiled per Target.

mod prebuild;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::codegen::GeneratedSource;
use crate::plan::Target;
use crate::recipe::{Language, Module};
use crate::toolchain::Toolchain;

pub use prebuild::run_prebuild;

/// One extension as it will be compiled and linked: the resolved build description where a
/// recipe's module and a setuptools Extension meet. Later stages read it, never the recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionSpec {
    /// Dotted module name.
    pub name: String,
    /// C/C++ sources compiled into it (a recipe's generated C is added per target).
    pub sources: Vec<PathBuf>,
    /// Include directories, absolute.
    pub include_dirs: Vec<PathBuf>,
    /// Macros.
    pub define_macros: Vec<(String, Option<String>)>,
    /// Macros to undefine.
    pub undef_macros: Vec<String>,
    /// Libraries linked dynamically.
    pub libraries: Vec<String>,
    /// Libraries linked statically.
    pub static_libraries: Vec<String>,
    /// Library directories, absolute.
    pub library_dirs: Vec<PathBuf>,
    /// RUNPATH entries kept (only `$ORIGIN`-relative ones: nothing of the build machine).
    pub runtime_library_dirs: Vec<String>,
    /// Objects and archives linked in, absolute.
    pub extra_objects: Vec<PathBuf>,
    /// Extra compiler arguments.
    pub extra_compile_args: Vec<String>,
    /// Extra linker arguments.
    pub extra_link_args: Vec<String>,
    /// The link driver's language (C++ links libstdc++).
    pub language: Language,
    /// Whether it uses the limited API (abi3) where the target allows.
    pub limited_api: bool,
    /// Make implicit function declarations errors in C (a recipe's cdef that does not match
    /// its headers shows up here, not at import time). Off for setuptools projects, whose C
    /// setuptools compiles without it.
    pub strict_c: bool,
    /// The cdef (to name the header that declared a missing symbol), empty when unknown.
    pub cdef: String,
}

impl From<&Module> for ExtensionSpec {
    fn from(module: &Module) -> Self {
        ExtensionSpec {
            name: module.name.clone(),
            sources: module.sources.clone(),
            include_dirs: module.include_dirs.clone(),
            define_macros: module.define_macros.clone(),
            undef_macros: module.undef_macros.clone(),
            libraries: module.libraries.clone(),
            static_libraries: module.static_libraries.clone(),
            library_dirs: module.library_dirs.clone(),
            runtime_library_dirs: Vec::new(),
            extra_objects: module.extra_objects.clone(),
            extra_compile_args: module.extra_compile_args.clone(),
            extra_link_args: module.extra_link_args.clone(),
            language: module.language,
            limited_api: module.limited_api != crate::recipe::LimitedApi::False,
            strict_c: true,
            cdef: module.cdef.clone(),
        }
    }
}

/// Whether `path` is a C++ source by its extension (as distutils decides).
pub fn is_cxx_source(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("cpp" | "cc" | "cxx" | "c++" | "C" | "CPP")
    )
}

/// One linked extension module.
#[derive(Debug, Clone, Serialize)]
pub struct BuiltExtension {
    /// Dotted module name.
    pub module: String,
    /// Target id it was built for.
    pub target: String,
    /// The linked file.
    pub path: PathBuf,
    /// Its path inside the wheel, e.g. `fastmath/_fastmath.abi3.so`.
    pub archive_path: String,
}

/// Compile and link failures.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The compiler failed or could not be found.
    #[error("compiling module `{module}` failed:\n{detail}")]
    Compile {
        /// Module name.
        module: String,
        /// The cc crate's report, with the compiler's message.
        detail: String,
    },
    /// The linker failed.
    #[error("linking module `{module}` failed:\n{detail}")]
    Link {
        /// Module name.
        module: String,
        /// The linker's message.
        detail: String,
    },
    /// A prebuild step failed.
    #[error("prebuild step {step} of module `{module}` failed: {detail}")]
    Prebuild {
        /// Module name.
        module: String,
        /// 1-based step number.
        step: usize,
        /// What happened.
        detail: String,
    },
    /// A static archive without position-independent code.
    #[error(
        "linking module `{module}` failed: {archive} is not position-independent code (it was \
         not compiled with -fPIC), so it cannot go into a shared extension module.\n\
         Use `link: shared` to link the shared library (repair bundles it into the wheel), or \
         build the library from source with -fPIC (vendored `sources`, or a `prebuild` step).\n\
         The linker said:\n{detail}"
    )]
    NotPic {
        /// Module name.
        module: String,
        /// The archive at fault.
        archive: String,
        /// The linker's message.
        detail: String,
    },
    /// The compiler or linker exited with success but did not write its output, so a stale
    /// file from an earlier build would have been shipped.
    #[error(
        "{tool} exited with success for module `{module}` but did not write {}\n\
         help: check the compiler (CC, CXX, or a wrapper script such as ccache): it must \
         write the file named after -o, and exit with an error when it cannot",
        path.display()
    )]
    NoOutput {
        /// Module name.
        module: String,
        /// "the compiler" or "the linker".
        tool: &'static str,
        /// The file that is missing or empty.
        path: PathBuf,
    },
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Empties the object directory `out`: objects of an earlier build must not stand in for
/// ones the compiler failed to write.
fn fresh_dir(out: &Path) -> Result<(), CompileError> {
    if out.exists() {
        fs_err::remove_dir_all(out)?;
    }
    fs_err::create_dir_all(out)?;
    Ok(())
}

/// Fails unless each of `paths` exists and is not empty.
fn check_written(
    module: &ExtensionSpec,
    tool: &'static str,
    paths: &[PathBuf],
) -> Result<(), CompileError> {
    for path in paths {
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
            return Err(CompileError::NoOutput {
                module: module.name.clone(),
                tool,
                path: path.clone(),
            });
        }
    }
    Ok(())
}

/// The archive named by a GNU ld "recompile with -fPIC" error, e.g.
/// `/usr/bin/ld: /usr/lib/x86_64-linux-gnu/libsodium.a(x.o): relocation R_X86_64_PC32 …`.
fn non_pic_archive(linker_stderr: &str) -> Option<String> {
    let line = linker_stderr.lines().find(|l| {
        l.contains("recompile with -fPIC")
            || l.contains("can not be used when making a shared object")
    })?;
    let archive = line
        .split(": ")
        .find(|part| part.contains(".a("))
        .and_then(|part| part.split('(').next())
        .unwrap_or("a static archive");
    Some(archive.to_string())
}

/// Paths mapped out of objects so that builds at other paths give identical bytes.
#[derive(Debug, Clone)]
pub struct PrefixMaps {
    /// The project root (mapped to `.`).
    pub project_root: PathBuf,
    /// The build directory (mapped to `build`).
    pub build_dir: PathBuf,
}

impl PrefixMaps {
    /// The flags, the deeper directory last: gcc applies the last map that matches, and a
    /// private copy of the project may lie inside the build directory (or the build
    /// directory inside the project).
    fn flags(&self) -> [String; 2] {
        let project = format!("-ffile-prefix-map={}=.", self.project_root.display());
        let build = format!("-ffile-prefix-map={}=build", self.build_dir.display());
        if self.project_root.starts_with(&self.build_dir) {
            [build, project]
        } else {
            [project, build]
        }
    }
}

/// A `cc::Build` with the module's include dirs, macros and flags.
fn module_build(
    toolchain: &Toolchain,
    module: &ExtensionSpec,
    cpp: bool,
    maps: &PrefixMaps,
    out: &Path,
) -> cc::Build {
    let mut build = toolchain.build();
    build.out_dir(out).cpp(cpp);
    build.includes(&module.include_dirs);
    for (name, value) in &module.define_macros {
        build.define(name, value.as_deref());
    }
    for name in &module.undef_macros {
        build.flag(format!("-U{name}"));
    }
    if toolchain.is_elf() {
        for flag in maps.flags() {
            build.flag(flag);
        }
        // A cdef that does not match the headers shows up here first, not at import time.
        if !cpp && module.strict_c {
            build.flag("-Werror=implicit-function-declaration");
        }
    }
    for flag in &module.extra_compile_args {
        build.flag(flag);
    }
    build
}

/// Collects what the compiler writes to stderr, which cc would otherwise drop.
#[derive(Debug, Default)]
struct CompilerOutput(Mutex<Vec<String>>);

impl cc::BuildMessageLogger for CompilerOutput {
    fn log(
        &self,
        kind: cc::BuildMessageKind,
        msg: cc::BuildMessage<'_>,
        _extra: &dyn std::any::Any,
    ) {
        if kind == cc::BuildMessageKind::StderrForwarding
            && let Ok(mut lines) = self.0.lock()
        {
            lines.push(msg.to_string());
        }
    }
}

impl CompilerOutput {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|lines| lines.join("\n"))
            .unwrap_or_default()
    }
}

/// Runs cc's compile step, turning its error into one that carries the compiler's own
/// message, and reporting warnings of a successful compile.
fn run_compile(
    build: &mut cc::Build,
    module: &ExtensionSpec,
) -> Result<Vec<PathBuf>, CompileError> {
    let output = Arc::new(CompilerOutput::default());
    build.message_logger(Some(output.clone()));
    let result = build.try_compile_intermediates();
    let diagnostics = output.text();
    match result {
        Ok(mut objects) => {
            if !diagnostics.trim().is_empty() {
                tracing::warn!(
                    "compiler warnings in module `{}`:\n{diagnostics}",
                    module.name
                );
            }
            objects.sort();
            check_written(module, "the compiler", &objects)?;
            Ok(objects)
        }
        Err(e) => Err(CompileError::Compile {
            module: module.name.clone(),
            detail: if diagnostics.trim().is_empty() {
                e.to_string()
            } else {
                format!("{diagnostics}\n({e})")
            },
        }),
    }
}

fn compile_error(module: &ExtensionSpec) -> impl Fn(cc::Error) -> CompileError + '_ {
    |e| CompileError::Compile {
        module: module.name.clone(),
        detail: e.to_string(),
    }
}

/// Compiles the module's own `sources` into `out` (shared by all Targets).
pub fn compile_sources(
    toolchain: &Toolchain,
    module: &ExtensionSpec,
    maps: &PrefixMaps,
    out: &Path,
) -> Result<Vec<PathBuf>, CompileError> {
    if module.sources.is_empty() {
        return Ok(Vec::new());
    }
    fresh_dir(out)?;
    let mut build = module_build(
        toolchain,
        module,
        module.language == Language::Cxx,
        maps,
        out,
    );
    if toolchain.is_elf() {
        // A vendored library's functions stay inside the extension: nothing from the process
        // (libm's `gamma`, another extension's copy) interposes on them, and they clash with
        // nothing. Only the generated module's init function needs to be exported.
        build.flag("-fvisibility=hidden");
    }
    build.files(&module.sources);
    run_compile(&mut build, module)
}

/// Compiles the generated C of `module` for `target` into `out`.
pub fn compile_generated(
    toolchain: &Toolchain,
    module: &ExtensionSpec,
    generated: &GeneratedSource,
    target: &Target,
    maps: &PrefixMaps,
    out: &Path,
) -> Result<Vec<PathBuf>, CompileError> {
    fresh_dir(out)?;
    let mut build = module_build(
        toolchain,
        module,
        module.language == Language::Cxx,
        maps,
        out,
    );
    build.include(&target.build_interpreter.include_dir);
    if !target.limited_api {
        // cffi defines Py_LIMITED_API itself unless told not to.
        build.define("_CFFI_NO_LIMITED_API", None);
    }
    build.file(&generated.path);
    run_compile(&mut build, module)
}

/// Compiles every source of a setuptools Extension for one target: C files with the C
/// compiler and C++ files with the C++ compiler, as setuptools does. The Extension's include
/// dirs already hold its target interpreter's headers (setuptools ran under it).
pub fn compile_extension(
    toolchain: &Toolchain,
    module: &ExtensionSpec,
    maps: &PrefixMaps,
    out: &Path,
) -> Result<Vec<PathBuf>, CompileError> {
    fresh_dir(out)?;
    let (cxx, c): (Vec<&PathBuf>, Vec<&PathBuf>) =
        module.sources.iter().partition(|p| is_cxx_source(p));
    let mut objects = Vec::new();
    for (cpp, files) in [(false, c), (true, cxx)] {
        if files.is_empty() {
            continue;
        }
        let mut build = module_build(toolchain, module, cpp, maps, out);
        build.files(files);
        objects.extend(run_compile(&mut build, module)?);
    }
    Ok(objects)
}

/// Links `objects` into the extension of `module` for `target` at `output`.
pub fn link(
    toolchain: &Toolchain,
    module: &ExtensionSpec,
    target: &Target,
    objects: &[PathBuf],
    output: &Path,
) -> Result<BuiltExtension, CompileError> {
    if let Some(parent) = output.parent() {
        fs_err::create_dir_all(parent)?;
    }
    // An earlier build's extension must not stand in for one the linker failed to write.
    if output.exists() {
        fs_err::remove_file(output)?;
    }
    let tool = toolchain
        .build()
        .cpp(module.language == Language::Cxx)
        .try_get_compiler()
        .map_err(compile_error(module))?;
    let mut command: Command = tool.to_command();
    command.arg("-shared").arg("-o").arg(output).args(objects);
    command.args(&module.extra_objects);
    for dir in &module.library_dirs {
        command.arg(format!("-L{}", dir.display()));
    }
    if !module.static_libraries.is_empty() {
        command.arg("-Wl,-Bstatic");
        for lib in &module.static_libraries {
            command.arg(format!("-l{lib}"));
        }
        command.arg("-Wl,-Bdynamic");
    }
    for lib in &module.libraries {
        command.arg(format!("-l{lib}"));
    }
    for dir in &module.runtime_library_dirs {
        command.arg(format!("-Wl,-rpath,{dir}"));
    }
    command.args(&module.extra_link_args);
    let limit = crate::env_vars::step_timeout();
    let result = crate::process::run_captured(&mut command, None, limit).map_err(|e| match e {
        crate::process::ProcessError::Io(e) => CompileError::from(e),
        other => CompileError::Link {
            module: module.name.clone(),
            detail: other.to_string(),
        },
    })?;
    if !result.status.success() {
        let detail = String::from_utf8_lossy(&result.stderr).trim().to_string();
        if let Some(archive) = non_pic_archive(&detail) {
            return Err(CompileError::NotPic {
                module: module.name.clone(),
                archive,
                detail,
            });
        }
        return Err(CompileError::Link {
            module: module.name.clone(),
            detail,
        });
    }
    check_written(module, "the linker", &[output.to_path_buf()])?;
    Ok(BuiltExtension {
        module: module.name.clone(),
        target: target.id.clone(),
        path: output.to_path_buf(),
        archive_path: archive_path(module, &target.ext_suffix),
    })
}

/// `pkg.sub._mod` + `.abi3.so` → `pkg/sub/_mod.abi3.so`.
pub fn archive_path(module: &ExtensionSpec, ext_suffix: &str) -> String {
    format!("{}{ext_suffix}", module.name.replace('.', "/"))
}
