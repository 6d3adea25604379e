//! CPU time of this process and of the database server, as the benches report it (Linux
//! `/proc`): user + system seconds since each started.
use std::path::Path;

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux x86-64).
const TICKS_PER_SECOND: f64 = 100.0;

/// User + system CPU seconds of the process `pid` ("self" for this one), or 0 when unreadable.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat =
        std::fs::read_to_string(Path::new("/proc").join(pid).join("stat")).unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let Some((_, after)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}

/// Context switches (voluntary and not) of every thread of the process `pid` now running: how
/// often its threads slept or were preempted.
pub fn context_switches(pid: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir(Path::new("/proc").join(pid).join("task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .map(|status| {
            status
                .lines()
                .filter(|line| line.contains("ctxt_switches:"))
                .filter_map(|line| line.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>()
        })
        .sum()
}

/// The pid of the local MariaDB/MySQL server (`mariadbd` or `mysqld`), if one runs here.
pub fn database_pid() -> Option<String> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.chars().all(|c| c.is_ascii_digit()).then_some(())?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            matches!(comm.trim(), "mariadbd" | "mysqld").then_some(name)
        })
}

/// CPU seconds of this process and of the database server, read together.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub app: f64,
    pub database: f64,
    /// The app's context switches (`context_switches`).
    pub switches: u64,
}

pub fn sample(database: Option<&str>) -> Sample {
    Sample {
        app: cpu_seconds("self"),
        database: database.map_or(0.0, cpu_seconds),
        switches: context_switches("self"),
    }
}
