//! The command line: `serve` (default), `replay [--verify]`, `export-events`.
//! Every failure ends with a readable message and a non-zero exit code, never a panic.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

use crate::configuration::{self, EnvFile, Settings};
use crate::database;
use crate::events::export::{self, ExportFormat};
use crate::events::replay;
use crate::startup::Application;
use crate::telemetry;

#[derive(Parser, Debug)]
#[command(
    name = "chatbot-factory",
    version,
    about = "A self-hosted ChatGPT-style platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app (the default).
    Serve,
    /// Rebuild every projection from the event log.
    Replay {
        /// Rebuild into a scratch database and compare with the live tables instead.
        #[arg(long)]
        verify: bool,
    },
    /// Write the event log for analysts.
    ExportEvents {
        /// Only events recorded on or after this UTC date or time (YYYY-MM-DD[THH:MM:SS]).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve);
    // Only the web app creates `.env` and an admin login; the analysts' commands read what is
    // there and never print credentials.
    let settings = match &command {
        Command::Serve => load_settings(),
        Command::Replay { .. } | Command::ExportEvents { .. } => load_analysis_settings(),
    };
    let Some(settings) = settings else {
        return ExitCode::FAILURE;
    };
    telemetry::init(&settings.server.log_filter, settings.server.log_json);
    let result = match command {
        Command::Serve => serve(settings).await,
        Command::Replay { verify } => run_replay(&settings, verify).await,
        Command::ExportEvents {
            since,
            format,
            output,
        } => run_export(&settings, since, format, output).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("\n{message}\n");
            ExitCode::FAILURE
        }
    }
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

fn load_analysis_settings() -> Option<Settings> {
    configuration::load_for_analysis(&current_dir())
        .map_err(|error| {
            eprintln!("\n{error}\nSet DATABASE_URL (or run where the app's .env is).\n");
        })
        .ok()
}

fn load_settings() -> Option<Settings> {
    match configuration::load(&current_dir()) {
        Ok((settings, env_file)) => {
            if let EnvFile::Created {
                path,
                admin_username,
                admin_password,
            } = env_file
            {
                match admin_password {
                    Some(admin_password) => println!(
                        "Created {} with a random session secret and admin password.\n\
                         Admin login (shown only this once; it is stored in that file): \
                         username `{admin_username}`, password `{admin_password}` at {}admin/login",
                        path.display(),
                        settings.server.public_url
                    ),
                    None => println!(
                        "Created {} with a random session secret; the admin password is the \
                         ADMIN_PASSWORD from the environment.",
                        path.display()
                    ),
                }
            }
            Some(settings)
        }
        Err(error) => {
            eprintln!(
                "\n{error}\nFix the value(s) in .env (see .env.example for every setting).\n"
            );
            None
        }
    }
}

async fn serve(settings: Settings) -> Result<ExitCode, String> {
    let address = settings.server.bind_addr.clone();
    let public = settings.server.public_url.clone();
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(%address, "ChatBot Factory is listening; open {public}");
    app.run_until_stopped()
        .await
        .map_err(|e| format!("The server stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

async fn run_replay(settings: &Settings, verify: bool) -> Result<ExitCode, String> {
    let pool = database::prepare(&settings.database)
        .await
        .map_err(|e| e.to_string())?;
    if !verify {
        let applied = replay::replay(&pool, &crate::projections())
            .await
            .map_err(|e| format!("Replay failed: {e}"))?;
        println!("Rebuilt every projection from {applied} events.");
        return Ok(ExitCode::SUCCESS);
    }
    let report = replay::verify(&settings.database, &pool, &crate::projections())
        .await
        .map_err(|e| format!("Verify failed: {e}"))?;
    println!(
        "Rebuilt the projections from {} events into a scratch database.",
        report.events
    );
    for table in &report.tables {
        let verdict = if table.identical {
            "identical"
        } else {
            "DIFFERENT"
        };
        println!(
            "  {:<22} {verdict:<10} live {} rows, rebuilt {} rows",
            table.table, table.live_rows, table.rebuilt_rows
        );
        for key in &table.sample_differences {
            println!("      differs at {key}");
        }
    }
    if report.identical() {
        println!("All projections are identical to a rebuild from the log.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Some projections differ from the log; run `replay` to rebuild them.");
        Ok(ExitCode::from(2))
    }
}

fn parse_since(raw: &str) -> Result<PrimitiveDateTime, String> {
    let datetime = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let date = format_description!("[year]-[month]-[day]");
    PrimitiveDateTime::parse(raw, datetime)
        .or_else(|_| Date::parse(raw, date).map(|d| d.midnight()))
        .map_err(|_| format!("--since {raw}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)"))
}

async fn run_export(
    settings: &Settings,
    since: Option<String>,
    format: ExportFormat,
    output: Option<PathBuf>,
) -> Result<ExitCode, String> {
    let since = since.as_deref().map(parse_since).transpose()?;
    let url = settings.database.url.expose_secret();
    let name = settings
        .database_name()
        .ok_or("DATABASE_URL names no database")?;
    let options = database::options_for(url, &name).map_err(|e| e.to_string())?;
    let pool = database::connect_pool(options);
    let written = match output {
        Some(path) => {
            let file =
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            export::export(&pool, since, format, file).await
        }
        None => export::export(&pool, since, format, std::io::stdout().lock()).await,
    }
    .map_err(|e| {
        let address = database::server_address(url);
        format!("Export failed ({address}): {e}")
    })?;
    eprintln!("Exported {written} events.");
    Ok(ExitCode::SUCCESS)
}
