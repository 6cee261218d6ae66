//! Load benchmark of coze-mock against the floor of its stack and against WireMock. Run by hand:
//!
//! ```sh
//! cargo run --release -p bench -- --duration 5s
//! ```
//!
//! It builds the release `coze-mock`, installs WireMock from npm into `bench/.wiremock/`, then for each
//! upload size and concurrency puts the same load on every target in turn, and writes
//! `bench/results/<date>-<time>.md`. See `bench/README.md` for what is measured and the latest figures.
//! `cargo run --release -p bench -- speech-memory` measures the fake's peak RSS under the longest speech
//! answers instead; `-- proxy-memory` what a forwarded 10 MiB clone costs `coze-mock proxy`.

mod bare;
mod figures;
mod load;
mod proxy_memory;
mod report;
mod servers;
mod speech_memory;
mod speech_stream;
mod upload;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::load::Load;
use crate::report::{Cell, Run};
use crate::servers::{FakeFlags, Paths, Server, Target};

/// Load benchmark of coze-mock against a bare axum + multer server and WireMock.
#[derive(Parser)]
#[command(name = "bench")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the bare axum + multer server (the bench starts it itself).
    Bare {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
    },
    /// Only put load on a server already running (for profiling one target by hand).
    Load {
        /// The server, e.g. `127.0.0.1:8080`.
        #[arg(long)]
        addr: std::net::SocketAddr,
        /// File size to upload, in bytes.
        #[arg(long, default_value_t = 100 * 1024)]
        size: usize,
        /// Concurrent connections.
        #[arg(long, short, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value = "5s", value_parser = seconds)]
        duration: Duration,
    },
    /// In process: `MockServer::start()` to the first answer, and the voice-list page cost as the
    /// workspace grows (seeded through the admin API).
    Figures {
        /// Start-ups to time.
        #[arg(long, default_value_t = 51)]
        runs: usize,
        /// Workspace sizes, in voices.
        #[arg(long, value_delimiter = ',', default_values_t = [1_000, 20_000])]
        voices: Vec<usize>,
        /// Reads of each page per size.
        #[arg(long, default_value_t = 50)]
        repeats: usize,
    },
    /// Peak RSS of the fake answering the longest speech requests the rules allow, all at once.
    SpeechMemory {
        /// Concurrent requests.
        #[arg(long, short, default_value_t = 16)]
        concurrency: usize,
    },
    /// Peak RSS over idle of `coze-mock proxy` (`--spend all` and `refusals`) forwarding 10 MiB clones to
    /// an upstream fake, beside the fake's own for the same clones served directly, and the proxy's
    /// added latency.
    ProxyMemory {
        /// Connections sending clones at once, one cell each.
        #[arg(long, short, value_delimiter = ',', default_values_t = [1, 4])]
        concurrency: Vec<usize>,
        /// Clones each connection sends, one after the other.
        #[arg(long, default_value_t = 8)]
        clones: usize,
        /// Rounds of each cell, each on fresh processes.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Peak RSS of the fake streaming 1,024 bytes of speech over that many WebSocket sessions at once,
    /// and the first audio chunk's latency after `input_text_buffer.complete`.
    SpeechStream {
        /// Concurrent sessions.
        #[arg(long, short, default_value_t = 64)]
        concurrency: usize,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Measured time per cell, e.g. `5s`.
    #[arg(long, default_value = "5s", value_parser = seconds)]
    duration: Duration,
    /// Unmeasured load before each cell.
    #[arg(long, default_value = "1s", value_parser = seconds)]
    warmup: Duration,
    /// Runs of each cell; the report shows the median by req/s.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// File sizes to upload, in bytes.
    #[arg(long, value_delimiter = ',', default_values_t = [100 * 1024, 1024 * 1024, 10 * 1024 * 1024])]
    sizes: Vec<usize>,
    /// Concurrent connections.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16])]
    concurrency: Vec<usize>,
    /// Skip WireMock (no java or npm).
    #[arg(long)]
    no_wiremock: bool,
    /// Start-up measurements per server.
    #[arg(long, default_value_t = 21)]
    startup_runs: usize,
    /// Where to write the results (default: `bench/results/<date>-<time>.md`).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn seconds(s: &str) -> Result<Duration, String> {
    let n = s.strip_suffix('s').unwrap_or(s);
    n.parse::<f64>()
        .map(Duration::from_secs_f64)
        .map_err(|e| format!("{s:?}: {e} (use e.g. 5s)"))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Bare { addr }) => {
            tokio::runtime::Runtime::new()?.block_on(bare::serve(&addr))
        }
        Some(Command::Load {
            addr,
            size,
            concurrency,
            duration,
        }) => {
            let outcome = load_runtime()?.block_on(load::run(Load {
                addr,
                body: upload::clone_body(size),
                content_type: upload::content_type(),
                concurrency,
                warmup: Duration::ZERO,
                duration,
            }));
            println!(
                "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} failed{}",
                outcome.req_per_sec(),
                outcome.percentile_ms(0.5),
                outcome.percentile_ms(0.99),
                outcome.failed,
                outcome
                    .first_failure
                    .map(|f| format!(" (first: {f})"))
                    .unwrap_or_default()
            );
            Ok(())
        }
        Some(Command::Figures {
            runs,
            voices,
            repeats,
        }) => {
            if cfg!(debug_assertions) {
                eprintln!("warning: a debug build measures its own slowness: use --release");
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let start = runtime.block_on(figures::start_to_first_answer(runs))?;
            let rows = runtime.block_on(figures::list_growth(&voices, repeats))?;
            println!("{}", figures::markdown(&start, runs, &rows, repeats));
            Ok(())
        }
        Some(Command::SpeechMemory { concurrency }) => {
            let paths = prepare(&workspace_root()?, false)?;
            speech_memory::run(&paths, &load_runtime()?, concurrency)
        }
        Some(Command::ProxyMemory {
            concurrency,
            clones,
            rounds,
        }) => {
            let root = workspace_root()?;
            let paths = prepare(&root, false)?;
            let runtime = load_runtime()?;
            proxy_memory::run(&root, &paths, &runtime, &concurrency, clones, rounds)
        }
        Some(Command::SpeechStream { concurrency }) => {
            let paths = prepare(&workspace_root()?, false)?;
            speech_stream::run(&paths, &load_runtime()?, concurrency)
        }
        None => run(cli.run),
    }
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build of the bench measures its own slowness: use --release");
    }
    let root = workspace_root()?;
    let paths = prepare(&root, !args.no_wiremock)?;
    let mut targets = vec![Target::Fake];
    if paths.fake_flags.db {
        targets.push(Target::FakeDb);
    }
    targets.push(Target::Bare);
    if !args.no_wiremock {
        targets.push(Target::WireMock);
    }
    let runtime = load_runtime()?;
    let mut run = Run::describe(&root, &args_summary(&args), paths.fake_flags);

    let wiremock = if args.no_wiremock {
        None
    } else {
        eprintln!("starting WireMock once (it keeps its JIT warm across cells)");
        Some(Server::start(Target::WireMock, &paths)?)
    };
    for &size in &args.sizes {
        let body = upload::clone_body(size);
        for &concurrency in &args.concurrency {
            // The targets take turns round by round, so a cell's figures are minutes apart at most and a
            // machine that speeds up or slows down meanwhile moves them all.
            let mut rounds: Vec<Vec<Cell>> = targets.iter().map(|_| Vec::new()).collect();
            for _ in 0..args.rounds {
                for (&target, cells) in targets.iter().zip(&mut rounds) {
                    let fresh;
                    let server = match (&wiremock, target) {
                        (Some(w), Target::WireMock) => w,
                        _ => {
                            fresh = Server::start(target, &paths)?;
                            &fresh
                        }
                    };
                    let cell = measure(&runtime, server, target, size, concurrency, &body, &args)?;
                    eprintln!("{}", cell.line());
                    cells.push(cell);
                    // The other targets are stopped after their round; WireMock stays up.
                    server.settle()?;
                }
            }
            for mut cells in rounds {
                cells.sort_by(|a, b| a.outcome.req_per_sec().total_cmp(&b.outcome.req_per_sec()));
                run.cells.push(cells.swap_remove(cells.len() / 2));
            }
        }
    }
    drop(wiremock);

    for &target in &targets {
        let runs = if target == Target::WireMock {
            args.startup_runs.min(5)
        } else {
            args.startup_runs
        };
        eprintln!("start-up of {} ({runs} runs)", target.name());
        run.startups
            .push((target, servers::startup_times(target, &paths, runs)?));
    }
    run.finish();

    let out = args.out.clone().unwrap_or_else(|| {
        root.join("bench/results").join(format!(
            "{}.md",
            chrono::Local::now().format("%Y-%m-%d-%H%M")
        ))
    });
    std::fs::write(&out, run.markdown())?;
    println!("{}", run.markdown());
    eprintln!("written to {}", out.display());
    Ok(())
}

