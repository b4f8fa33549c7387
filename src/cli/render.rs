//! Errors as the user sees them: located recipe errors as snippets, the rest with causes.

use std::error::Error as _;
use std::ops::Range;
use std::path::PathBuf;

use annotate_snippets::{Level, Renderer, Snippet};

use crate::codegen::CodegenError;
use crate::interpreter::InterpreterError;
use crate::pipeline::PipelineError;
use crate::plan::PlanError;
use crate::recipe::{Located, Locator, Recipe, RecipeError};

/// Every error the command line reports.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The recipe is wrong.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// Planning failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Building failed.
    #[error(transparent)]
    Build(#[from] PipelineError),
    /// `import` could not read the project, or refused it.
    #[error(transparent)]
    Import(#[from] crate::migrate::MigrateError),
    /// Writing the sdist failed.
    #[error(transparent)]
    Sdist(crate::sdist::SdistError),
    /// An interpreter given with -i is unusable.
    #[error("interpreter {0} is unusable")]
    Interpreter(PathBuf, #[source] InterpreterError),
    /// `cffi-wheel test` ran and something failed (the table says what).
    #[error("some tests failed")]
    TestsFailed,
    /// `doctor` found required items missing (the report says how to install them).
    #[error("`cffi-wheel build` cannot work here: missing {}", .0.join(", "))]
    NotReady(Vec<String>),
    /// Running `test` failed before any test could report (its work directory, a venv).
    #[error("running tests failed")]
    RunningTests(#[source] std::io::Error),
    /// A path given on the command line cannot be made absolute.
    #[error("cannot use the path {}", path.display())]
    Path {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The `--json` report could not be rendered (a bug in cffi-wheel).
    #[error("cannot render the JSON report")]
    Json(#[from] serde_json::Error),
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
}

impl From<crate::wheel::ContentsError> for CliError {
    fn from(error: crate::wheel::ContentsError) -> Self {
        match error {
            // A file that leads out of the project is bad input, shown at its recipe line.
            crate::wheel::ContentsError::Recipe(e) => CliError::Recipe(e),
            e => CliError::Build(PipelineError::Contents(e)),
        }
    }
}

impl From<crate::sdist::SdistError> for CliError {
    fn from(error: crate::sdist::SdistError) -> Self {
        match error {
            // A file that leads out of the project is bad input, shown at its recipe line.
            crate::sdist::SdistError::Recipe(e) => CliError::Recipe(e),
            e => CliError::Sdist(e),
        }
    }
}

impl CliError {
    /// The process exit code: 2 for bad input (recipe, arguments), 1 for failed builds.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Recipe(_) | CliError::Usage(_) => 2,
            CliError::Build(PipelineError::Recipe(_))
            | CliError::Build(PipelineError::Contents(crate::wheel::ContentsError::Recipe(_))) => 2,
            _ => 1,
        }
    }

    /// The text shown on stderr.
    pub fn render(&self) -> String {
        if let CliError::Recipe(err) = self
            && let Some(located) = err.located()
        {
            return render_located(located);
        }
        let mut text = format!("error: {self}");
        let mut source = self.source();
        // `transparent` variants share their inner error's message: skip that repeat.
        let mut last = self.to_string();
        while let Some(cause) = source {
            let line = cause.to_string();
            if line != last {
                text.push_str(&format!("\n  caused by: {line}"));
            }
            last = line;
            source = cause.source();
        }
        text
    }
}

/// `error: …` with `--> file:line:col`, the line, a caret under the token and `help:`.
pub fn render_located(located: &Located) -> String {
    // annotate-snippets appends `:line:col` to the origin itself.
    let origin = located.file.display().to_string();
    let line_text = located
        .text
        .lines()
        .nth(located.line.saturating_sub(1))
        .unwrap_or("");
    let (shown, span) = shown_line(line_text, located.column.saturating_sub(1), located.width);
    let snippet = Snippet::source(&shown)
        .line_start(located.line)
        .origin(&origin)
        .annotation(Level::Error.span(span));
    let mut message = Level::Error.title(&located.message).snippet(snippet);
    if let Some(help) = &located.help {
        message = message.footer(Level::Help.title(help));
    }
    // The whole line is shown: annotate-snippets 0.11 miscomputes (with overflow checks:
    // panics on) the cut of a line wider than the terminal when the caret is in or near
    // its indentation. A width above the line's own never cuts it.
    let width = shown.len().saturating_add(140);
    Renderer::plain()
        .term_width(width)
        .render(message)
        .to_string()
}

/// The line as shown, with the byte range of `width` characters from the 0-based character
/// `column`. Each tab is shown as one space and other control characters as U+FFFD (never
/// sent to the terminal): one character each, so the column annotate-snippets prints stays
/// the file's, and one display column each, so the caret stays under its character
/// (annotate-snippets would print a tab 4 wide but count it 0 when placing the caret).
fn shown_line(line: &str, column: usize, width: usize) -> (String, Range<usize>) {
    let shown: String = line
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    let start = shown
        .char_indices()
        .nth(column)
        .map_or(shown.len(), |(i, _)| i);
    let end = shown[start..]
        .char_indices()
        .nth(width)
        .map_or(shown.len(), |(i, _)| start + i);
    (shown, start..end)
}

/// Turns cffi's complaint about a cdef into an error located in the recipe (or cdef file),
/// when cffi said where and the recipe knows where the cdef starts.
pub fn locate_cdef_error(recipe: &Recipe, err: PipelineError) -> CliError {
    let PipelineError::Codegen(CodegenError::Cdef {
        module,
        message,
        at: Some((line, column)),
    }) = &err
    else {
        return err.into();
    };
    let origin = recipe
        .modules
        .iter()
        .find(|m| &m.name == module)
        .and_then(|m| m.cdef_origin.clone());
    let Some(origin) = origin else {
        return err.into();
    };
    let Ok(text) = fs_err::read_to_string(&origin.file) else {
        return err.into();
    };
    let (file_line, file_column) = origin.position(*line, *column);
    let summary = message.lines().last().unwrap_or(message);
    let help = "a cdef holds C declarations as cffi reads them (prototypes, types, `#define NAME ...`, `...;` for partial structs); \
                definitions and bodies go in `source`";
    CliError::Recipe(Locator::new(origin.file.clone(), text).error_at(
        file_line,
        file_column,
        format!("cffi cannot parse the cdef of module `{module}`: {summary}"),
        Some(help.to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(text: String, column: usize) -> Located {
        Located {
            file: PathBuf::from("/p/cffi-wheel.yaml"),
            text,
            line: 1,
            column,
            width: 1,
            message: "found a tab".into(),
            help: Some("indent with spaces".into()),
        }
    }

    /// The column of the caret and of `token` in the rendered source line.
    fn caret_and_token(rendered: &str, token: &str) -> (Option<usize>, Option<usize>) {
        let source = rendered.lines().find(|l| l.starts_with("1 |"));
        let caret = rendered.lines().find(|l| l.contains('^'));
        (
            caret.and_then(|l| l.find('^')),
            source.and_then(|l| l.find(token)),
        )
    }

    #[test]
    fn a_long_line_indented_with_tabs_renders_whole_with_the_caret_under_the_token() {
        // Found by fuzzing (fuzz/, recipe_yaml and recipe_pyproject): annotate-snippets 0.11
        // panicked (subtract with overflow) cutting a line wider than the terminal when
        // tabs, which it prints 4 wide but counts 0 wide, preceded the caret.
        let text = format!("{}key {}\n", "\t".repeat(20), "x".repeat(150));
        let rendered = render_located(&located(text, 21));
        assert!(rendered.contains("/p/cffi-wheel.yaml:1:21"), "{rendered}");
        assert!(
            rendered.contains(&format!("key {}", "x".repeat(150))),
            "{rendered}"
        );
        assert!(rendered.contains("help: indent with spaces"), "{rendered}");
        let (caret, token) = caret_and_token(&rendered, "key");
        assert!(caret.is_some() && caret == token, "{rendered}");
    }

    #[test]
    fn control_characters_are_not_sent_to_the_terminal() {
        let rendered = render_located(&located("a: \u{1b}[31mred\u{b}\n".into(), 4));
        assert!(
            !rendered.chars().any(|c| c.is_control() && c != '\n'),
            "{rendered:?}"
        );
        assert!(rendered.contains("/p/cffi-wheel.yaml:1:4"), "{rendered}");
        let (caret, token) = caret_and_token(&rendered, "\u{fffd}[31m");
        assert!(caret.is_some() && caret == token, "{rendered}");
    }
}
