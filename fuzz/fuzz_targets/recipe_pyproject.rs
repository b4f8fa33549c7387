//! The pyproject.toml recipe parser (`[project]` + `[tool.cffi-wheel]`): the TOML → node
//! conversion, then the same validation as YAML, and error rendering.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = cffi_wheel_fuzz::project_root().join("pyproject.toml");
    cffi_wheel_fuzz::check_recipe(&file, text);
});
