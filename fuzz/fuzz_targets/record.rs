//! RECORD parsing (`.dist-info/RECORD`, Python's CSV dialect), as `verify` and `repair` read
//! it: no panic, rows numbered from 1, and each parsed path written back by `record_line`
//! (the writer's CSV quoting) parses to the same path.
#![no_main]

use cffi_wheel::wheel::{RecordRow, parse_record, record_hash, record_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_record(text) {
        Ok(rows) => {
            for (index, row) in rows.iter().enumerate() {
                assert_eq!(row.line, index + 1);
                let line = record_line(&row.path, b"");
                let again = parse_record(&line).unwrap_or_else(|err| {
                    panic!("{line:?} (path {:?}) did not parse: {err:?}", row.path)
                });
                assert_eq!(
                    again,
                    [RecordRow {
                        line: 1,
                        path: row.path.clone(),
                        hash: Some(record_hash(b"")),
                        size: Some(0),
                    }],
                    "{line:?}"
                );
            }
        }
        Err((line, reason)) => {
            assert!(line >= 1, "row 0: {reason}");
            assert!(!reason.is_empty());
        }
    }
});
