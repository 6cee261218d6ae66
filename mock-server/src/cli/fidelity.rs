//! `coze-mock fidelity`: the fidelity ledger ([`mock_server::__internals::fidelity::LEDGER`]) for a terminal, or as
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
        mock_server::__internals::fidelity::markdown()
    } else {
        mock_server::__internals::fidelity::text()
    };
    print!("{ledger}");
}
