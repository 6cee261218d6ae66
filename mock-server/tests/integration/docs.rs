//! The docs cannot go stale: every repository path and every test name that `README.md` and
//! `docs/*.md` cite exists.
//!
//! A path is any word that starts with one of the repository's top-level directories (`mock-server/`,
//! `fixtures/`, `.ci/`, …) or names a top-level file, in code or in prose; placeholders (`<set>`, `{PORT}`,
//! `*`) end it. A path the repository's `.gitignore` files name is an output (`compat/out/`, `dist/`) and
//! is not looked for. A shorter path, as the architecture page's picture uses (`journal.rs`, `api/speech.rs`, and
//! in a fenced block `capture/`), must end the path of some file or directory of the repository. A path right after another repository's name (`coze-dev/coze-sdk-gen
//! \`docs/api-markdown/\``) is that repository's and is not checked. A test name is a code span that is a
//! Rust path of lower-case segments (`auth::an_unknown_token_is_refused_with_4100`, `rule_order::*`) or a
//! single identifier of five words or more: its modules must be a source file (an inline `tests` module
//! aside), and that file must define the function.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repository's root.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root")
}

/// `README.md` and every page of `docs/`, as paths relative to the repository.
fn cited_pages(root: &Path) -> Vec<String> {
    let mut pages: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("a docs/ entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    pages.sort();
    pages.insert(0, "README.md".to_owned());
    pages
}

/// The repository as the checks see it: its top-level entries and its Rust sources.
struct Repository {
    root: PathBuf,
    /// Top-level directories (`.ci` included; `target` and other hidden ones left out) and files.
    top_level: BTreeSet<String>,
    /// Each `.rs` file as its module path (`mock-server/src/audio/mp4`, `…/clone_voice` for a `mod.rs`)
    /// with its text.
    sources: Vec<(String, String)>,
    /// Every file and directory, relative to the root (`target`, hidden and `node_modules` ones aside).
    entries: BTreeSet<String>,
    /// The patterns of every `.gitignore`, each with the directory it sits in (`""` for the root).
    ignored: Vec<(String, String)>,
}

impl Repository {
    fn read(root: &Path) -> Repository {
        let top_level = std::fs::read_dir(root)
            .expect("the repository root")
            .map(|entry| entry.expect("an entry").file_name().into_string().unwrap())
            .filter(|name| name == ".ci" || !(name.starts_with('.') || name == "target"))
            .collect();
        let mut found = Found::default();
        walk(root, root, &mut found);
        Repository {
            root: root.to_owned(),
            top_level,
            sources: found.sources,
            entries: found.entries,
            ignored: found.ignored,
        }
    }

    /// Whether `word` exists, or is an output a `.gitignore` names (it or one of its parents).
    fn has(&self, word: &str) -> bool {
        if self.root.join(word).exists() {
            return true;
        }
        let word = word.trim_end_matches('/');
        let mut prefix = String::new();
        word.split('/').any(|part| {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.ignored
                .iter()
                .any(|(dir, pattern)| ignores(dir, pattern, &prefix))
        })
    }

    /// Whether `word`, a path short of the root, ends the path of some file or directory.
    fn ends_a_path(&self, word: &str) -> bool {
        let word = word.trim_end_matches('/');
        let tail = format!("/{word}");
        self.entries.iter().any(|e| e == word || e.ends_with(&tail))
    }

    /// Whether `word` starts like a path of this repository.
    fn is_path(&self, word: &str) -> bool {
        let first = word.split('/').next().unwrap_or_default();
        self.top_level.contains(first) && (word.contains('/') || word == first)
    }
}

/// What [`walk`] gathers.
#[derive(Default)]
struct Found {
    sources: Vec<(String, String)>,
    entries: BTreeSet<String>,
    ignored: Vec<(String, String)>,
}

/// Whether the `.gitignore` pattern `pattern` of directory `dir` names `path` (relative to the root): a
/// pattern with an inner `/` is anchored to its directory, one without matches a last component anywhere
/// below it; `*` stands for any characters but `/`.
fn ignores(dir: &str, pattern: &str, path: &str) -> bool {
    let anchored = pattern.trim_end_matches('/').contains('/');
    let pattern = pattern.trim_start_matches('/').trim_end_matches('/');
    let below = if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir).and_then(|p| p.strip_prefix('/'))
    };
    let Some(below) = below else {
        return false;
    };
    if anchored {
        glob(pattern, below)
    } else {
        glob(pattern, below.rsplit('/').next().unwrap_or(below))
    }
}

/// `*`-only glob matching, `*` never crossing a `/`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(text) = text.strip_prefix(head) else {
                return false;
            };
            (0..=text.len())
                .take_while(|&i| !text[..i].contains('/'))
                .filter(|&i| text.is_char_boundary(i))
                .any(|i| glob(rest, &text[i..]))
        }
    }
}

