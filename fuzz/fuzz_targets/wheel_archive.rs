//! Reading a wheel as `repair` does: `verify_wheel` (file name, zip, `.dist-info`, RECORD
//! hashes and sizes, WHEEL tags), then `unpack_wheel` (every member, split into payload and
//! `.dist-info`). Input: the file name, a line break, then the zip bytes. No panic; a wheel
//! that verifies has WHEEL tags equal to its file name's, and unpacks (when it does) into the
//! members verify counted.
#![no_main]

use std::collections::HashSet;
use std::path::Path;

use cffi_wheel::tags::WheelFilename;
use cffi_wheel::wheel::{unpack_wheel_bytes, verify_wheel_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(newline) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (name, zip) = (&data[..newline], &data[newline + 1..]);
    let Ok(name) = std::str::from_utf8(name) else {
        return;
    };
    let path = Path::new("/fuzz").join(name);
    let verified = verify_wheel_bytes(&path, zip);
    if let Ok(check) = &verified {
        // verify reads the path's last component (`x.whl/` names `x.whl`), so that is what
        // must parse.
        let file_name = path.file_name().and_then(|n| n.to_str());
        let filename: WheelFilename = file_name
            .expect("a verified wheel's path has a UTF-8 file name")
            .parse()
            .expect("a verified wheel's name parses");
        let expected: HashSet<_> = filename.tags().into_iter().collect();
        assert_eq!(check.tags.iter().cloned().collect::<HashSet<_>>(), expected);
    }
    // What `repair` does next (repair::wheel): unpack it for re-packing.
    let unpacked = unpack_wheel_bytes(&path, zip);
    if let (Ok(check), Ok(unpacked)) = (&verified, &unpacked) {
        // Every file member is payload, another .dist-info file, or METADATA/WHEEL/RECORD.
        assert_eq!(
            unpacked.payload.len() + unpacked.dist_info_files.len() + 3,
            check.files,
            "verify and unpack disagree on the members"
        );
    }
});
