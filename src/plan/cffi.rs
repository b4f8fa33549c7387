//! Which cffi each CPython can install: the one table the codegen pin, its fallbacks and
//! the runtime floor in `Requires-Dist` come from.

/// `(CPython 3 minor version, the newest cffi that installs on it and every later one)`,
/// oldest first: cffi 2.0 dropped 3.8, cffi 2.1 dropped 3.9.
pub const CFFI_BY_PYTHON: [(u8, &str); 3] = [(8, "1.17.1"), (9, "2.0.0"), (10, "2.1.1")];

/// The cffi the managed codegen environment pins when its host can have it: the newest.
pub const CODEGEN_CFFI_VERSION: &str = CFFI_BY_PYTHON[CFFI_BY_PYTHON.len() - 1].1;

/// The oldest cffi runtime our generated CPython modules were tested with (the newest that
/// the oldest supported CPython gets); it goes into `Requires-Dist`.
pub const MIN_CFFI_RUNTIME: &str = CFFI_BY_PYTHON[0].1;

/// The newest cffi CPython 3.`minor` can install; `None` below the table.
pub fn newest_cffi_for(minor: u8) -> Option<&'static str> {
    CFFI_BY_PYTHON
        .iter()
        .rev()
        .find(|(first, _)| minor >= *first)
        .map(|(_, cffi)| *cffi)
}

/// The oldest CPython 3 minor version that can install `cffi` (one of the table's).
pub fn oldest_python_for(cffi: &str) -> Option<u8> {
    CFFI_BY_PYTHON
        .iter()
        .find(|(_, version)| *version == cffi)
        .map(|(minor, _)| *minor)
}

/// The table as prose, for messages: `cffi 1.17.1 on 3.8, 2.0.0 on 3.9, 2.1.1 on 3.10+`.
pub fn describe_table() -> String {
    let parts: Vec<String> = CFFI_BY_PYTHON
        .iter()
        .enumerate()
        .map(|(i, (minor, cffi))| {
            let plus = if i + 1 == CFFI_BY_PYTHON.len() {
                "+"
            } else {
                ""
            };
            format!("{cffi} on 3.{minor}{plus}")
        })
        .collect();
    format!("cffi {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cpython_gets_the_newest_cffi_it_can_install() {
        assert_eq!(newest_cffi_for(7), None);
        assert_eq!(newest_cffi_for(8), Some("1.17.1"));
        assert_eq!(newest_cffi_for(9), Some("2.0.0"));
        assert_eq!(newest_cffi_for(10), Some("2.1.1"));
        assert_eq!(newest_cffi_for(13), Some("2.1.1"));
        assert_eq!(newest_cffi_for(15), Some(CODEGEN_CFFI_VERSION));
    }

    #[test]
    fn the_pin_and_the_runtime_floor_come_from_the_table() {
        assert_eq!(CODEGEN_CFFI_VERSION, "2.1.1");
        assert_eq!(MIN_CFFI_RUNTIME, "1.17.1");
        assert_eq!(oldest_python_for(CODEGEN_CFFI_VERSION), Some(10));
        assert_eq!(oldest_python_for(MIN_CFFI_RUNTIME), Some(8));
        assert_eq!(oldest_python_for("0.9"), None);
        assert_eq!(
            describe_table(),
            "cffi 1.17.1 on 3.8, 2.0.0 on 3.9, 2.1.1 on 3.10+"
        );
    }

    #[test]
    fn the_pep517_backend_asks_for_the_runtime_floor() {
        let backend = include_str!("../../python/cffi_wheel/_backend.py");
        let line = format!("_CFFI = \"cffi>={MIN_CFFI_RUNTIME}\"");
        assert!(backend.contains(&line), "_backend.py lost `{line}`");
    }
}
