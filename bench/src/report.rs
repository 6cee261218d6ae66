//! The results file: the machine, every cell, the ratios, start-up, and each goal met or missed.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use crate::load::Outcome;
use crate::servers::{FakeFlags, Target, WIREMOCK_VERSION};

/// One target under one load.
pub(crate) struct Cell {
    pub(crate) target: Target,
    pub(crate) size: usize,
    pub(crate) body_len: usize,
    pub(crate) concurrency: usize,
    /// CPU cores the server used on average (1.0 = one core busy).
    pub(crate) server_cpu: f64,
    pub(crate) peak_rss: u64,
    pub(crate) outcome: Outcome,
}

impl Cell {
    fn mb_per_sec(&self) -> f64 {
        self.outcome.req_per_sec() * self.body_len as f64 / 1e6
    }

    /// One line for the console while the run goes on.
    pub(crate) fn line(&self) -> String {
        format!(
            "{:<24} {:>6} c={:<2} {:>9.0} req/s {:>8.1} MB/s p50 {:>7.2} ms p99 {:>7.2} ms rss {:>6.1} MiB cpu {:.2} failed {}{}",
            self.target.name(),
            size_name(self.size),
            self.concurrency,
            self.outcome.req_per_sec(),
            self.mb_per_sec(),
            self.outcome.percentile_ms(0.5),
            self.outcome.percentile_ms(0.99),
            mib(self.peak_rss),
            self.server_cpu,
            self.outcome.failed,
            self.outcome
                .first_failure
                .as_deref()
                .map(|f| format!(" (first: {})", f.chars().take(200).collect::<String>()))
                .unwrap_or_default(),
        )
    }
}

/// A whole run.
pub(crate) struct Run {
    header: String,
    load_before: String,
    load_after: String,
    pub(crate) cells: Vec<Cell>,
    /// Sorted start-up times in ms, per target.
    pub(crate) startups: Vec<(Target, Vec<f64>)>,
}

impl Run {
    /// Records the machine and the code being measured.
    pub(crate) fn describe(root: &Path, args: &str, flags: FakeFlags) -> Run {
        let header = format!(
            "{}- WireMock {WIREMOCK_VERSION} (npm `wiremock`) on {}\n\
             - coze-mock flags: in-memory {}, --db {}\n",
            machine(root, args),
            sh(root, "java -version 2>&1 | head -1"),
            if flags.in_memory {
                "`--in-memory`"
            } else {
                "default store"
            },
            flags.db,
        );
        Run {
            header,
            load_before: loadavg(),
            load_after: String::new(),
            cells: Vec::new(),
            startups: Vec::new(),
        }
    }

    /// Notes the load at the end of the run.
    pub(crate) fn finish(&mut self) {
        self.load_after = loadavg();
    }

