//! Command line: argument parsing, progress on stderr, `--json` on stdout, exit codes.
//!
//! Logic lives in the library; each command's file only calls it, and `render` shows its errors.

mod build;
mod doctor;
mod import;
mod list_interpreters;
mod metadata;
mod plan;
mod render;
mod repair;
mod sdist;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::interpreter::{self, Interpreter};
use crate::pipeline::{self, BuildOptions};
use crate::plan::{self as build_plan, Selection};
use crate::setuptools::Detected;
use crate::{env_vars, recipe};

use build::BuildArgs;
use doctor::DoctorArgs;
use import::ImportArgs;
use list_interpreters::ListArgs;
use plan::PlanArgs;
use repair::RepairArgs;
use sdist::SdistArgs;

pub use render::CliError;

/// Build tagged, hashed Python wheels from CFFI API-mode recipes.
#[derive(Debug, Parser)]
#[command(name = "cffi-wheel", version, about, long_about = None)]
struct Cli {
    /// More detail on stderr (-v: debug, -vv: trace); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build one wheel per distinct ABI from a recipe.
    Build(BuildArgs),
    /// Show the targets `build` would make, without building.
    Plan(PlanArgs),
    /// List the interpreters found and what each was introspected as.
    ListInterpreters(ListArgs),
    /// Repair wheels built elsewhere: manylinux tag, bundled libraries, $ORIGIN RUNPATHs.
    Repair(RepairArgs),
    /// Build, then install each wheel into a fresh venv of every interpreter its tags claim
    /// and run the recipe's `test.command` there.
    Test(BuildArgs),
    /// Write a source distribution (PEP 625 `name-version.tar.gz`) with every file the recipe uses.
    Sdist(SdistArgs),
    /// Write `<dist>-<version>.dist-info/METADATA` (PEP 517 prepare_metadata_for_build_wheel).
    Metadata(SdistArgs),
    /// Write a cffi-wheel.yaml for a setuptools project with `cffi_modules`.
    Import(ImportArgs),
    /// Check interpreters, compilers, tools and the cache; say how to install what is missing.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
struct Selectors {
    /// Interpreter path, name on PATH, or selector (`cp311`, `cp313t`, `pp39`, `cp3*`); repeatable.
    /// Default: every interpreter found that satisfies requires_python.
    #[arg(short = 'i', long = "interpreter", value_name = "INTERPRETER")]
    interpreters: Vec<String>,
    /// Set a recipe build option, NAME=VALUE (NAME alone means true); repeatable.
    #[arg(long = "config", value_name = "NAME=VALUE")]
    config: Vec<String>,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout and usage errors to stderr.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Build(args) => build::build(args),
        Command::Plan(args) => plan::plan_command(args),
        Command::ListInterpreters(args) => list_interpreters::list_interpreters(args),
        Command::Repair(args) => repair::repair(args),
        Command::Test(args) => test::test(args),
        Command::Sdist(args) => sdist::sdist(args),
        Command::Metadata(args) => metadata::metadata(args),
        Command::Import(args) => import::import(args),
        Command::Doctor(args) => doctor::doctor(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", err.render());
            ExitCode::from(err.exit_code())
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("cffi_wheel={level}")));
    // Colour only for a terminal, and never under NO_COLOR (no-color.org).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && env_vars::var_os(env_vars::NO_COLOR).is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

/// The interpreters to consider, and selectors to apply, from `-i` values. Only candidates
/// that the selectors (else `fallback`, the recipe's) may match are probed.
fn resolve_interpreters(
    values: &[String],
    fallback: &[String],
) -> Result<(Vec<Interpreter>, Vec<String>), CliError> {
    let mut explicit = Vec::new();
    let mut selectors = Vec::new();
    for value in values {
        if is_selector(value) {
            selectors.push(value.clone());
        } else {
            explicit.push(interpreter_path(value)?);
        }
    }
    let mut found = Vec::new();
    for (path, result) in explicit.iter().zip(interpreter::probe_all(&explicit)) {
        found.push(result.map_err(|e| CliError::Interpreter(path.clone(), e))?);
    }
    if explicit.is_empty() || !selectors.is_empty() {
        let narrowing = if values.is_empty() {
            fallback
        } else {
            &selectors
        };
        found.extend(interpreter::discover_for(narrowing));
    }
    Ok((interpreter::dedup(found), selectors))
}

/// `cp311`, `pp39`, `cp3*`, `cp313t-*`: a selector rather than a path or program name.
fn is_selector(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.starts_with("cp") || lower.starts_with("pp") || lower.starts_with('*'))
        && !value.contains(std::path::MAIN_SEPARATOR)
}

