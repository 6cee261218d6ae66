//! `coze-mock fidelity`: the fidelity ledger ([`coze_mock::__internals::fidelity::LEDGER`]) for a terminal, or as
//! the list of `docs/fidelity.md`.

/// Flags of `coze-mock fidelity`.
#[derive(clap::Args)]
pub(crate) struct FidelityArgs {
    /// Print the ledger as the list of docs/fidelity.md (Markdown).
    #[arg(long)]
    markdown: bool,
}

/// Prints the ledger.
pub(crate) fn run(args: &FidelityArgs) {
    let ledger = if args.markdown {
        coze_mock::__internals::fidelity::markdown()
    } else {
        coze_mock::__internals::fidelity::text()
    };
    print!("{ledger}");
}
