//! A configuration file kept with its text, so each problem can name its line.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item};

use super::validate::{ConfigError, ItemPath, Problem, Step};
use super::Config;

/// A parsed configuration and the file it came from.
pub(super) struct ConfigFile {
    path: PathBuf,
    text: String,
    config: Config,
}

impl ConfigFile {
    /// Reads and parses `path`; a syntax or shape error comes back with its line.
    pub(super) fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        match parse(&text) {
            Ok(config) => Ok(ConfigFile {
                config: if config.declares_no_principals() {
                    config.with_default_principals()
                } else {
                    config
                },
                path: path.to_owned(),
                text,
            }),
            Err(problem) => Err(ConfigError::Invalid {
                file: Some(path.to_owned()),
                problems: vec![problem],
            }),
        }
    }

    /// Validates the configuration; each problem gets the line of the item it names.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match self.config.validate() {
            Ok(_) => Ok(()),
            Err(e) => {
                let document = ImDocument::parse(self.text.as_str()).ok();
                let problems = e
                    .problems()
                    .iter()
                    .map(|p| Problem {
                        line: document
                            .as_ref()
                            .and_then(|d| span_of(d.as_item(), &p.item))
                            .map(|span| line_and_column(&self.text, span.start)),
                        ..p.clone()
                    })
                    .collect();
                Err(ConfigError::Invalid {
                    file: Some(self.path.clone()),
                    problems,
                })
            }
        }
    }

    /// The configuration.
    pub(super) fn into_config(self) -> Config {
        self.config
    }
}

/// Parses TOML text into a configuration, or the parser's one problem with its line.
pub(super) fn parse(text: &str) -> Result<Config, Problem> {
    toml::from_str(text).map_err(|e: toml::de::Error| Problem {
        item: ItemPath::default(),
        message: one_line(e.message()),
        line: e.span().map(|span| line_and_column(text, span.start)),
    })
}

/// The parser's message on one line: `invalid string; expected `"`, `'``.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

/// The span of the deepest item of `path` the document has (a key left to its default falls back to
/// its table).
fn span_of(root: &Item, path: &ItemPath) -> Option<Range<usize>> {
    let mut item = root;
    let mut span = None;
    for step in &path.0 {
        let next = match step {
            Step::Key(key) => item.get(key),
            Step::Index(index) => item.get(index),
        };
        let Some(next) = next else { break };
        item = next;
        span = item.span().or(span);
    }
    span
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    /// The problems of the file holding `text`, each as `(line, item)`.
    fn lines(text: &str) -> Vec<(Option<usize>, String)> {
        let file = write(text);
        let err = Config::from_file(file.path()).unwrap_err();
        err.problems()
            .iter()
            .map(|p| (p.line.map(|(line, _)| line), p.item.to_string()))
            .collect()
    }

    const ACCOUNT: &str = "[[accounts]]\nid = \"a\"\nplan = \"team\"\n";

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let file = write(&format!("{ACCOUNT}\n[[workspaces]]\nid = \n"));
        let err = Config::from_file(file.path()).unwrap_err();
        let [problem] = err.problems() else {
            panic!("{err}")
        };
        assert_eq!(problem.line, Some((6, 6)), "{err}");
        let text = err.to_string();
        assert_eq!(
            text,
            format!(
                "{}:6:6: invalid string; expected `\"`, `'`",
                file.path().display()
            )
        );
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        assert_eq!(
            lines(&format!("{ACCOUNT}slots = 3\n")),
            [(Some(4), String::new())]
        );
        let file = write(&format!("{ACCOUNT}slots = 3\n"));
        let text = Config::from_file(file.path()).unwrap_err().to_string();
        assert!(text.contains("unknown field `slots`"), "{text}");
    }

    #[test]
    fn semantic_problems_name_the_line_of_the_offending_value() {
        let text = format!(
            "{ACCOUNT}\n[[workspaces]]\nid = \"1\"\naccount = \"a\"\n\n[[tokens]]\nvalue = \"t\"\n\
             account = \"a\"\npersonal_workspace = \"1\"\nworkspaces = [\"1\", \"9\"]\n\
             permissions = []\nexpires_at = \"soon\"\n"
        );
        assert_eq!(
            lines(&text),
            [
                (Some(13), "tokens[0].workspaces[1]".to_owned()),
                (Some(15), "tokens[0].expires_at".to_owned()),
            ]
        );
    }

    #[test]
    fn a_key_left_to_its_default_points_at_its_table() {
        let text = "[audio]\nmin_duration_secs = 5.0\nmax_duration_secs = 1.0\n";
        assert_eq!(lines(text), [(Some(1), "audio".to_owned())]);
    }

    #[test]
    fn inline_arrays_of_tables_are_located_too() {
        let text = format!("workspaces = [\n  {{ id = \"x\", account = \"a\" }},\n]\n{ACCOUNT}");
        assert_eq!(lines(&text), [(Some(2), "workspaces[0].id".to_owned())]);
    }

    #[test]
    fn several_problems_are_listed_one_per_line_under_the_file() {
        let file = write(&format!(
            "{ACCOUNT}[[workspaces]]\nid = \"x\"\naccount = \"b\"\n"
        ));
        let text = Config::from_file(file.path()).unwrap_err().to_string();
        let path = file.path().display();
        assert_eq!(
            text,
            format!(
                "{path}: 2 problems\n  \
                 {path}:5:6: workspaces[0].id: workspace id \"x\" must be decimal digits\n  \
                 {path}:6:11: workspaces[0].account: workspace x names unknown account \"b\""
            )
        );
    }

    #[test]
    fn an_unreadable_file_names_the_file_and_the_cause() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.toml");
        let err = Config::from_file(&missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot read config {}", missing.display())
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn toml_text_without_a_file_still_names_the_line() {
        let err = Config::from_toml("[[accounts]]\nid = \"a\"\nplan = \"gold\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("line 3, column 8: unknown variant `gold`"),
            "{text}"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_and_column("名字 = 1\nx", 9), (1, 6));
        assert_eq!(line_and_column("a\nb", 2), (2, 1));
    }
}