fn interpreter_path(value: &str) -> Result<PathBuf, CliError> {
    let path = Path::new(value);
    if path.components().count() > 1 || path.exists() {
        return Ok(path.to_path_buf());
    }
    which::which(value).map_err(|_| {
        CliError::Usage(format!(
            "-i {value}: no such file, program on PATH, or selector (selectors look like cp311, cp313t, pp39, cp3*)"
        ))
    })
}

/// What `build`, `plan` and `test` were pointed at.
enum Project {
    /// A cffi-wheel recipe (YAML, or `[tool.cffi-wheel]`).
    Recipe,
    /// A setuptools project without a recipe, built through its own backend.
    Setuptools(crate::setuptools::SetuptoolsProject),
}

/// A recipe wins; a directory without one that is a setuptools project is built as it is.
fn project_kind(path: &Path) -> Result<Project, CliError> {
    match recipe::locate(path) {
        Ok(_) => Ok(Project::Recipe),
        Err(not_found @ recipe::RecipeError::NotFound { .. }) if path.is_dir() => {
            let root = absolute(path.to_path_buf())?;
            match crate::setuptools::detect(&root).map_err(pipeline::PipelineError::from)? {
                Detected::Setuptools(project) => Ok(Project::Setuptools(project)),
                Detected::OtherBackend(backend) => Err(CliError::Usage(format!(
                    "{} has no cffi-wheel recipe, and its build backend is `{backend}`, not \
                     setuptools\nhelp: cffi-wheel builds setuptools projects as they are, and \
                     projects with a recipe; write one with `cffi-wheel import` (setup.py \
                     projects) or by hand (docs/recipe.md), or build this one with `pip wheel .`",
                    root.display()
                ))),
                Detected::Nothing => Err(CliError::Usage(format!(
                    "{not_found}, and {} is no setuptools project either (no setup.py, no \
                     [build-system] in pyproject.toml)\nhelp: point cffi-wheel at a project \
                     directory, or write a recipe (docs/recipe.md)",
                    root.display()
                ))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The interpreters found and the selection that applies, for a setuptools project.
fn setuptools_selection(select: &Selectors) -> Result<(Vec<Interpreter>, Selection), CliError> {
    if !select.config.is_empty() {
        return Err(CliError::Usage(
            "--config sets recipe options; a setuptools project without a recipe has none".into(),
        ));
    }
    let (interpreters, selectors) = resolve_interpreters(&select.interpreters, &[])?;
    let selection = Selection {
        select: selectors,
        skip: Vec::new(),
    };
    Ok((interpreters, selection))
}

fn make_plan(
    path: &Path,
    select: &Selectors,
) -> Result<(recipe::Recipe, build_plan::BuildPlan, Vec<Interpreter>), CliError> {
    let config = recipe::BuildConfig {
        options: select
            .config
            .iter()
            .map(|c| recipe::parse_assignment(c))
            .collect(),
        ..recipe::BuildConfig::default()
    };
    let recipe = recipe::load_with(path, &config)?;
    let (interpreters, cli_selectors) =
        resolve_interpreters(&select.interpreters, &recipe.build.interpreters)?;
    let selection = Selection {
        select: if select.interpreters.is_empty() {
            recipe.build.interpreters.clone()
        } else {
            cli_selectors
        },
        skip: recipe.build.skip.clone(),
    };
    let plan = build_plan::plan(&recipe, &interpreters, &selection)?;
    Ok((recipe, plan, interpreters))
}

/// Build settings shared by every kind of project.
fn build_options(
    root: &Path,
    out_dir: Option<PathBuf>,
    build_dir: Option<PathBuf>,
    offline: bool,
    setup_timeout: Option<u64>,
    prefix: Option<PathBuf>,
) -> Result<BuildOptions, CliError> {
    Ok(BuildOptions {
        out_dir: out_dir.unwrap_or_else(|| root.join("dist")),
        build_dir: absolute(build_dir.unwrap_or_else(|| root.join("build").join("cffi-wheel")))?,
        cache_dir: env_vars::cache_dir(),
        offline,
        source_date_epoch: source_date_epoch()?,
        debug_info: None,
        bundle: true,
        repair: true,
        codegen_python: None,
        editable: false,
        prefix: prefix.or_else(|| env_vars::var_os(env_vars::CONDA_PREFIX).map(PathBuf::from)),
        setup_timeout: setup_timeout.map_or(pipeline::DEFAULT_SETUP_TIMEOUT, |secs| {
            std::time::Duration::from_secs(secs)
        }),
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
    })
}

fn source_date_epoch() -> Result<Option<u64>, CliError> {
    env_vars::source_date_epoch().map_err(|raw| {
        CliError::Usage(format!(
            "SOURCE_DATE_EPOCH={raw:?} is not a whole number of seconds"
        ))
    })
}

fn absolute(path: PathBuf) -> Result<PathBuf, CliError> {
    std::path::absolute(&path).map_err(|source| CliError::Path { path, source })
}
