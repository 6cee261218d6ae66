//! Whether a configuration lets any token do the fake's main job: clone a voice.

use super::{Config, TokenConfig};
use crate::rules::CREATE_VOICE_PERMISSION;

impl Config {
    /// Why no token can clone a voice at Unix time `now`, or `None` when one can. For a configuration
    /// that passed validation.
    ///
    /// A token can clone when it has not expired, holds `createVoice`, and its account is on a team or
    /// enterprise plan and not in arrears. (Its workspaces are its account's: validation refuses any
    /// other.) With no token at all every request is refused. Listing and speech need their own
    /// permissions, but a configuration in which no token can clone is almost always a mistake, so the server warns at
    /// start-up and still serves.
    pub fn clone_reach_warning(&self, now: i64) -> Option<String> {
        if self.tokens.is_empty() {
            return Some("no token is declared: every API request will be refused".to_owned());
        }
        let mut reasons = Vec::new();
        for token in &self.tokens {
            match self.why_token_cannot_clone(token, now) {
                None => return None,
                Some(reason) => reasons.push(format!("{:?} {reason}", token.value)),
            }
        }
        Some(format!(
            "no token can clone a voice: {}",
            reasons.join("; ")
        ))
    }

    /// Why `token` cannot clone at `now`, or `None` when it can.
    fn why_token_cannot_clone(&self, token: &TokenConfig, now: i64) -> Option<String> {
        let expired = token.expires_at.as_deref().filter(|e| {
            chrono::DateTime::parse_from_rfc3339(e).is_ok_and(|d| d.timestamp() <= now)
        });
        if let Some(expiry) = expired {
            return Some(format!("expired at {expiry}"));
        }
        if !token
            .permissions
            .iter()
            .any(|p| p == CREATE_VOICE_PERMISSION)
        {
            return Some(format!("lacks the {CREATE_VOICE_PERMISSION} permission"));
        }
        let account = self.accounts.iter().find(|a| a.id == token.account)?;
        if !self.rules.may_clone(account.plan) {
            return Some(format!(
                "belongs to account {:?} on the {} plan, which [rules] clone_plans does not let clone",
                account.id,
                format!("{:?}", account.plan).to_lowercase()
            ));
        }
        if account.in_arrears {
            return Some(format!("belongs to account {:?}, in arrears", account.id));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Plan;

    #[test]
    fn the_default_configuration_can_clone() {
        assert_eq!(Config::default().clone_reach_warning(0), None);
    }

    #[test]
    fn no_token_at_all_warns() {
        let mut config = Config::default();
        config.tokens.clear();
        let warning = config.clone_reach_warning(0).unwrap();
        assert!(warning.contains("no token is declared"), "{warning}");
    }

    #[test]
    fn one_token_that_can_clone_is_enough() {
        let mut config = Config::default();
        let mut idle = config.tokens[0].clone();
        idle.value = "pat_idle".into();
        idle.permissions.clear();
        config.tokens.insert(0, idle);
        assert_eq!(config.clone_reach_warning(0), None);
    }

    #[test]
    fn each_reason_a_token_cannot_clone_is_named() {
        type Change = fn(&mut Config);
        let cases: [(&str, Change); 4] = [
            ("lacks the createVoice permission", |c| {
                c.tokens[0].permissions.clear()
            }),
            ("on the personal plan", |c| {
                c.accounts[0].plan = Plan::Personal
            }),
            ("in arrears", |c| c.accounts[0].in_arrears = true),
            ("expired at 2026-01-01T00:00:00Z", |c| {
                c.tokens[0].expires_at = Some("2026-01-01T00:00:00Z".into())
            }),
        ];
        let after_expiry = 1_767_225_600;
        for (reason, break_it) in cases {
            let mut config = Config::default();
            break_it(&mut config);
            let warning = config.clone_reach_warning(after_expiry).unwrap();
            assert!(warning.contains("no token can clone"), "{warning}");
            assert!(warning.contains(reason), "{reason}: {warning}");
        }
    }

    #[test]
    fn a_token_before_its_expiry_can_clone() {
        let mut config = Config::default();
        config.tokens[0].expires_at = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(config.clone_reach_warning(1_767_225_599), None);
    }
}