fn walk(root: &Path, dir: &Path, found: &mut Found) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == ".gitignore" {
            let relative = dir
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a .gitignore");
            found.ignored.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
                    .map(|l| (relative.clone(), l.to_owned())),
            );
        }
        let skipped =
            (name.starts_with('.') && name != ".ci") || name == "target" || name == "node_modules";
        if skipped {
            continue;
        }
        found.entries.insert(
            path.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
        if path.is_dir() {
            walk(root, &path, found);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let relative = path.strip_prefix(root).unwrap().parent().unwrap();
            let module = match stem {
                "mod" | "main" | "lib" => relative.to_string_lossy().into_owned(),
                _ => relative.join(stem).to_string_lossy().into_owned(),
            };
            let text = std::fs::read_to_string(&path).expect("a source file");
            found.sources.push((module, text));
        }
    }
}

/// One stretch of a page: a code span, a fenced block's line or prose, with its line number.
struct Stretch<'a> {
    line: usize,
    /// Whether it is code: a code span or a fenced block's line.
    code: bool,
    /// Whether it is a code span, where test names are looked for (fenced blocks hold other languages).
    span: bool,
    text: &'a str,
    /// The prose just before a code span on its line, to tell another repository's paths apart.
    before: &'a str,
}

/// Splits a Markdown page into code and prose.
fn stretches(page: &str) -> Vec<Stretch<'_>> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (index, line) in page.lines().enumerate() {
        let number = index + 1;
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push(Stretch {
                line: number,
                code: true,
                span: false,
                text: line,
                before: "",
            });
            continue;
        }
        // Code spans in these pages do not cross lines except at a break inside one; splitting a line
        // on backticks alternates prose and code, and a span cut by a line break is read as two halves.
        let mut offset: usize = 0;
        for (i, piece) in line.split('`').enumerate() {
            out.push(Stretch {
                line: number,
                code: i % 2 == 1,
                span: i % 2 == 1,
                text: piece,
                before: &line[..offset.saturating_sub(1)],
            });
            offset += piece.len() + 1;
        }
    }
    out
}

/// Whether the words before a path end with another repository's `owner/name`.
fn after_another_repository(before: &str, repository: &Repository) -> bool {
    let Some(word) = before.split_whitespace().last() else {
        return false;
    };
    let word = word.trim_start_matches(['(', '[']);
    match word.split_once('/') {
        Some((owner, name)) => {
            !owner.is_empty()
                && !name.is_empty()
                && !name.contains('/')
                && !repository.top_level.contains(owner)
        }
        None => false,
    }
}

/// The words of a stretch that might be paths, each with the text before it: split at spaces, quotes,
/// brackets and punctuation, each cut at its first placeholder.
fn words<'a>(stretch: &Stretch<'a>) -> Vec<(&'a str, &'a str)> {
    let text = stretch.text;
    let separator = |c: char| c.is_whitespace() || "\"'=@,;()[]|".contains(c);
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices().filter(|&(_, c)| separator(c)) {
        pieces.push((start, &text[start..i]));
        start = i + c.len_utf8();
    }
    pieces.push((start, &text[start..]));
    let mut out = Vec::new();
    for (start, piece) in pieces {
        let end = piece.find(['<', '{', '*', '$', '#']).unwrap_or(piece.len());
        let word = piece[..end].trim_end_matches(['.', ':']);
        if !word.is_empty() {
            let before = match &text[..start] {
                prose if prose.trim().is_empty() => stretch.before,
                prose => prose,
            };
            out.push((before, word));
        }
    }
    out
}

/// Whether `word` reads as a path short of the root: a Rust file (`journal.rs`, `api/speech.rs`), or in a
/// fenced block (the picture) a directory (`capture/`, `store/`; not a URL path such as `/__admin/`).
/// Directories in code spans are not read this way: they name outputs too (`dist/`).
fn is_short_path(word: &str, fenced: bool) -> bool {
    let path_like = |w: &str| {
        !w.starts_with('/')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-/.".contains(c))
    };
    path_like(word) && (word.ends_with(".rs") || (fenced && word.ends_with('/') && word.len() > 1))
}

/// Whether a code span reads as a test name or a test module, and if so its segments.
fn test_name(span: &str) -> Option<Vec<&str>> {
    let span = span.trim();
    let lower = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if span.contains("::") {
        let segments: Vec<&str> = span.split("::").collect();
        let (last, modules) = segments.split_last()?;
        let ok = modules.iter().all(|s| !s.is_empty() && lower(s)) && (lower(last) || *last == "*");
        return ok.then_some(segments);
    }
    (lower(span) && span.matches('_').count() >= 4).then(|| vec![span])
}

