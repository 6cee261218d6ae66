//! The configuration's semantic checks: every problem found in one pass, each named by where it sits.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{is_decimal_id, Config};
use crate::directory::{Account, Principal};
use crate::rules::{CLONES_PER_VOICE_ID, SLOTS_INCLUDED_WITH_PLAN, SPEECH_EMOTIONS};

/// One step of an [`ItemPath`]: a key of a table, or an index into an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A key, like `tokens` or `account`.
    Key(&'static str),
    /// An index, like the `2` of `tokens[2]`.
    Index(usize),
}

/// Where an item sits in the configuration, e.g. `tokens[2].workspaces[0]`; empty for the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemPath(pub Vec<Step>);

impl ItemPath {
    /// Entry `index` of the array of tables `table`, e.g. `tokens[2]`.
    fn entry(table: &'static str, index: usize) -> ItemPath {
        ItemPath(vec![Step::Key(table), Step::Index(index)])
    }

    /// This path followed by `key`.
    fn key(&self, key: &'static str) -> ItemPath {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key));
        ItemPath(steps)
    }

    /// This path followed by `[index]`.
    fn index(&self, index: usize) -> ItemPath {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        ItemPath(steps)
    }
}

impl fmt::Display for ItemPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The offending item.
    pub item: ItemPath,
    /// What is wrong with it.
    pub message: String,
    /// Its line and column in the file (1-based), when it came from one.
    pub line: Option<(usize, usize)>,
}

impl Problem {
    fn new(item: ItemPath, message: impl Into<String>) -> Problem {
        Problem {
            item,
            message: message.into(),
            line: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.item.0.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.item, self.message)
        }
    }
}

/// A configuration that cannot be used: the file is unreadable, or it has problems.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Every problem found. Shown one per line as `FILE:LINE:COLUMN: item: message` when a file is
    /// known, else on one line separated by `; ` (TOML text without a file still gives the line).
    #[error("{}", render(file.as_ref(), problems))]
    Invalid {
        /// The file, if the configuration came from one.
        file: Option<PathBuf>,
        /// The problems, in file order.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The problems found (none for an unreadable file).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Unreadable { .. } => &[],
            ConfigError::Invalid { problems, .. } => problems,
        }
    }
}

fn render(file: Option<&PathBuf>, problems: &[Problem]) -> String {
    let Some(file) = file else {
        let all: Vec<String> = problems
            .iter()
            .map(|p| match p.line {
                Some((line, column)) => format!("line {line}, column {column}: {p}"),
                None => p.to_string(),
            })
            .collect();
        return all.join("; ");
    };
    let located = |p: &Problem| match p.line {
        Some((line, column)) => format!("{}:{line}:{column}: {p}", file.display()),
        None => format!("{}: {p}", file.display()),
    };
    match problems {
        [one] => located(one),
        many => {
            let mut out = format!("{}: {} problems", file.display(), many.len());
            for p in many {
                out.push_str("\n  ");
                out.push_str(&located(p));
            }
            out
        }
    }
}

/// Runs every check on `config`: the principal of each token that passed, and every problem found.
pub(super) fn check(config: &Config) -> (HashMap<String, Principal>, Vec<Problem>) {
    let mut problems = Vec::new();
    let accounts = accounts(config, &mut problems);
    let space_owner = workspaces(config, &accounts, &mut problems);
    let tokens = tokens(config, &accounts, &space_owner, &mut problems);
    voices(config, &space_owner, &mut problems);
    if let Err(e) = config.audio.validate() {
        problems.push(Problem::new(ItemPath(vec![Step::Key("audio")]), e));
    }
    if let Err(e) = config.limits.validate() {
        problems.push(Problem::new(
            ItemPath(vec![Step::Key("limits"), Step::Key("body_deadline_secs")]),
            e,
        ));
    }
    if config.rules.clone_plans.is_empty() {
        problems.push(Problem::new(
            ItemPath(vec![Step::Key("rules"), Step::Key("clone_plans")]),
            "[rules] clone_plans is empty: no account could clone (use [\"team\", \"enterprise\"] or [\"enterprise\"])",
        ));
    }
    for (i, v) in config.system_voices.iter().enumerate() {
        for e in v.support_emotions.iter().flatten() {
            if !SPEECH_EMOTIONS.contains(&e.emotion.as_str()) {
                problems.push(Problem::new(
                    ItemPath::entry("system_voices", i).key("support_emotions"),
                    format!(
                        "emotion {:?} is not one of {}",
                        e.emotion,
                        SPEECH_EMOTIONS.join(", ")
                    ),
                ));
            }
        }
    }
    (tokens, problems)
}

