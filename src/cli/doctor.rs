//! `cffi-wheel doctor`: what this machine has for building, and what to install.

use clap::Args;

use super::CliError;
use super::print_json;
use crate::{doctor, env_vars};

/// `doctor`'s arguments.
#[derive(Debug, Args)]
pub(super) struct DoctorArgs {
    /// Print JSON on stdout (schema: docs/doctor.md).
    #[arg(long)]
    pub(super) json: bool,
}

/// Prints the report; fails (exit 1) when `build` cannot work here.
pub(super) fn doctor(args: DoctorArgs) -> Result<(), CliError> {
    let report = doctor::examine(&env_vars::cache_dir());
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", doctor::render(&report));
    }
    if report.ready {
        Ok(())
    } else {
        Err(CliError::NotReady(report.blockers))
    }
}
