//! The servers under load, each its own process so its memory and CPU can be read from `/proc`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// The WireMock release the npm package `wiremock` bundles.
pub(crate) const WIREMOCK_VERSION: &str = "3.13.2";

/// The bench's account: a team with a hundred million slots, so a run of new clones never hits the
/// quota and every request goes through every rule and the store. The token may also synthesise
/// (`createSpeech`, the permission Coze's speech docs name) for `bench speech-memory`.
const BENCH_CONFIG: &str = r#"
[[accounts]]
id = "bench"
plan = "team"
bought_voice_slots = 100000000

[[workspaces]]
id = "7361638276870530000"
account = "bench"

[[tokens]]
value = "pat_mock"
account = "bench"
personal_workspace = "7361638276870530000"
permissions = ["createVoice", "createSpeech"]
"#;

/// What answers the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// coze-mock with its state in memory (`--in-memory`).
    Fake,
    /// coze-mock with its state in a SQLite file (`--db`): what `serve` persists by default.
    FakeDb,
    /// axum + multer reading the stream and answering a fixed envelope.
    Bare,
    /// WireMock standalone with a stub of the endpoint.
    WireMock,
}

impl Target {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Fake => "coze-mock (memory)",
            Target::FakeDb => "coze-mock (SQLite file)",
            Target::Bare => "bare axum+multer",
            Target::WireMock => "WireMock",
        }
    }
}

/// Where the programs and scratch files are.
pub(crate) struct Paths {
    /// The release `coze-mock` binary.
    pub(crate) coze_mock: PathBuf,
    /// This binary, which serves the bare server as `bench bare`.
    pub(crate) bench: PathBuf,
    /// `bench/.wiremock`: the npm install and the stub mapping.
    pub(crate) wiremock_dir: PathBuf,
    /// A fresh directory for configs and databases.
    pub(crate) scratch: PathBuf,
    /// Whether `coze-mock serve` knows `--in-memory` / `--db`.
    pub(crate) fake_flags: FakeFlags,
}

/// The persistence flags the `coze-mock` binary offers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FakeFlags {
    pub(crate) in_memory: bool,
    pub(crate) db: bool,
}

impl FakeFlags {
    /// Reads `coze-mock serve --help`.
    pub(crate) fn of(coze_mock: &Path) -> anyhow::Result<FakeFlags> {
        let help = Command::new(coze_mock).args(["serve", "--help"]).output()?;
        let help = String::from_utf8_lossy(&help.stdout);
        Ok(FakeFlags {
            in_memory: help.contains("--in-memory"),
            db: help.contains("--db"),
        })
    }
}

