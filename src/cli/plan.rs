//! `cffi-wheel plan`: the targets `build` would make, without building.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use super::{
    Project, Selectors, build_options, make_plan, print_json, project_kind, setuptools_selection,
};
use crate::interpreter::Interpreter;
use crate::pipeline;
use crate::plan;

#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file; or a setuptools project
    /// (its backend runs, compiling nothing, to show what would be compiled).
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// Offline: never install a build environment.
    #[arg(long)]
    pub(super) offline: bool,
    #[command(flatten)]
    pub(super) select: Selectors,
}

pub(super) fn plan_command(args: PlanArgs) -> Result<(), CliError> {
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
