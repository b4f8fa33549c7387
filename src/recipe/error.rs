//! Recipe errors. Each one that comes from the file names the place in it.

use std::path::PathBuf;

use marked_yaml::Span;

/// A problem at a place in a recipe file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The recipe file.
    pub file: PathBuf,
    /// The whole text of the file, for rendering the offending line.
    #[serde(skip)]
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Length of the offending token in characters (at least 1).
    pub width: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Everything that can go wrong while reading a recipe.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The recipe file is missing.
    #[error("no recipe found: {path} does not exist")]
    NotFound {
        /// Where we looked.
        path: PathBuf,
    },
    /// The recipe or a file it names could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `--config` names an option the recipe does not declare.
    #[error(
        "--config {name}: the recipe declares no option `{name}` (declared: {})\nhelp: declare it under `options:` in the recipe, or drop the --config argument",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    UnknownOption {
        /// The name given.
        name: String,
        /// The declared options.
        known: Vec<String>,
    },
    /// A file the recipe uses cannot be published (found while packing, not in the recipe).
    #[error("{0}\nhelp: {help}", help = .0.help())]
    Path(super::paths::PathProblem),
    /// The recipe is wrong at a place.
    #[error("{file}:{line}:{column}: {message}", file = .0.file.display(), line = .0.line, column = .0.column, message = .0.message)]
    At(Box<Located>),
}

// Not `#[from]`: that would make the problem this error's cause, and the command line
// would print its message twice.
impl From<super::paths::PathProblem> for RecipeError {
    fn from(problem: super::paths::PathProblem) -> Self {
        RecipeError::Path(problem)
    }
}

impl RecipeError {
    /// The located detail, when there is one.
    pub fn located(&self) -> Option<&Located> {
        match self {
            RecipeError::At(located) => Some(located),
            _ => None,
        }
    }
}

/// Builds located errors for one file.
#[derive(Debug, Clone)]
pub struct Locator {
    file: PathBuf,
    text: String,
}

impl Locator {
    /// A locator for `file` whose contents are `text`.
    pub fn new(file: PathBuf, text: String) -> Self {
        Locator { file, text }
    }

    /// The file this locator points into.
    pub fn file(&self) -> &std::path::Path {
        &self.file
    }

    /// An error at `span`, with an optional help line.
    pub fn error(
        &self,
        span: &Span,
        message: impl Into<String>,
        help: Option<String>,
    ) -> RecipeError {
        let (line, column) = span
            .start()
            .map(|m| (m.line().max(1), m.column().max(1)))
            .unwrap_or((1, 1));
        self.error_at(line, column, message, help)
    }

    /// An error at a line and column.
    pub fn error_at(
        &self,
        line: usize,
        column: usize,
        message: impl Into<String>,
        help: Option<String>,
    ) -> RecipeError {
        let width = token_width(&self.text, line, column);
        RecipeError::At(Box::new(Located {
            file: self.file.clone(),
            text: self.text.clone(),
            line,
            column,
            width,
            message: message.into(),
            help,
        }))
    }
}

/// The width of the YAML token starting at `line:column`: up to a `:` that ends a key, a
/// `,`/`]`/`}` in flow style, a comment, or the end of the line.
fn token_width(text: &str, line: usize, column: usize) -> usize {
    let Some(src) = text.lines().nth(line.saturating_sub(1)) else {
        return 1;
    };
    let rest: Vec<char> = src.chars().skip(column.saturating_sub(1)).collect();
    let mut width = 0;
    let quoted = matches!(rest.first(), Some('"' | '\''));
    for (i, c) in rest.iter().enumerate() {
        if quoted {
            if i > 0 && *c == rest[0] {
                width = i + 1;
                break;
            }
        } else if matches!(c, ',' | ']' | '}' | '#')
            || (*c == ':' && rest.get(i + 1).is_none_or(|n| n.is_whitespace()))
            // A TOML key: `name = value`.
            || (*c == ' ' && rest.get(i + 1) == Some(&'='))
        {
            break;
        }
        width = i + 1;
    }
    let trimmed = rest[..width.min(rest.len())]
        .iter()
        .rev()
        .skip_while(|c| c.is_whitespace())
        .count();
    trimmed.max(1)
}

#[cfg(test)]
mod tests {
    use super::token_width;

    #[test]
    fn token_width_stops_at_a_key_colon() {
        assert_eq!(token_width("  libraris: [m]\n", 1, 3), 8);
    }

    #[test]
    fn token_width_covers_a_plain_scalar_value() {
        assert_eq!(token_width("version: 1.0.0-beta!x  # bad\n", 1, 10), 12);
    }

    #[test]
    fn token_width_covers_a_quoted_scalar_with_colons() {
        assert_eq!(token_width("x: \"a: b\"\n", 1, 4), 6);
    }

    #[test]
    fn token_width_stops_at_a_toml_key() {
        assert_eq!(token_width("include_dir = [\"csrc\"]\n", 1, 1), 11);
    }

    #[test]
    fn token_width_is_at_least_one_past_the_end() {
        assert_eq!(token_width("a\n", 5, 1), 1);
    }
}