fn accounts(config: &Config, problems: &mut Vec<Problem>) -> HashMap<String, Arc<Account>> {
    let mut accounts = HashMap::new();
    for (i, a) in config.accounts.iter().enumerate() {
        let account = Arc::new(Account {
            id: a.id.clone(),
            plan: a.plan,
            voice_slots: if config.rules.may_clone(a.plan) {
                SLOTS_INCLUDED_WITH_PLAN.saturating_add(a.bought_voice_slots)
            } else {
                0
            },
            in_arrears: a.in_arrears,
        });
        if accounts.contains_key(&a.id) {
            let at = ItemPath::entry("accounts", i).key("id");
            problems.push(Problem::new(
                at,
                format!("account {:?} is declared twice", a.id),
            ));
        } else {
            accounts.insert(a.id.clone(), account);
        }
    }
    accounts
}

/// Workspace id → owning account.
fn workspaces(
    config: &Config,
    accounts: &HashMap<String, Arc<Account>>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, String> {
    let mut space_owner = HashMap::new();
    for (i, w) in config.workspaces.iter().enumerate() {
        let at = ItemPath::entry("workspaces", i);
        if !is_decimal_id(&w.id) {
            let message = format!("workspace id {:?} must be decimal digits", w.id);
            problems.push(Problem::new(at.key("id"), message));
        }
        if !accounts.contains_key(&w.account) {
            let message = format!("workspace {} names unknown account {:?}", w.id, w.account);
            problems.push(Problem::new(at.key("account"), message));
        }
        if space_owner.contains_key(&w.id) {
            let message = format!("workspace {} is declared twice", w.id);
            problems.push(Problem::new(at.key("id"), message));
        } else {
            space_owner.insert(w.id.clone(), w.account.clone());
        }
    }
    space_owner
}

fn tokens(
    config: &Config,
    accounts: &HashMap<String, Arc<Account>>,
    space_owner: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Principal> {
    let mut tokens = HashMap::new();
    let mut values = HashSet::new();
    for (i, t) in config.tokens.iter().enumerate() {
        let at = ItemPath::entry("tokens", i);
        let before = problems.len();
        if !values.insert(t.value.as_str()) {
            let message = format!("token {:?} is declared twice", t.value);
            problems.push(Problem::new(at.key("value"), message));
        }
        if t.value.is_empty() || t.value.chars().any(char::is_whitespace) {
            let message = format!(
                "token {:?} can never be sent after `Bearer `: it must be non-empty, without spaces",
                t.value
            );
            problems.push(Problem::new(at.key("value"), message));
        }
        let account = accounts.get(&t.account);
        if account.is_none() {
            let message = format!("token {:?} names unknown account {:?}", t.value, t.account);
            problems.push(Problem::new(at.key("account"), message));
        }
        let named = std::iter::once((at.key("personal_workspace"), &t.personal_workspace)).chain(
            t.workspaces
                .iter()
                .enumerate()
                .map(|(j, s)| (at.key("workspaces").index(j), s)),
        );
        for (space_at, space) in named {
            match space_owner.get(space) {
                None => {
                    let message = format!("token {:?} names unknown workspace {space}", t.value);
                    problems.push(Problem::new(space_at, message));
                }
                // An owner that is not a declared account is reported with its workspace.
                Some(owner)
                    if account.is_some() && accounts.contains_key(owner) && owner != &t.account =>
                {
                    let message = format!(
                        "token {:?} of account {:?} names workspace {space} of account {owner:?}",
                        t.value, t.account
                    );
                    problems.push(Problem::new(space_at, message));
                }
                Some(_) => {}
            }
        }
        let expires_at =
            t.expires_at
                .as_deref()
                .and_then(|e| match chrono::DateTime::parse_from_rfc3339(e) {
                    Ok(d) => Some(d.timestamp()),
                    Err(_) => {
                        let message = format!(
                        "token {:?}: expires_at {e:?} is not RFC 3339 (like 2027-01-01T00:00:00Z)",
                        t.value
                    );
                        problems.push(Problem::new(at.key("expires_at"), message));
                        None
                    }
                });
        let Some(account) = account.filter(|_| problems.len() == before) else {
            continue;
        };
        let mut spaces = vec![t.personal_workspace.clone()];
        spaces.extend(t.workspaces.iter().cloned());
        let principal = Principal {
            account: account.clone(),
            personal_space: t.personal_workspace.clone(),
            spaces,
            permissions: t.permissions.clone(),
            expires_at,
        };
        tokens.insert(t.value.clone(), principal);
    }
    tokens
}

fn voices(config: &Config, space_owner: &HashMap<String, String>, problems: &mut Vec<Problem>) {
    let mut ids = HashSet::new();
    for (i, v) in config.system_voices.iter().enumerate() {
        let at = ItemPath::entry("system_voices", i);
        if !is_decimal_id(&v.voice_id) {
            let message = format!("system voice id {:?} must be decimal digits", v.voice_id);
            problems.push(Problem::new(at.key("voice_id"), message));
        }
        if !ids.insert(&v.voice_id) {
            let message = format!("system voice {} is declared twice", v.voice_id);
            problems.push(Problem::new(at.key("voice_id"), message));
        }
        if !["big", "small"].contains(&v.model_type.as_str()) {
            let message = format!(
                "system voice {}: model_type {:?} must be big or small",
                v.voice_id, v.model_type
            );
            problems.push(Problem::new(at.key("model_type"), message));
        }
    }
    for (i, v) in config.voices.iter().enumerate() {
        let at = ItemPath::entry("voices", i);
        if !space_owner.contains_key(&v.space_id) {
            let message = format!("voice {:?} names unknown workspace {}", v.name, v.space_id);
            problems.push(Problem::new(at.key("space_id"), message));
        }
        if let Some(id) = &v.voice_id {
            if !is_decimal_id(id) {
                let message = format!("voice id {id:?} must be decimal digits");
                problems.push(Problem::new(at.key("voice_id"), message));
            } else if !ids.insert(id) {
                let message = format!("voice {id} is declared twice (or is a system voice's id)");
                problems.push(Problem::new(at.key("voice_id"), message));
            }
        }
        if v.available_training_times >= CLONES_PER_VOICE_ID {
            let message = format!(
                "voice {:?}: available_training_times {} must be below {CLONES_PER_VOICE_ID}",
                v.name, v.available_training_times
            );
            problems.push(Problem::new(at.key("available_training_times"), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::VoiceConfig;
    use crate::rules::Plan;

    /// Two team accounts, a workspace each, a token on the first, a voice in its workspace: valid.
    fn valid() -> Config {
        Config::from_toml(
            r#"
            [[accounts]]
            id = "a"
            plan = "team"
            [[accounts]]
            id = "b"
            plan = "team"
            [[workspaces]]
            id = "1"
            account = "a"
            [[workspaces]]
            id = "2"
            account = "b"
            [[tokens]]
            value = "t"
            account = "a"
            personal_workspace = "1"
            permissions = ["createVoice"]
            [[voices]]
            space_id = "1"
            name = "v"
            "#,
        )
        .unwrap()
    }

    /// The problems of `valid()` after `change`, as `(item, message)`.
    fn problems(change: impl FnOnce(&mut Config)) -> Vec<(String, String)> {
        let mut config = valid();
        change(&mut config);
        match config.validate() {
            Ok(_) => Vec::new(),
            Err(e) => e
                .problems()
                .iter()
                .map(|p| (p.item.to_string(), p.message.clone()))
                .collect(),
        }
    }

    /// Asserts `change` yields exactly one problem, at `item`, whose message contains `words`.
    fn assert_one(change: impl FnOnce(&mut Config), item: &str, words: &str) {
        let found = problems(change);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, item, "{found:?}");
        assert!(found[0].1.contains(words), "{found:?}");
    }

    #[test]
    fn the_base_configuration_is_valid() {
        assert_eq!(problems(|_| {}), Vec::new());
    }

    #[test]
    fn every_slot_a_u32_can_count_is_valid_and_saturates() {
        let mut config = valid();
        config.accounts[0].bought_voice_slots = u32::MAX;
        assert!(config.validate().is_ok());
    }

    #[test]
    fn an_account_declared_twice() {
        assert_one(
            |c| c.accounts.push(c.accounts[0].clone()),
            "accounts[2].id",
            "account \"a\" is declared twice",
        );
    }

    #[test]
    fn a_workspace_id_that_is_not_decimal() {
        assert_one(
            |c| {
                c.workspaces[1].id = "ws-2".into();
            },
            "workspaces[1].id",
            "must be decimal digits",
        );
    }

    #[test]
    fn a_workspace_of_an_unknown_account() {
        assert_one(
            |c| c.workspaces[1].account = "nobody".into(),
            "workspaces[1].account",
            "unknown account \"nobody\"",
        );
    }

    #[test]
    fn a_workspace_declared_twice() {
        assert_one(
            |c| c.workspaces[1].id = "1".into(),
            "workspaces[1].id",
            "workspace 1 is declared twice",
        );
    }

    #[test]
    fn a_token_that_cannot_be_sent() {
        for value in ["", "pat with space"] {
            assert_one(
                |c| c.tokens[0].value = value.into(),
                "tokens[0].value",
                "can never be sent",
            );
        }
    }

    #[test]
    fn a_token_of_an_unknown_account() {
        assert_one(
            |c| c.tokens[0].account = "nobody".into(),
            "tokens[0].account",
            "unknown account \"nobody\"",
        );
    }

    #[test]
    fn a_token_naming_an_unknown_workspace() {
        assert_one(
            |c| c.tokens[0].personal_workspace = "9".into(),
            "tokens[0].personal_workspace",
            "unknown workspace 9",
        );
    }

    #[test]
    fn a_token_naming_another_accounts_workspace() {
        assert_one(
            |c| c.tokens[0].workspaces = vec!["1".into(), "2".into()],
            "tokens[0].workspaces[1]",
            "names workspace 2 of account \"b\"",
        );
    }

    #[test]
    fn an_expiry_that_is_not_rfc3339() {
        assert_one(
            |c| c.tokens[0].expires_at = Some("tomorrow".into()),
            "tokens[0].expires_at",
            "\"tomorrow\" is not RFC 3339",
        );
    }

    #[test]
    fn a_token_declared_twice() {
        assert_one(
            |c| c.tokens.push(c.tokens[0].clone()),
            "tokens[1].value",
            "token \"t\" is declared twice",
        );
    }

    #[test]
    fn a_system_voice_id_that_is_not_decimal() {
        assert_one(
            |c| c.system_voices[2].voice_id = "sys".into(),
            "system_voices[2].voice_id",
            "must be decimal digits",
        );
    }

    #[test]
    fn a_system_voice_declared_twice() {
        assert_one(
            |c| c.system_voices.push(c.system_voices[0].clone()),
            "system_voices[4].voice_id",
            "is declared twice",
        );
    }

    #[test]
    fn a_system_voice_model_type_other_than_big_or_small() {
        assert_one(
            |c| c.system_voices[0].model_type = "huge".into(),
            "system_voices[0].model_type",
            "must be big or small",
        );
    }

    #[test]
    fn a_voice_in_an_unknown_workspace() {
        assert_one(
            |c| c.voices[0].space_id = "9".into(),
            "voices[0].space_id",
            "unknown workspace 9",
        );
    }

    #[test]
    fn a_voice_id_that_is_not_decimal() {
        assert_one(
            |c| c.voices[0].voice_id = Some("v1".into()),
            "voices[0].voice_id",
            "must be decimal digits",
        );
    }

    #[test]
    fn a_voice_id_taken_by_a_system_voice() {
        assert_one(
            |c| c.voices[0].voice_id = Some(c.system_voices[0].voice_id.clone()),
            "voices[0].voice_id",
            "declared twice",
        );
    }

    #[test]
    fn a_voice_with_too_many_training_times_left() {
        assert_one(
            |c| c.voices[0].available_training_times = CLONES_PER_VOICE_ID,
            "voices[0].available_training_times",
            "must be below 10",
        );
    }

    #[test]
    fn an_audio_policy_with_crossed_bounds() {
        assert_one(
            |c| {
                c.audio.min_duration_secs = Some(30.0);
                c.audio.max_duration_secs = Some(10.0);
            },
            "audio",
            "exceeds max_duration_secs",
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_in_file_order() {
        let found = problems(|c| {
            c.accounts[1].plan = Plan::Personal;
            c.workspaces[0].account = "nobody".into();
            c.tokens[0].expires_at = Some("soon".into());
            c.voices.push(VoiceConfig::new("8", "lost"));
        });
        let items: Vec<&str> = found.iter().map(|(item, _)| item.as_str()).collect();
        assert_eq!(
            items,
            [
                "workspaces[0].account",
                "tokens[0].expires_at",
                "voices[1].space_id"
            ]
        );
    }

    #[test]
    fn without_a_file_problems_share_one_line() {
        let mut config = valid();
        config.tokens[0].account = "x".into();
        config.voices[0].space_id = "9".into();
        let text = config.validate().unwrap_err().to_string();
        assert_eq!(
            text,
            "tokens[0].account: token \"t\" names unknown account \"x\"; \
             voices[0].space_id: voice \"v\" names unknown workspace 9"
        );
    }
}
