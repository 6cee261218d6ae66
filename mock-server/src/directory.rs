//! The runtime directory: which token speaks for which account, and which workspaces it may use.
//!
//! Built from a validated configuration ([`crate::config::Config::validate`]) and read by [`crate::auth`]
//! on every request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::rules::Plan;

/// An account as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its name.
    pub id: String,
    /// Its plan.
    pub plan: Plan,
    /// Voices it may hold: the plan's included slot plus those bought (0 on a personal plan).
    pub voice_slots: u32,
    /// Whether service is suspended for arrears.
    pub in_arrears: bool,
}

/// Who a token speaks for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub account: Arc<Account>,
    /// The default workspace of a clone.
    pub personal_space: String,
    /// Every workspace the token may use, the personal one first.
    pub spaces: Vec<String>,
    /// Granted permissions.
    pub permissions: Vec<String>,
    /// Unix time after which the token is refused.
    pub expires_at: Option<i64>,
}

impl Principal {
    /// Whether the token was granted `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Whether the token may use workspace `space_id`.
    pub fn may_use_space(&self, space_id: &str) -> bool {
        self.spaces.iter().any(|s| s == space_id)
    }
}

/// Token → principal.
///
/// The token table is swapped whole by [`Directory::replace`] when the admin API seeds or resets; a
/// lookup returns a copy of one principal, so a request sees the table before or after a swap, never a
/// mix. What the configuration fixes for the server's life is in [`crate::settings::Settings`].
#[derive(Debug, Default)]
pub struct Directory {
    tokens: RwLock<HashMap<String, Principal>>,
}

impl Directory {
    /// A directory of these tokens.
    pub fn new(tokens: HashMap<String, Principal>) -> Directory {
        Directory {
            tokens: RwLock::new(tokens),
        }
    }

    /// The principal of a token, if the token is known.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    /// Every account some token speaks for, sorted by id.
    pub fn accounts(&self) -> Vec<Arc<Account>> {
        let tokens = self.tokens.read().unwrap_or_else(|p| p.into_inner());
        let mut accounts: Vec<Arc<Account>> = Vec::new();
        for principal in tokens.values() {
            if !accounts.iter().any(|a| a.id == principal.account.id) {
                accounts.push(principal.account.clone());
            }
        }
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts
    }

    /// Swaps this directory's token table for `other`'s, in one write.
    pub fn replace(&self, other: Directory) {
        let tokens = other.tokens.into_inner().unwrap_or_else(|p| p.into_inner());
        *self.tokens.write().unwrap_or_else(|p| p.into_inner()) = tokens;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(account: &str) -> Principal {
        Principal {
            account: Arc::new(Account {
                id: account.to_owned(),
                plan: Plan::Team,
                voice_slots: 1,
                in_arrears: false,
            }),
            personal_space: "1".to_owned(),
            spaces: vec!["1".to_owned()],
            permissions: Vec::new(),
            expires_at: None,
        }
    }

    #[test]
    fn replace_swaps_the_whole_token_table() {
        let dir = Directory::new(HashMap::from([("old".into(), principal("a"))]));
        dir.replace(Directory::new(HashMap::from([(
            "new".into(),
            principal("b"),
        )])));
        assert!(dir.principal("old").is_none());
        assert_eq!(dir.principal("new").unwrap().account.id, "b");
        assert_eq!(dir.accounts().len(), 1);
    }
}