/// A running server; killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts `target` on a free port and waits until it answers.
    pub(crate) fn start(target: Target, paths: &Paths) -> anyhow::Result<Server> {
        let addr = free_addr()?;
        Server::spawn(command(target, paths, addr)?, target.name(), addr)
    }

    /// Runs `command`, which serves on `addr`, and waits until it answers.
    pub(crate) fn spawn(
        mut command: Command,
        name: &str,
        addr: SocketAddr,
    ) -> anyhow::Result<Server> {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut server = Server { child, addr };
        server.drain_stdout();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers(addr) {
            if Instant::now() > deadline {
                bail!("{name} did not answer on {addr} within 60 s");
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("{name} exited with {status}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(server)
    }

    /// Keeps the pipe empty so a server that logs each request never blocks on a full pipe.
    fn drain_stdout(&mut self) {
        if let Some(mut out) = self.child.stdout.take() {
            std::thread::spawn(move || {
                let mut sink = [0u8; 8192];
                while out.read(&mut sink).is_ok_and(|n| n > 0) {}
            });
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resets the kernel's peak-RSS mark (`echo 5 > /proc/PID/clear_refs`), so the next [`Self::peak_rss`]
    /// is the peak since now.
    pub(crate) fn reset_peak_rss(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").context("resetting VmHWM")
    }

    /// `VmHWM`: the peak resident set size, in bytes.
    pub(crate) fn peak_rss(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .context("no VmHWM in /proc/PID/status")?;
        Ok(kb * 1024)
    }

    /// CPU time (user + system) the process has used so far.
    pub(crate) fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // Fields after the command name, which is in parentheses and may contain spaces.
        let rest = stat.rsplit_once(')').context("malformed stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
        Ok(Duration::from_secs_f64(
            ticks as f64 / clock_ticks_per_sec(),
        ))
    }

    /// Waits until the process has gone quiet (under 5 % of a core over 200 ms), at most 15 s. A JVM goes
    /// on compiling and collecting garbage after its load stops, and would take CPU from the next target.
    pub(crate) fn settle(&self) -> anyhow::Result<()> {
        const WINDOW: Duration = Duration::from_millis(200);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            let before = self.cpu_time()?;
            std::thread::sleep(WINDOW);
            if self.cpu_time()? - before < WINDOW / 20 {
                break;
            }
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on; `getconf` confirms it without `libc`.
fn clock_ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn command(target: Target, paths: &Paths, addr: SocketAddr) -> anyhow::Result<Command> {
    Ok(match target {
        Target::Fake | Target::FakeDb => {
            let mut cmd = Command::new(&paths.coze_mock);
            cmd.args(["serve", "--addr", &addr.to_string(), "--config"])
                .arg(bench_config(paths)?);
            if target == Target::FakeDb {
                let db = paths.scratch.join(format!("bench-{}.db", addr.port()));
                cmd.arg("--db").arg(db);
            } else if paths.fake_flags.in_memory {
                cmd.arg("--in-memory");
            }
            cmd
        }
        Target::Bare => {
            let mut cmd = Command::new(&paths.bench);
            cmd.args(["bare", "--addr", &addr.to_string()]);
            cmd
        }
        Target::WireMock => {
            let jar = wiremock_jar(&paths.wiremock_dir)?;
            let mut cmd = Command::new("java");
            cmd.arg("-jar")
                .arg(jar)
                .args([
                    "--port",
                    &addr.port().to_string(),
                    "--bind-address",
                    "127.0.0.1",
                ])
                .arg("--root-dir")
                .arg(paths.wiremock_dir.join("root"))
                .args(["--no-request-journal", "--disable-banner"]);
            cmd
        }
    })
}

/// Installs the npm package `wiremock` into `dir` (once) and writes the stub of the endpoint. The
/// package's `wiremock` command only runs `java -jar` on the jar it bundles; the bench runs the jar
/// itself so the measured process is the JVM, not a node wrapper.
pub(crate) fn install_wiremock(dir: &Path) -> anyhow::Result<()> {
    if wiremock_jar(dir).is_err() {
        std::fs::create_dir_all(dir)?;
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(format!("wiremock@{WIREMOCK_VERSION}"))
            .status()
            .context("running npm")?;
        if !status.success() {
            bail!("npm install wiremock@{WIREMOCK_VERSION} failed");
        }
    }
    let mappings = dir.join("root/mappings");
    std::fs::create_dir_all(&mappings)?;
    std::fs::write(
        mappings.join("clone.json"),
        include_str!("wiremock-clone-stub.json"),
    )?;
    Ok(())
}

fn wiremock_jar(dir: &Path) -> anyhow::Result<PathBuf> {
    let jar = dir.join(format!(
        "node_modules/wiremock/build/wiremock-standalone-{WIREMOCK_VERSION}.jar"
    ));
    if !jar.exists() {
        bail!("{} not found", jar.display());
    }
    Ok(jar)
}

/// Writes the bench's account to the scratch directory; its path.
pub(crate) fn bench_config(paths: &Paths) -> anyhow::Result<PathBuf> {
    let config = paths.scratch.join("bench.toml");
    std::fs::write(&config, BENCH_CONFIG)?;
    Ok(config)
}

/// A free loopback address.
pub(crate) fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(([127, 0, 0, 1], free_port()?).into())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether `addr` answers an HTTP request (any status): the server accepts and serves.
pub(crate) fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(100)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /startup-probe HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("HTTP/1.1 ")
}

/// Milliseconds from spawning `target` to its first answered request, `runs` times, sorted.
pub(crate) fn startup_times(
    target: Target,
    paths: &Paths,
    runs: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let addr = free_addr()?;
        let started = Instant::now();
        let mut child = command(target, paths, addr)?
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        while !answers(addr) {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                bail!("{} did not start within 60 s", target.name());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        child.kill()?;
        child.wait()?;
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}
