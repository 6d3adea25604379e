use std::process::ExitCode;

use chatbot_factory::cli::{self, Cli};
use clap::Parser;

fn main() -> ExitCode {
    chatbot_factory::allocator::return_large_allocations_to_the_system();
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