/// Whether the sources hold the test (or module, for `module::*` and `module::`) `segments` names.
fn test_exists(segments: &[&str], repository: &Repository) -> bool {
    let (name, modules) = segments.split_last().expect("a segment");
    let modules: Vec<&str> = modules.iter().copied().filter(|m| *m != "tests").collect();
    let suffix = modules.join("/");
    let definition = format!("fn {name}(");
    repository.sources.iter().any(|(module, text)| {
        let in_module =
            suffix.is_empty() || module == &suffix || module.ends_with(&format!("/{suffix}"));
        in_module && (name.is_empty() || *name == "*" || text.contains(&definition))
    })
}

/// Every citation of `page` (named `name` in the messages) that does not exist, one message each.
fn stale_citations(name: &str, page: &str, repository: &Repository) -> Vec<String> {
    let mut stale = Vec::new();
    for stretch in stretches(page) {
        if stretch.span {
            if let Some(segments) = test_name(stretch.text) {
                if !test_exists(&segments, repository) {
                    stale.push(format!(
                        "{name}:{}: no test or module `{}`",
                        stretch.line, stretch.text
                    ));
                }
                continue;
            }
        }
        for (before, word) in words(&stretch) {
            if after_another_repository(before, repository) {
                continue;
            }
            let missing = if repository.is_path(word) {
                !repository.has(word)
            } else {
                is_short_path(word, stretch.code && !stretch.span) && !repository.ends_a_path(word)
            };
            if missing {
                stale.push(format!("{name}:{}: no path `{word}`", stretch.line));
            }
        }
    }
    stale
}

/// The README and every page of `docs/` cite only paths and tests that exist: a file moved, renamed or
/// deleted, or a test renamed, fails here with the page and line that still cites it.
#[test]
fn every_path_and_test_the_docs_cite_exists() {
    let root = repository();
    let repository = Repository::read(&root);
    let pages = cited_pages(&root);
    assert!(pages.len() > 1, "docs/ holds pages: {pages:?}");
    let stale: Vec<String> = pages
        .iter()
        .flat_map(|name| {
            let page = std::fs::read_to_string(root.join(name)).expect("a page");
            stale_citations(name, &page, &repository)
        })
        .collect();
    assert!(stale.is_empty(), "stale citations:\n{}", stale.join("\n"));
}

/// The check itself can fail: a moved file, a renamed test and a missing module are each named, while
/// paths that exist, outputs, another repository's path and code in other languages pass.
#[test]
fn a_stale_path_a_renamed_test_and_a_missing_module_are_each_named() {
    let repository = Repository::read(&repository());
    let page = "\
The map names `mock-server/src/config.rs` and `mock-server/src/rules.rs`; the picture `api/voice_view.rs`,
and `journal.rs`, `api/speech.rs`, `dist/` and `/__admin/` pass.
A test: `fidelity::tests::the_readme_lists_the_ledger`; a module: `no_such_module::*`.
Fine: `auth::an_unknown_token_is_refused_with_4100`, `rule_order::*`, `fixtures/recorded/<set>`, outputs
the .gitignore files name (`compat/out/speech.wav`, `compat/.venv/bin/python`, `bench/results/x.snap.new`),
coze-dev/coze-sdk-gen `docs/api-markdown/no_such_page.md`, and fixtures/audio/verdicts.toml in prose.
```python
def test_a_python_function_with_a_long_name(): open('compat/voice.wav')
```
```
 journal layer (capture/) ─ store/ ─ no_such_dir/
```
";
    assert_eq!(
        stale_citations("page.md", page, &repository),
        [
            "page.md:1: no path `mock-server/src/config.rs`",
            "page.md:1: no path `api/voice_view.rs`",
            "page.md:3: no test or module `fidelity::tests::the_readme_lists_the_ledger`",
            "page.md:3: no test or module `no_such_module::*`",
            "page.md:11: no path `no_such_dir/`",
        ]
    );
}

#[test]
fn gitignore_patterns_match_as_git_reads_them() {
    assert!(ignores("", "compat/out/", "compat/out"));
    assert!(!ignores("", "compat/out/", "x/compat/out"));
    assert!(ignores("", "/dist/", "dist"));
    assert!(!ignores("", "/dist/", "packaging/dist"));
    assert!(ignores("", "node_modules/", "compat/node/node_modules"));
    assert!(ignores("compat", ".venv/", "compat/.venv"));
    assert!(!ignores("compat", ".venv/", "bench/.venv"));
    assert!(ignores("", "*.snap.new", "a/b.snap.new"));
    assert!(ignores("", "coze-mock.db*", "coze-mock.db-wal"));
    assert!(!ignores("", "*.snap.new", "a/b.snap"));
}
