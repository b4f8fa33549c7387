//! Command line: argument parsing, progress on stderr, `--json` on stdout, exit codes.
//!
//! Logic lives in the library; this module only calls it and renders its errors.

mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::interpreter::{self, Interpreter};
use crate::pipeline::{self, BuildOptions};
use crate::plan::{self, Selection};
use crate::setuptools::Detected;
use crate::{env_vars, migrate, recipe, verify};

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
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The project directory (holding setup.py and/or setup.cfg).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Overwrite an existing cffi-wheel.yaml.
    #[arg(long)]
    force: bool,
    /// Never install anything (the managed codegen environment must already exist).
    #[arg(long)]
    offline: bool,
}

#[derive(Debug, Args)]
struct SdistArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output directory [default: PATH/dist].
    #[arg(short, long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RepairArgs {
    /// Wheels to repair.
    #[arg(required = true)]
    wheels: Vec<PathBuf>,
    /// Output directory.
    #[arg(
        short = 'o',
        long = "out-dir",
        value_name = "DIR",
        default_value = "wheelhouse"
    )]
    out_dir: PathBuf,
    /// Fail instead of bundling libraries that the manylinux policy does not allow.
    #[arg(long)]
    no_bundle: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Platform tag policy for `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Compatibility {
    /// The most compatible manylinux/musllinux tag the binaries satisfy (repair, bundle).
    Auto,
    /// The plain `linux_<arch>` tag: no repair, no bundling (not uploadable to PyPI).
    Linux,
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

#[derive(Debug, Args)]
struct PlanArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file; or a setuptools project
    /// (its backend runs, compiling nothing, to show what would be compiled).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Offline: never install a build environment.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    select: Selectors,
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file; or a setuptools project
    /// (setup.py / pyproject.toml), built as it is.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output directory for wheels [default: PATH/dist].
    #[arg(short, long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Directory for intermediate files [default: PATH/build/cffi-wheel].
    #[arg(long, value_name = "DIR")]
    build_dir: Option<PathBuf>,
    /// Never install anything (the managed codegen environment must already exist).
    #[arg(long)]
    offline: bool,
    /// Emit debug info in the extensions (overrides the recipe's build.debug_info).
    #[arg(long)]
    debug_info: bool,
    /// Fail instead of bundling libraries that the manylinux policy does not allow.
    #[arg(long)]
    no_bundle: bool,
    /// Generate the CPython C with this interpreter's cffi instead of the managed environment.
    #[arg(long, value_name = "PYTHON")]
    codegen_python: Option<PathBuf>,
    /// Build for editable installs (PEP 660): extensions go next to the sources and the
    /// wheel holds a .pth pointing at them.
    #[arg(long)]
    editable: bool,
    /// Platform tag: `auto` repairs to the most compatible manylinux tag; `linux` skips repair.
    #[arg(long, value_enum, default_value = "auto")]
    compatibility: Compatibility,
    /// Install prefix of external libraries (include/, lib/) [default: $CONDA_PREFIX].
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
    /// setuptools projects: stop a step that runs the project's own build code (or pip)
    /// after this many seconds [default: 1800].
    #[arg(long, value_name = "SECONDS", env = env_vars::SETUP_TIMEOUT)]
    setup_timeout: Option<u64>,
    /// How many targets build at once (setuptools runs, code generation, compiling each
    /// target's generated C) [default: the number of cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    #[command(flatten)]
    select: Selectors,
}

#[derive(Debug, Args)]
struct ListArgs {
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
        Command::Build(args) => build(args),
        Command::Plan(args) => plan_command(args),
        Command::ListInterpreters(args) => list_interpreters(args),
        Command::Repair(args) => repair(args),
        Command::Test(args) => test(args),
        Command::Sdist(args) => sdist(args),
        Command::Metadata(args) => metadata(args),
        Command::Import(args) => import(args),
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
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Other(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// The interpreters to consider, and selectors to apply, from `-i` values.
fn resolve_interpreters(values: &[String]) -> Result<(Vec<Interpreter>, Vec<String>), CliError> {
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
        found.extend(interpreter::discover());
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
    let (interpreters, selectors) = resolve_interpreters(&select.interpreters)?;
    let selection = Selection {
        select: selectors,
        skip: Vec::new(),
    };
    Ok((interpreters, selection))
}

fn make_plan(
    path: &Path,
    select: &Selectors,
) -> Result<(recipe::Recipe, plan::BuildPlan, Vec<Interpreter>), CliError> {
    let config = recipe::BuildConfig {
        options: select
            .config
            .iter()
            .map(|c| recipe::parse_assignment(c))
            .collect(),
        ..recipe::BuildConfig::default()
    };
    let recipe = recipe::load_with(path, &config)?;
    let (interpreters, cli_selectors) = resolve_interpreters(&select.interpreters)?;
    let selection = Selection {
        select: if select.interpreters.is_empty() {
            recipe.build.interpreters.clone()
        } else {
            cli_selectors
        },
        skip: recipe.build.skip.clone(),
    };
    let plan = plan::plan(&recipe, &interpreters, &selection)?;
    Ok((recipe, plan, interpreters))
}

fn plan_command(args: PlanArgs) -> Result<(), CliError> {
    if let Project::Setuptools(project) = project_kind(&args.path)? {
        let (interpreters, selection) = setuptools_selection(&args.select)?;
        let options = build_options(&project.root, None, None, args.offline, None, None)?;
        let (resolved, _) = pipeline::resolve_setuptools(
            &project,
            &interpreters,
            &selection,
            &options,
            |_, _, _| Ok(()),
        )?;
        if args.select.json {
            return print_json(&resolved);
        }
        return print_plan(&resolved.plan);
    }
    let (recipe, plan, interpreters) = make_plan(&args.path, &args.select)?;
    if args.select.json {
        let options = build_options(&recipe.root, None, None, args.offline, None, None)?;
        return print_json(&pipeline::describe_recipe(
            &recipe,
            &plan,
            &interpreters,
            &options,
        )?);
    }
    print_plan(&plan)
}

fn print_plan(plan: &plan::BuildPlan) -> Result<(), CliError> {
    println!(
        "{} {}: {} target(s)",
        plan.name,
        plan.version,
        plan.targets.len()
    );
    for target in &plan.targets {
        let ids: Vec<String> = target
            .interpreters
            .iter()
            .map(Interpreter::identifier)
            .collect();
        println!(
            "  {:<24} {:<28} built with {} ({}) for {}",
            target.id,
            target.ext_suffix,
            target.build_interpreter.identifier(),
            target.flavour.key(),
            ids.join(" ")
        );
    }
    for skipped in &plan.skipped {
        println!("  skipped {}: {}", skipped.interpreter, skipped.reason);
    }
    Ok(())
}

fn build(args: BuildArgs) -> Result<(), CliError> {
    let json = args.select.json;
    let (_, report) = build_report(args)?;
    if json {
        return print_json(&report);
    }
    for built in &report.wheels {
        println!("{}", built.wheel.path.display());
    }
    Ok(())
}

fn test(args: BuildArgs) -> Result<(), CliError> {
    let json = args.select.json;
    let build_dir = args.build_dir.clone();
    let (built, report) = build_report(args)?;
    let (root, settings) = match built {
        Built::Recipe(recipe) => (recipe.root.clone(), recipe.test.clone()),
        Built::Setuptools(root) => (root, recipe::TestSettings::default()),
    };
    let wheels: Vec<verify::WheelUnderTest> = report
        .wheels
        .iter()
        .map(|built| verify::WheelUnderTest {
            wheel: built.wheel.path.clone(),
            interpreters: report
                .plan
                .targets
                .iter()
                .find(|t| t.id == built.target)
                .map(|t| t.interpreters.clone())
                .unwrap_or_default(),
        })
        .collect();
    let command = settings
        .command
        .clone()
        .unwrap_or_else(|| verify::default_command(&report.plan.modules));
    let work_dir = build_dir
        .unwrap_or_else(|| root.join("build").join("cffi-wheel"))
        .join("test");
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results = verify::run_tests(&wheels, &settings, &command, &root, &work_dir, jobs)
        .map_err(|e| CliError::Other(format!("running tests: {e}")))?;
    if json {
        print_json(&results)?;
    } else {
        print!("{}", verify::render_table(&results));
    }
    for failed in results.results.iter().filter(|r| !r.passed) {
        eprintln!(
            "--- {} on {} {} failed at {}:\n{}",
            failed.wheel,
            failed.interpreter,
            failed.version,
            failed.failed_step.as_deref().unwrap_or("?"),
            failed.output
        );
    }
    if results.passed() {
        Ok(())
    } else {
        Err(CliError::TestsFailed)
    }
}

/// What a build was made from.
enum Built {
    /// A recipe.
    Recipe(Box<recipe::Recipe>),
    /// A setuptools project at this root.
    Setuptools(PathBuf),
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

/// `build`'s settings for a project at `root`.
fn build_args_options(args: &BuildArgs, root: &Path) -> Result<BuildOptions, CliError> {
    let mut options = build_options(
        root,
        args.out_dir.clone(),
        args.build_dir.clone(),
        args.offline,
        args.setup_timeout,
        args.prefix.clone(),
    )?;
    options.debug_info = args.debug_info.then_some(true);
    options.bundle = !args.no_bundle;
    options.repair = args.compatibility == Compatibility::Auto;
    options.codegen_python = args.codegen_python.clone();
    options.editable = args.editable;
    if let Some(jobs) = args.jobs {
        options.jobs = usize::from(jobs);
    }
    Ok(options)
}

fn build_report(args: BuildArgs) -> Result<(Built, pipeline::BuildReport), CliError> {
    match project_kind(&args.path)? {
        Project::Setuptools(project) => {
            if args.editable || args.codegen_python.is_some() {
                return Err(CliError::Usage(
                    "--editable and --codegen-python need a recipe; a setuptools project is \
                     installed in editable mode by pip (`pip install -e .`)"
                        .into(),
                ));
            }
            let (interpreters, selection) = setuptools_selection(&args.select)?;
            let options = build_args_options(&args, &project.root)?;
            let report = pipeline::build_setuptools(&project, &interpreters, &selection, &options)?;
            Ok((Built::Setuptools(project.root), report))
        }
        Project::Recipe => {
            let (recipe, plan, interpreters) = make_plan(&args.path, &args.select)?;
            let options = build_args_options(&args, &recipe.root)?;
            let report = pipeline::build(&recipe, &plan, &interpreters, &options)
                .map_err(|err| render::locate_cdef_error(&recipe, err))?;
            Ok((Built::Recipe(Box::new(recipe)), report))
        }
    }
}

fn repair(args: RepairArgs) -> Result<(), CliError> {
    let source_date_epoch = source_date_epoch()?;
    let options = pipeline::RepairWheelOptions {
        out_dir: args.out_dir,
        bundle: !args.no_bundle,
        source_date_epoch,
    };
    let mut repaired = Vec::new();
    for wheel in &args.wheels {
        let result = pipeline::repair_wheel(wheel, &options)?;
        tracing::info!("{} → {}", wheel.display(), result.wheel.file_name);
        repaired.push(result);
    }
    if args.json {
        return print_json(&repaired);
    }
    for result in &repaired {
        println!("{}", result.wheel.path.display());
    }
    Ok(())
}

fn sdist(args: SdistArgs) -> Result<(), CliError> {
    let recipe = recipe::load(&args.path)?;
    let metadata = pipeline::core_metadata(&recipe)?;
    let out_dir = args.out_dir.unwrap_or_else(|| recipe.root.join("dist"));
    let written = crate::sdist::write_sdist(&recipe, &metadata, &out_dir, source_date_epoch()?)
        .map_err(|e| match e {
            crate::sdist::SdistError::Recipe(e) => CliError::Recipe(e),
            e => CliError::Other(e.to_string()),
        })?;
    if args.json {
        return print_json(&written);
    }
    println!("{}", written.path.display());
    Ok(())
}

fn metadata(args: SdistArgs) -> Result<(), CliError> {
    let recipe = recipe::load(&args.path)?;
    let out_dir = args.out_dir.unwrap_or_else(|| recipe.root.join("dist"));
    let name = pipeline::write_metadata_dir(&recipe, &out_dir)?;
    if args.json {
        return print_json(&serde_json::json!({ "dist_info": name }));
    }
    println!("{name}");
    Ok(())
}

fn import(args: ImportArgs) -> Result<(), CliError> {
    let root = absolute(args.path)?;
    let recipe_path = root.join(recipe::RECIPE_FILE);
    if recipe_path.exists() && !args.force {
        return Err(CliError::Other(
            migrate::MigrateError::Exists { path: recipe_path }.to_string(),
        ));
    }
    let project = match crate::setuptools::detect(&root).map_err(pipeline::PipelineError::from)? {
        Detected::Setuptools(project) => project,
        Detected::OtherBackend(backend) => {
            return Err(CliError::Usage(format!(
                "{}: import moves a setuptools project to a recipe; this one's build backend \
                 is `{backend}`",
                root.display()
            )));
        }
        Detected::Nothing => {
            return Err(CliError::Usage(format!(
                "{} is no setuptools project (no setup.py, no [build-system] in pyproject.toml); \
                 import has nothing to read",
                root.display()
            )));
        }
    };
    let interpreters = interpreter::discover();
    let env = crate::codegen::ensure_managed_env(
        &env_vars::cache_dir(),
        crate::plan::CODEGEN_CFFI_VERSION,
        &interpreters,
        args.offline,
    )
    .map_err(|e| CliError::Other(e.to_string()))?;
    let import_error = |e: migrate::MigrateError| CliError::Other(e.to_string());
    let setup = migrate::read_setup(&env.python, &root).map_err(import_error)?;
    migrate::check_importable(&root, &setup).map_err(import_error)?;
    let modules = migrate::import_modules(&env.python, &root, &setup).map_err(import_error)?;
    // What setuptools itself makes of the project, under the newest CPython: the recipe
    // must say all of it.
    let newest = interpreters
        .iter()
        .filter(|i| {
            i.implementation == interpreter::Implementation::CPython && !i.gil_disabled && !i.debug
        })
        .max_by_key(|i| i.version)
        .ok_or_else(|| CliError::Other("import needs a CPython; none was found".into()))?;
    let selection = Selection {
        select: vec![newest.identifier()],
        skip: Vec::new(),
    };
    let mut options = build_options(&root, None, None, args.offline, None, None)?;
    options.build_dir = options.build_dir.join("import");
    let before = migrate::tree_paths(&root, &options.build_dir);
    let (resolved, _) =
        pipeline::resolve_setuptools(&project, &interpreters, &selection, &options, |_, _, _| {
            Ok(())
        })?;
    let build = resolved
        .builds
        .values()
        .next()
        .ok_or_else(|| CliError::Other("setuptools' build ran for no target".into()))?;
    let view = migrate::BackendView {
        metadata: &resolved.metadata,
        build,
        build_dir: &options.build_dir,
        before: &before,
        root: &root,
    };
    let imported =
        migrate::import_from_backend(&root, &setup, &modules, view).map_err(import_error)?;
    let path =
        migrate::write_recipe(&root, &imported, &modules, args.force).map_err(import_error)?;
    for module in &modules {
        match module {
            migrate::ImportedModule::Script { script, reason, .. } => {
                tracing::info!("{script}: kept as `script:` ({reason})");
            }
            migrate::ImportedModule::Inline { name, .. } => {
                tracing::info!("{name}: converted to recipe keys");
            }
        }
    }
    for note in &imported.notes {
        tracing::warn!("{note}");
    }
    println!("{}", path.display());
    Ok(())
}

fn source_date_epoch() -> Result<Option<u64>, CliError> {
    env_vars::source_date_epoch().map_err(|raw| {
        CliError::Usage(format!(
            "SOURCE_DATE_EPOCH={raw:?} is not a whole number of seconds"
        ))
    })
}

fn absolute(path: PathBuf) -> Result<PathBuf, CliError> {
    std::path::absolute(&path).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))
}

fn list_interpreters(args: ListArgs) -> Result<(), CliError> {
    let interpreters = interpreter::discover();
    if args.json {
        return print_json(&interpreters);
    }
    for interp in &interpreters {
        println!(
            "{:<8} {:<8} {:<36} cffi {:<8} {}",
            interp.identifier(),
            interp.version_string(),
            interp.soabi.as_deref().unwrap_or("-"),
            interp.cffi_version.as_deref().unwrap_or("-"),
            interp.path.display()
        );
    }
    Ok(())
}
