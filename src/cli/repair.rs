//! `cffi-wheel repair`: manylinux tags, bundled libraries and RUNPATHs for wheels built elsewhere.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use super::{print_json, source_date_epoch};
use crate::pipeline;

#[derive(Debug, Args)]
pub(super) struct RepairArgs {
    /// Wheels to repair.
    #[arg(required = true)]
    pub(super) wheels: Vec<PathBuf>,
    /// Output directory.
    #[arg(
        short = 'o',
        long = "out-dir",
        value_name = "DIR",
        default_value = "wheelhouse"
    )]
    pub(super) out_dir: PathBuf,
    /// Fail instead of bundling libraries that the manylinux policy does not allow.
    #[arg(long)]
    pub(super) no_bundle: bool,
    /// Print JSON on stdout.
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) fn repair(args: RepairArgs) -> Result<(), CliError> {
    let source_date_epoch = source_date_epoch()?;
    let options = crate::repair::RepairWheelOptions {
        out_dir: args.out_dir,
        bundle: !args.no_bundle,
        source_date_epoch,
    };
    let mut repaired = Vec::new();
    for wheel in &args.wheels {
        let result =
            crate::repair::repair_wheel(wheel, &options).map_err(pipeline::PipelineError::from)?;
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
