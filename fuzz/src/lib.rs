//! What the fuzz targets share: a project directory for recipe files to point into.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A project root holding the files of every fixture and example recipe, merged, so the
/// seed recipes' sources, headers, package dirs and globs resolve and the fuzzer reaches the
/// checks after "file not found". Copied once per process to `fuzz/target/project`
/// (ignored by git); the recipe parsers only read it.
pub fn project_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = fuzz.join("target").join("project");
        let repo = fuzz.join("..");
        for tree in ["fixtures", "recipes"] {
            for project in fs_err::read_dir(repo.join(tree)).expect("fixture tree") {
                let project = project.expect("fixture entry").path();
                if project.is_dir() {
                    copy_tree(&project, &root);
                }
            }
        }
        root
    })
}

/// Copies the files under `from` into `to`, merging directories (later files win), leaving
/// out symbolic links.
fn copy_tree(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).expect("project dir");
    for entry in fs_err::read_dir(from).expect("fixture dir") {
        let entry = entry.expect("fixture entry");
        let path = entry.path();
        let dest = to.join(path.file_name().expect("file name"));
        // A link (tests make some, pointing outside the project) is never followed.
        if entry.file_type().expect("file type").is_symlink() {
            continue;
        }
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else if path.is_file() {
            fs_err::copy(&path, &dest).expect("copy fixture file");
        }
    }
}

/// Parses recipe `text` as if read from `file` and checks what a parser must guarantee: no
/// panic (libFuzzer reports one as a crash), a checked recipe that serializes (as `plan
/// --json` does), and an error that renders (as the CLI shows it) at a line of the file.
pub fn check_recipe(file: &Path, text: &str) {
    match cffi_wheel::recipe::parse(file, text) {
        Ok(recipe) => {
            serde_json::to_string(&recipe).expect("a checked recipe serializes");
        }
        Err(err) => {
            if let Some(located) = err.located() {
                // YAML breaks lines at `\n`, `\r\n` and a lone `\r`. A missing key in a file
                // without a final line break is reported just past the end, at `lines + 1`.
                let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
                assert!(
                    (1..=lines + 1).contains(&located.line) && located.column >= 1,
                    "error at {}:{} outside the {lines}-line file: {err}",
                    located.line,
                    located.column,
                );
            }
            let rendered = cffi_wheel::cli::CliError::Recipe(err).render();
            assert!(!rendered.is_empty());
        }
    }
}
