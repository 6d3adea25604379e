//! What the cluster test prints and keeps: figures, tallies, the machine, logs of a failed run.
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::load::{Attempt, Figures};
use super::support::ms;

/// A phase done: said at once (the test is long) and kept for the summary.
pub fn note(phases: &mut Vec<(String, Duration)>, phase: (String, Duration)) {
    eprintln!("… {}: {:.1} s", phase.0, phase.1.as_secs_f64());
    phases.push(phase);
}

pub fn print_figures(what: &str, figures: &Figures) {
    eprintln!(
        "{what}: {} people through nginx, upstream {} ms a piece: {} turns in {:.0} s = {:.1} \
         turns/s, first token p50 {:.0} ms, p99 {:.0} ms",
        crate::USERS,
        crate::UPSTREAM_DELAY_MS,
        figures.turns,
        figures.seconds,
        figures.per_second(),
        ms(figures.p50),
        ms(figures.p99)
    );
}

/// The CPU model, its widest vector instructions and the cores (figures depend on them).
pub fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |m| m.trim_start_matches([' ', '\t', ':']));
    let flags = info.lines().find(|l| l.starts_with("flags")).unwrap_or("");
    let simd = if flags.contains("avx512f") {
        "AVX-512"
    } else if flags.contains("avx2") {
        "AVX2"
    } else {
        "no AVX2"
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {simd}, {cores} cores")
}

/// How the people fared: statuses, retries, failures.
pub struct Tally {
    pub accepted: usize,
    pub completed: usize,
    pub statuses: HashMap<String, usize>,
    pub saving: usize,
    pub broken: usize,
    pub hung: usize,
}

impl Tally {
    pub fn of(attempts: &[Attempt]) -> Tally {
        let mut statuses: HashMap<String, usize> = HashMap::new();
        for attempt in attempts {
            let key = attempt
                .status
                .map_or("no response".to_owned(), |s| s.to_string());
            *statuses.entry(key).or_default() += 1;
        }
        Tally {
            accepted: attempts.iter().filter(|a| a.accepted.is_some()).count(),
            completed: attempts.iter().filter(|a| a.completed()).count(),
            statuses,
            saving: attempts.iter().filter(|a| a.saving.is_some()).count(),
            broken: attempts
                .iter()
                .filter(|a| a.accepted.is_some() && a.done.is_none())
                .count(),
            hung: attempts.iter().filter(|a| a.hung).count(),
        }
    }
}

/// Appends committed and commit races lost, summed over the instances' lives (`/healthz`).
#[derive(Default)]
pub struct Appends {
    committed: u64,
    lost_races: u64,
    unread: usize,
}

impl Appends {
    pub fn add(&mut self, read: Option<(u64, u64)>) {
        match read {
            Some((committed, lost)) => {
                self.committed += committed;
                self.lost_races += lost;
            }
            None => self.unread += 1,
        }
    }
}

impl std::fmt::Display for Appends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = self.lost_races as f64 / (self.committed.max(1)) as f64;
        write!(
            f,
            "{} appends committed, {} lost a commit race and were decided again ({:.2}%)",
            self.committed,
            self.lost_races,
            share * 100.0
        )?;
        if self.unread > 0 {
            write!(f, " ({} counts could not be read)", self.unread)?;
        }
        Ok(())
    }
}

/// Keeps the logs of a failed run under the target folder (the temporary folders go).
pub fn keep_logs(logs: &[(&str, String)]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-logs");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() {
        return String::new();
    }
    for (name, log) in logs {
        let _ = std::fs::write(dir.join(name), log);
    }
    format!("Logs kept in {}", dir.display())
}

/// An instance's ERROR lines (at most 12), for a failure message.
pub fn errors(log: &str) -> String {
    log.lines()
        .filter(|l| l.contains("ERROR") || l.contains("panicked"))
        .take(12)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The time of day in UTC to the millisecond, as the instances' logs write it.
pub fn utc_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

/// Now, as nginx's `$msec` counts.
pub fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
