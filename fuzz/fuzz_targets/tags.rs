//! Tag and wheel file name parsing (src/tags): no panic, and whatever parses renders back to
//! a string that parses to the same value (the promise of the `tags` module doc).
#![no_main]

use std::fmt::Debug;
use std::str::FromStr;

use cffi_wheel::tags::{
    AbiTag, Arch, ManylinuxLegacy, PlatformTag, PythonTag, WheelFilename, WheelTag, escape_name,
};
use libfuzzer_sys::fuzz_target;

/// `s` parses as `T` or fails; a parsed value renders to a string that parses back to it.
fn round_trip<T>(s: &str) -> Option<T>
where
    T: FromStr + ToString + PartialEq + Debug,
    T::Err: Debug,
{
    let value: T = s.parse().ok()?;
    let rendered = value.to_string();
    let again: T = rendered.parse().unwrap_or_else(|err| {
        panic!("{s:?} parsed, but its rendering {rendered:?} did not: {err:?}")
    });
    assert_eq!(value, again, "{s:?} → {rendered:?} parsed to another value");
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<PythonTag>(s);
    round_trip::<AbiTag>(s);
    round_trip::<Arch>(s);
    round_trip::<ManylinuxLegacy>(s);
    round_trip::<WheelTag>(s);
    if let Some(platform) = round_trip::<PlatformTag>(s)
        && let Some(alias) = platform.legacy_alias()
    {
        assert_eq!(alias.pep600_form().as_ref(), Some(&platform));
    }
    let _ = AbiTag::from_pypy_soabi(s);
    let _ = PlatformTag::from_sysconfig_platform(s);
    if let Ok(filename) = s.parse::<WheelFilename>() {
        // The name renders escaped (PEP 427), so the re-parsed name is the escaped one.
        let rendered = filename.to_string();
        let again: WheelFilename = rendered
            .parse()
            .unwrap_or_else(|err| panic!("{s:?} parsed, but {rendered:?} did not: {err:?}"));
        let expected = WheelFilename {
            name: escape_name(&filename.name),
            ..filename.clone()
        };
        assert_eq!(again, expected, "{s:?} → {rendered:?}");
        assert_eq!(again.to_string(), rendered);
        let tags = filename.tags();
        assert_eq!(
            tags.len(),
            filename.python.len() * filename.abi.len() * filename.platform.len()
        );
        let _ = (
            filename.dist_info_dir(),
            filename.data_dir(),
            filename.libs_dir(),
        );
    }
});
