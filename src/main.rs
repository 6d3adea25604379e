use std::process::ExitCode;

use chatbot_factory::cli::{self, Cli};
use clap::Parser;

fn main() -> ExitCode {
    return_large_allocations_to_the_system();
    // The local embedding model (candle) runs on one CPU thread unless told otherwise: measured
    // fastest on small machines, where a second thread waits for the web server and the database.
    // Set before any other thread exists.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: no other thread has been started yet, so nothing reads the environment
        // concurrently.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    actix_web::rt::System::new().block_on(cli::run(Cli::parse()))
}

/// glibc serves a freed large block's size from the heap next time ("dynamic mmap threshold"),
/// and the heap keeps that memory: argon2's 19 MiB per password check left a login storm's
/// server at 200+ MiB for good. With a fixed threshold, blocks of 1 MiB and more are mapped
/// and unmapped every time (measured: 60 checks, RSS 233 MiB before, 24 MiB after).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations_to_the_system() {
    // SAFETY: called first thing in `main`, before any other thread allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations_to_the_system() {}
