//! `cffi-wheel metadata`: the `.dist-info/METADATA` directory (PEP 517 prepare_metadata_for_build_wheel).

use super::CliError;
use super::print_json;
use super::sdist::SdistArgs;
use crate::{pipeline, recipe};

pub(super) fn metadata(args: SdistArgs) -> Result<(), CliError> {
    let recipe = recipe::load(&args.path)?;
    let out_dir = args.out_dir.unwrap_or_else(|| recipe.root.join("dist"));
    let name = pipeline::write_metadata_dir(&recipe, &out_dir)?;
    if args.json {
        return print_json(&serde_json::json!({ "dist_info": name }));
    }
    println!("{name}");
    Ok(())
}
