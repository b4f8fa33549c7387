//! `cffi-wheel sdist`: a PEP 625 source distribution with every file the recipe uses.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use super::{print_json, source_date_epoch};
use crate::{pipeline, recipe};

#[derive(Debug, Args)]
pub(super) struct SdistArgs {
    /// Project directory holding cffi-wheel.yaml, or a recipe file.
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// Output directory [default: PATH/dist].
    #[arg(short, long, value_name = "DIR")]
    pub(super) out_dir: Option<PathBuf>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) fn sdist(args: SdistArgs) -> Result<(), CliError> {
    let recipe = recipe::load(&args.path)?;
    let metadata = pipeline::core_metadata(&recipe)?;
    let out_dir = args.out_dir.unwrap_or_else(|| recipe.root.join("dist"));
    let written = crate::sdist::write_sdist(&recipe, &metadata, &out_dir, source_date_epoch()?)?;
    if args.json {
        return print_json(&written);
    }
    println!("{}", written.path.display());
    Ok(())
}
