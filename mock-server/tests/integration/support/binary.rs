use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::api::Api;

/// A process a test started, killed (SIGKILL) and reaped when dropped: when the test fails (panics) while
/// it runs, unwinding drops it, so no server outlives its test. Every test that spawns `coze-mock serve`
/// holds its child in one of these (or in a [`Binary`], which does), and so does the inspector test's
/// chromedriver.
pub(crate) struct Reaped(Child);

impl Reaped {
    /// Spawns `command`; panics if it cannot start.
    pub(crate) fn spawn(command: &mut Command) -> Reaped {
        Reaped(command.spawn().expect("spawn coze-mock"))
    }
}

impl From<Child> for Reaped {
    fn from(child: Child) -> Reaped {
        Reaped(child)
    }
}

impl Deref for Reaped {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        // Both fail only when the child is already gone, which is what is wanted.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `coze-mock` binary on 127.0.0.1, started for a test and killed (SIGKILL) when dropped if still
/// running.
pub(crate) struct Binary {
    child: Reaped,
    pub(crate) addr: SocketAddr,
    pub(crate) api: Api,
}

impl Binary {
    /// Starts `coze-mock serve` with `args` (on 127.0.0.1 port 0 unless they say `--addr`), waits for
    /// its `listening on` line, and keeps draining its stdout so it never blocks on a full pipe.
    pub(crate) fn start(args: &[&str]) -> Binary {
        let mut command = Command::new(env!("CARGO_BIN_EXE_coze-mock"));
        command.arg("serve");
        if !args.contains(&"--addr") {
            command.args(["--addr", "127.0.0.1:0"]);
        }
        let mut child = Reaped::spawn(
            command
                .args(args)
                .env("COZE_MOCK_LOG", "warn")
                .stdout(Stdio::piped()),
        );
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut next_line = || {
            lines
                .next()
                .expect("coze-mock exited before listening")
                .expect("stdout line")
        };
        let (scheme, addr): (&str, SocketAddr) = loop {
            let line = next_line();
            if let Some(addr) = line.strip_prefix("coze-mock listening on http://") {
                break ("http", addr.parse().expect("an address"));
            }
            if let Some(addr) = line.strip_prefix("coze-mock listening on https://") {
                break ("https", addr.parse().expect("an address"));
            }
        };
        let base = format!("{scheme}://{addr}");
        let api = if scheme == "https" {
            let line = next_line();
            let line = if line.starts_with("TLS: the certificate of ") {
                None
            } else {
                Some(next_line())
            };
            match line
                .as_deref()
                .and_then(|l| l.strip_prefix("trust it: SSL_CERT_FILE="))
            {
                Some(rest) => {
                    let path = rest.split(' ').next().expect("a path");
                    let pem = std::fs::read(path).expect("the CA file the server names");
                    Api::trusting(base, &pem)
                }
                // A certificate of the test's own: the test makes its client.
                None => Api::new(base),
            }
        } else {
            Api::new(base)
        };
        std::thread::spawn(move || lines.for_each(drop));
        Binary { child, addr, api }
    }

    /// Starts the binary in memory.
    pub(crate) fn in_memory() -> Binary {
        Binary::start(&["--in-memory"])
    }

    /// Starts the binary on the database at `db`.
    pub(crate) fn on_db(db: &Path) -> Binary {
        Binary::start(&["--db", db.to_str().expect("UTF-8 path")])
    }

    /// `kill -9`: no chance to flush or checkpoint anything.
    pub(crate) fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// Sends SIGTERM.
    pub(crate) fn sigterm(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
    }

    /// SIGTERM, then waits for the graceful exit.
    pub(crate) fn stop(mut self) {
        self.sigterm();
        let exit = self.child.wait().expect("reap");
        assert!(exit.success(), "graceful exit, got {exit}");
    }

    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits for the process to exit; fails the test if it is still running after `bound`.
    pub(crate) async fn exit_within(&mut self, bound: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                started.elapsed() < bound,
                "coze-mock still running after {bound:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The process's peak resident set size so far (VmHWM), in bytes.
    pub(crate) fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        kb * 1024
    }
}

/// Whether a `coze-mock` process with this id exists, running or a zombie not yet reaped.
fn coze_mock_process_exists(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.contains("(coze-mock)"))
}

/// A test that fails while its servers run leaves none behind: the binary a [`Binary`] started and a
/// process a test spawned itself are both killed and reaped as the failing test unwinds.
#[test]
fn a_test_that_panics_leaves_no_server_behind() {
    let (pids, started) = std::sync::mpsc::channel();
    let failing_test = std::thread::spawn(move || {
        let binary = Binary::in_memory();
        let mut command = Command::new(env!("CARGO_BIN_EXE_coze-mock"));
        let spawned = Reaped::spawn(
            command
                .args(["serve", "--addr", "127.0.0.1:0", "--in-memory"])
                .env("COZE_MOCK_LOG", "off")
                .stdout(Stdio::null()),
        );
        pids.send([binary.child.id(), spawned.id()]).unwrap();
        panic!("a failing assertion while two servers run (this panic is the test's own)");
    });
    assert!(failing_test.join().is_err(), "the failing test panicked");
    for pid in started.recv().expect("the servers' ids") {
        assert!(
            !coze_mock_process_exists(pid),
            "coze-mock {pid} outlived the test that started it"
        );
    }
}