/// The load generator's own runtime: two workers, one per core of the reference machine.
fn load_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

fn workspace_root() -> anyhow::Result<PathBuf> {
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("workspace root")?
        .to_owned())
}

/// Builds the release fake, installs WireMock if asked, makes a scratch directory.
fn prepare(root: &Path, with_wiremock: bool) -> anyhow::Result<Paths> {
    eprintln!("cargo build --release -p coze-mock --bin coze-mock");
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "-p",
            "coze-mock",
            "--bin",
            "coze-mock",
        ])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("building coze-mock failed");
    }
    let bench = std::env::current_exe()?;
    let coze_mock = bench.with_file_name("coze-mock");
    let wiremock_dir = root.join("bench/.wiremock");
    if with_wiremock {
        servers::install_wiremock(&wiremock_dir)?;
    }
    let scratch = std::env::temp_dir().join(format!("coze-mock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    Ok(Paths {
        fake_flags: FakeFlags::of(&coze_mock)?,
        coze_mock,
        bench,
        wiremock_dir,
        scratch,
    })
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    target: Target,
    size: usize,
    concurrency: usize,
    body: &bytes::Bytes,
    args: &RunArgs,
) -> anyhow::Result<Cell> {
    server.reset_peak_rss()?;
    let cpu_before = server.cpu_time()?;
    let started = Instant::now();
    let outcome = runtime.block_on(load::run(Load {
        addr: server.addr,
        body: body.clone(),
        content_type: upload::content_type(),
        concurrency,
        warmup: args.warmup,
        duration: args.duration,
    }));
    let wall = started.elapsed();
    Ok(Cell {
        target,
        size,
        body_len: body.len(),
        concurrency,
        server_cpu: (server.cpu_time()? - cpu_before).as_secs_f64() / wall.as_secs_f64(),
        peak_rss: server.peak_rss()?,
        outcome,
    })
}

fn args_summary(args: &RunArgs) -> String {
    format!(
        "--duration {}s --warmup {}s --rounds {}",
        args.duration.as_secs_f64(),
        args.warmup.as_secs_f64(),
        args.rounds
    )
}
