//! `cffi-wheel list-interpreters`: the interpreters found and what each was introspected as.

use clap::Args;

use super::CliError;
use super::print_json;
use crate::interpreter;

#[derive(Debug, Args)]
pub(super) struct ListArgs {
    /// Print JSON on stdout.
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) fn list_interpreters(args: ListArgs) -> Result<(), CliError> {
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
