//! `cffi-wheel test`: build, then run the recipe's test command against each wheel.

use super::CliError;
use super::build::{Built, build_report};
use super::{BuildArgs, print_json};
use crate::{recipe, verify};

pub(super) fn test(args: BuildArgs) -> Result<(), CliError> {
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
        .map_err(CliError::RunningTests)?;
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
