//! The YAML recipe parser (`cffi-wheel.yaml`): parse, validate, render errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The recipe is read with `read_to_string`: non-UTF-8 never reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = cffi_wheel_fuzz::project_root().join(cffi_wheel::recipe::RECIPE_FILE);
    cffi_wheel_fuzz::check_recipe(&file, text);
});
