//! The real `coze-mock` binary, started for a test: shared by the test binaries that need a process of
//! their own (signals, kill -9, peak memory).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// Starts `coze-mock serve` with `args` (on 127.0.0.1 port 0 unless they say `--addr`), waits for its
/// `listening on` line, and keeps draining its stdout so it never blocks on a full pipe.
pub(crate) fn spawn_coze_mock(args: &[&str]) -> (Child, SocketAddr) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coze-mock"));
    command.arg("serve");
    if !args.contains(&"--addr") {
        command.args(["--addr", "127.0.0.1:0"]);
    }
    let mut child = command
        .args(args)
        .env("COZE_MOCK_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn coze-mock");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("coze-mock exited before listening")
            .expect("stdout line");
        if let Some(addr) = line.strip_prefix("coze-mock listening on http://") {
            break addr.parse().expect("an address");
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}
