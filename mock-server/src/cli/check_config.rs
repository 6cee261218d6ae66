//! `coze-mock check-config FILE`: the start-up validation, without serving.

use std::path::PathBuf;

use coze_mock::config::Config;

/// The arguments of `check-config`.
#[derive(clap::Args)]
pub(crate) struct CheckConfigArgs {
    /// The TOML configuration file to check.
    file: PathBuf,
}

/// Prints a one-line summary of a valid file (and the start-up warning, if any); otherwise every
/// problem comes back as the error.
pub(crate) fn run(args: &CheckConfigArgs) -> anyhow::Result<()> {
    let config = Config::from_file(&args.file)?;
    println!("{}: OK: {}", args.file.display(), summary(&config));
    if let Some(warning) = config.clone_reach_warning(chrono::Utc::now().timestamp()) {
        eprintln!("coze-mock: warning: {warning}");
    }
    Ok(())
}

/// `2 accounts, 3 workspaces, 4 tokens, 1 voice, 4 system voices`.
fn summary(config: &Config) -> String {
    [
        (config.accounts.len(), "account"),
        (config.workspaces.len(), "workspace"),
        (config.tokens.len(), "token"),
        (config.voices.len(), "voice"),
        (config.system_voices.len(), "system voice"),
    ]
    .iter()
    .map(|&(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_table() {
        assert_eq!(
            summary(&Config::default()),
            "1 account, 1 workspace, 1 token, 0 voices, 4 system voices"
        );
    }
}
