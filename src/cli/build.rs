//! `cffi-wheel build`: one wheel per distinct ABI from a recipe or a setuptools project.

use std::path::{Path, PathBuf};

use clap::Args;

use super::render::{self, CliError};
use super::{
    Project, Selectors, build_options, make_plan, print_json, project_kind, setuptools_selection,
};
use crate::pipeline::{self, BuildOptions};
use crate::{env_vars, recipe};

/// Platform tag policy for `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Compatibility {
    /// The most compatible manylinux/musllinux tag the binaries satisfy (repair, bundle).
    Auto,
    /// The plain `linux_<arch>` tag: no repair, no bundling (not uploadable to PyPI).
    Linux,
}

#[derive(Debug, Args)]
pub(super) struct BuildArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file; or a setuptools project
    /// (setup.py / pyproject.toml), built as it is.
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// Output directory for wheels [default: PATH/dist].
    #[arg(short, long, value_name = "DIR")]
    pub(super) out_dir: Option<PathBuf>,
    /// Directory for intermediate files [default: PATH/build/cffi-wheel].
    #[arg(long, value_name = "DIR")]
    pub(super) build_dir: Option<PathBuf>,
    /// Never install anything (the managed codegen environment must already exist).
    #[arg(long)]
    pub(super) offline: bool,
    /// Emit debug info in the extensions (overrides the recipe's build.debug_info).
    #[arg(long)]
    pub(super) debug_info: bool,
    /// Fail instead of bundling libraries that the manylinux policy does not allow.
    #[arg(long)]
    pub(super) no_bundle: bool,
    /// Generate the CPython C with this interpreter's cffi instead of the managed environment.
    #[arg(long, value_name = "PYTHON")]
    pub(super) codegen_python: Option<PathBuf>,
    /// Build for editable installs (PEP 660): extensions go next to the sources and the
    /// wheel holds a .pth pointing at them.
    #[arg(long)]
    pub(super) editable: bool,
    /// Platform tag: `auto` repairs to the most compatible manylinux tag; `linux` skips repair.
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) compatibility: Compatibility,
    /// Install prefix of external libraries (include/, lib/) [default: $CONDA_PREFIX].
    #[arg(long, value_name = "DIR")]
    pub(super) prefix: Option<PathBuf>,
    /// setuptools projects: stop a step that runs the project's own build code (or pip)
    /// after this many seconds [default: 1800].
    #[arg(long, value_name = "SECONDS", env = env_vars::SETUP_TIMEOUT)]
    pub(super) setup_timeout: Option<u64>,
    /// How many targets build at once (setuptools runs, code generation, compiling each
    /// target's generated C) [default: the number of cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(super) jobs: Option<u16>,
    #[command(flatten)]
    pub(super) select: Selectors,
}

pub(super) fn build(args: BuildArgs) -> Result<(), CliError> {
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

/// What a build was made from.
pub(super) enum Built {
    /// A recipe.
    Recipe(Box<recipe::Recipe>),
    /// A setuptools project at this root.
    Setuptools(PathBuf),
}

/// `build`'s settings for a project at `root`.
pub(super) fn build_args_options(args: &BuildArgs, root: &Path) -> Result<BuildOptions, CliError> {
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

pub(super) fn build_report(args: BuildArgs) -> Result<(Built, pipeline::BuildReport), CliError> {
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
