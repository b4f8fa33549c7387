//! Reading a wheel as `repair` does: `verify_wheel` (file name, zip, `.dist-info`, RECORD
//! hashes and sizes, WHEEL tags), then reading every member. Input: the file name, a line
//! break, then the zip bytes. No panic; a wheel that verifies has readable members and WHEEL
//! tags equal to its file name's.
#![no_main]

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::Path;

use cffi_wheel::repair::is_elf_bytes;
use cffi_wheel::tags::WheelFilename;
use cffi_wheel::wheel::verify_wheel_bytes;
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
        let filename: WheelFilename = name.parse().expect("a verified wheel's name parses");
        let expected: HashSet<_> = filename.tags().into_iter().collect();
        assert_eq!(check.tags.iter().cloned().collect::<HashSet<_>>(), expected);
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(zip)) else {
        assert!(verified.is_err(), "verified, but the zip does not open");
        return;
    };
    if verified.is_ok() {
        // verify hashed every file member, so each one reads back. (Directory entries are
        // not read by verify; `repair` reports a bad one as a zip error.)
        let names: Vec<String> = archive.file_names().map(str::to_string).collect();
        for name in names.iter().filter(|name| !name.ends_with('/')) {
            let mut entry = archive
                .by_name(name)
                .unwrap_or_else(|err| panic!("verified, but {name:?}: {err}"));
            let mut contents = Vec::new();
            entry
                .read_to_end(&mut contents)
                .unwrap_or_else(|err| panic!("verified, but {name:?}: {err}"));
        }
    }
    // What `repair` does next (pipeline::repair_wheel::read_members): read every member.
    for index in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(index) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let _ = (entry.name().to_string(), entry.unix_mode());
        let mut contents = Vec::new();
        if entry.read_to_end(&mut contents).is_ok() {
            let _ = is_elf_bytes(&contents);
        }
    }
});