    fn cell(&self, target: Target, size: usize, concurrency: usize) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.target == target && c.size == size && c.concurrency == concurrency)
    }

    fn keys(&self) -> Vec<(usize, usize)> {
        let mut keys: Vec<_> = self.cells.iter().map(|c| (c.size, c.concurrency)).collect();
        keys.dedup();
        keys
    }

    fn fakes(&self) -> Vec<Target> {
        [Target::Fake, Target::FakeDb]
            .into_iter()
            .filter(|t| self.cells.iter().any(|c| c.target == *t))
            .collect()
    }

    pub(crate) fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# coze-mock load benchmark\n\n{}", self.header);
        let _ = writeln!(
            md,
            "- load average (1, 5, 15 min) before: {}, after: {}\n",
            self.load_before, self.load_after
        );
        let _ = writeln!(
            md,
            "## Every cell\n\nreq/s and MB/s count successful answers only (HTTP 200, `code` 0); \
             MB/s is request bytes. Peak RSS is the server's VmHWM during the cell; CPU is the server's \
             cores in use (of 2, shared with the load generator).\n\n\
             | target | upload | c | req/s | MB/s | p50 ms | p99 ms | failed | peak RSS MiB | server CPU |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for c in &self.cells {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {} | {:.1} | {:.2} |",
                c.target.name(),
                size_name(c.size),
                c.concurrency,
                c.outcome.req_per_sec(),
                c.mb_per_sec(),
                c.outcome.percentile_ms(0.5),
                c.outcome.percentile_ms(0.99),
                c.outcome.failed,
                mib(c.peak_rss),
                c.server_cpu,
            );
        }
        let failures: Vec<String> = self
            .cells
            .iter()
            .filter(|c| c.outcome.failed > 0)
            .map(|c| format!("- {}", c.line()))
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(md, "\nFailures:\n\n{}", failures.join("\n"));
        }

        let _ = writeln!(
            md,
            "\n## Ratios (req/s; for one upload size req/s and MB/s ratios are equal)\n"
        );
        let _ = writeln!(md, "| upload | c | {} |", self.ratio_columns().join(" | "));
        let _ = writeln!(md, "|{}", " --- |".repeat(self.ratio_columns().len() + 2));
        for (size, concurrency) in self.keys() {
            let mut row = format!("| {} | {concurrency} |", size_name(size));
            for fake in self.fakes() {
                for base in [Target::Bare, Target::WireMock] {
                    match self.ratio(fake, base, size, concurrency) {
                        Some(r) if r.is_finite() => {
                            let _ = write!(row, " {r:.2} |");
                        }
                        Some(_) => row.push_str(" ∞ (no answer from the base in the window) |"),
                        None => {}
                    }
                }
            }
            let _ = writeln!(md, "{row}");
        }

        let _ = writeln!(
            md,
            "\n## Start-up (spawn to first answered request)\n\n| target | runs | median ms | min ms | max ms |\n| --- | --- | --- | --- | --- |"
        );
        for (target, times) in &self.startups {
            let _ = writeln!(
                md,
                "| {} | {} | {:.1} | {:.1} | {:.1} |",
                target.name(),
                times.len(),
                times[times.len() / 2],
                times[0],
                times[times.len() - 1]
            );
        }

        let _ = writeln!(md, "\n## Goals\n");
        for line in self.goals() {
            let _ = writeln!(md, "- {line}");
        }
        md
    }

    fn ratio_columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        for fake in self.fakes() {
            for base in [Target::Bare, Target::WireMock] {
                if self.cells.iter().any(|c| c.target == base) {
                    columns.push(format!("{} / {}", fake.name(), base.name()));
                }
            }
        }
        columns
    }

    fn ratio(&self, fake: Target, base: Target, size: usize, concurrency: usize) -> Option<f64> {
        let f = self.cell(fake, size, concurrency)?.outcome.req_per_sec();
        let b = self.cell(base, size, concurrency)?.outcome.req_per_sec();
        Some(f / b)
    }

    fn goals(&self) -> Vec<String> {
        let verdict = |ok: bool| if ok { "**met**" } else { "**missed**" };
        let mut lines = Vec::new();
        for fake in self.fakes() {
            let name = fake.name();
            for (size, goal, what) in [
                (100 * 1024, 0.90, "req/s"),
                (10 * 1024 * 1024, 0.85, "MB/s"),
            ] {
                for concurrency in [1, 16] {
                    if let Some(r) = self.ratio(fake, Target::Bare, size, concurrency) {
                        lines.push(format!(
                            "{name}, {} c={concurrency}: {:.0}% of bare {what} (goal ≥ {:.0}%): {}",
                            size_name(size),
                            r * 100.0,
                            goal * 100.0,
                            verdict(r >= goal)
                        ));
                    }
                }
            }
            let worst = self
                .keys()
                .into_iter()
                .filter_map(|(s, c)| Some((self.ratio(fake, Target::WireMock, s, c)?, s, c)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((r, s, c)) = worst {
                lines.push(format!(
                    "{name} ≥ 10× WireMock in every cell: lowest {r:.1}× ({} c={c}): {}",
                    size_name(s),
                    verdict(r >= 10.0)
                ));
            }
            if let Some(cell) = self.cell(fake, 10 * 1024 * 1024, 16) {
                lines.push(format!(
                    "{name} peak RSS with 16 concurrent 10 MiB uploads: {:.1} MiB (goal < 64 MiB): {}",
                    mib(cell.peak_rss),
                    verdict(cell.peak_rss < 64 * 1024 * 1024)
                ));
            }
            if let Some((_, times)) = self.startups.iter().find(|(t, _)| *t == fake) {
                let median = times[times.len() / 2];
                lines.push(format!(
                    "{name} start-up, median: {median:.1} ms (goal < 50 ms): {}",
                    verdict(median < 50.0)
                ));
            }
        }
        lines
    }
}

/// The date, the bench's command (`args` after `--`), the commit and the machine, one line each.
pub(crate) fn machine(root: &Path, args: &str) -> String {
    format!(
        "- date: {}\n- command: `cargo run --release -p bench -- {args}`\n- commit: `{}`{}\n\
         - machine: {} cores ({}), {}, {}\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M %Z"),
        sh(root, "git rev-parse --short HEAD"),
        if sh(root, "git status --porcelain -- mock-server").is_empty() {
            ""
        } else {
            " with uncommitted changes in mock-server/"
        },
        sh(root, "nproc"),
        sh(root, "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        sh(root, "uname -sr"),
        sh(root, "free -m | awk '/Mem:/ {print $2 \" MiB RAM\"}'"),
    )
}

/// `cmd`'s output in `root`, trimmed; empty when it fails.
fn sh(root: &Path, cmd: &str) -> String {
    Command::new("sh")
        .args(["-c", cmd])
        .current_dir(root)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The load average, 1, 5 and 15 minutes.
pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// Bytes in MiB.
pub(crate) fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `100 KiB`, `1 MiB`, `10 MiB`.
pub(crate) fn size_name(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}
