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
        /// Point in time: only the log up to this global position (a number) or UTC time
        /// (YYYY-MM-DD[THH:MM:SS]); needs --into.
        #[arg(long, requires = "into")]
        until: Option<String>,
        /// Build the projections into this database (created if missing) instead of the live
        /// one, which stays as it is.
        #[arg(long, conflicts_with = "verify")]
        into: Option<String>,
    },
    /// Write the event log for analysts.
    ExportEvents {
        /// Only events recorded on or after this UTC date or time (YYYY-MM-DD[THH:MM:SS]).
        #[arg(long)]
        since: Option<String>,
        /// Only events recorded before this UTC date or time.
        #[arg(long)]
        until: Option<String>,
        /// Only events after this global position (incremental exports: the last position
        /// written is printed at the end).
        #[arg(long)]
        after_position: Option<u64>,
        /// Only this stream type (user, chat, site, model).
        #[arg(long)]
        stream_type: Option<String>,
        /// Only this event type (e.g. AnswerCompleted); may be repeated.
        #[arg(long = "type")]
        event_type: Vec<String>,
        /// Replace prompt, answer, title and instruction texts with their length and SHA-256.
        #[arg(long)]
        redact_content: bool,
        /// Parquet: also write this event type's payload fields as typed columns
        /// (`payload_<field>`); only events of this type are exported.
        #[arg(long, value_name = "TYPE")]
        flatten: Option<String>,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// `--flatten TYPE` exports that type only (with `--type`, it must be among them), as Parquet.
fn flattened_types(
    types: Vec<String>,
    flatten: Option<&str>,
    format: ExportFormat,
) -> Result<Vec<String>, String> {
    let Some(flatten) = flatten else {
        return Ok(types);
    };
    if format != ExportFormat::Parquet {
        return Err("--flatten writes typed columns: use it with --format parquet".into());
    }
    if !types.is_empty() && !types.iter().any(|t| t == flatten) {
        return Err(format!(
            "--flatten {flatten} exports {flatten} events only, but --type asks for {}",
            types.join(", ")
        ));
    }
    Ok(vec![flatten.to_owned()])
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
        Command::Replay {
            verify,
            until,
            into,
        } => match into {
            Some(into) => run_replay_into(&settings, until.as_deref(), &into).await,
            None => run_replay(&settings, verify).await,
        },
        Command::ExportEvents {
            since,
            until,
            after_position,
            stream_type,
            event_type,
            redact_content,
            flatten,
            format,
            output,
        } => {
            let filter = || -> Result<export::Filter, String> {
                Ok(export::Filter {
                    since: since
                        .as_deref()
                        .map(|t| parse_time("--since", t))
                        .transpose()?,
                    until: until
                        .as_deref()
                        .map(|t| parse_time("--until", t))
                        .transpose()?,
                    after_position: after_position.unwrap_or(0),
                    stream_type,
                    event_types: flattened_types(event_type, flatten.as_deref(), format)?,
                    user_id: None,
                    redact_content,
                    flatten_payload: flatten.is_some(),
                })
            };
            match filter() {
                Ok(filter) => run_export(&settings, filter, format, output).await,
                Err(message) => Err(message),
            }
        }
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
        refuse_live_rebuild_beside_running_instances(&pool).await?;
        let applied = replay::replay(&pool, &projections(settings))
            .await
            .map_err(|e| format!("Replay failed: {e}"))?;
        println!("Rebuilt every projection from {applied} events.");
        return Ok(ExitCode::SUCCESS);
    }
    let report = replay::verify(&settings.database, &pool, &projections(settings))
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

/// On a Galera cluster a rebuild in place cannot hold back appends made through other nodes
/// (its checkpoint lock is local to its node): it would swap in tables that miss them. So it
/// runs only once every app instance has stopped (docs/SCALING.md). On one server the lock
/// holds appends back and the rebuild runs beside live instances.
async fn refuse_live_rebuild_beside_running_instances(
    pool: &sqlx::MySqlPool,
) -> Result<(), String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    if !database::is_galera(&mut conn)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    use crate::clock::Clock;
    let cutoff = crate::clock::SystemClock.now_utc() - crate::store::instances::DEAD_AFTER;
    let alive = crate::store::instances::alive_count(pool, cutoff)
        .await
        .map_err(|e| e.to_string())?;
    if alive > 0 {
        return Err(format!(
            "This database is a Galera cluster and {alive} app instance(s) beat within the last \
             minute. A rebuild in place must not race their appends on other nodes: stop every \
             instance, then run `replay` again (`replay --verify` is safe at any time)."
        ));
    }
    Ok(())
}

/// The projections, rebuilt with the memory `REPLAY_EVENTS_PER_PASS` allows.
fn projections(settings: &Settings) -> crate::events::Projections {
    crate::projections().with_events_per_pass(settings.replay.events_per_pass)
}

fn parse_time(option: &str, raw: &str) -> Result<PrimitiveDateTime, String> {
    let datetime = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let date = format_description!("[year]-[month]-[day]");
    PrimitiveDateTime::parse(raw, datetime)
        .or_else(|_| Date::parse(raw, date).map(|d| d.midnight()))
        .map_err(|_| format!("{option} {raw}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)"))
}

/// `replay --until … --into DATABASE`: the projections as they were, in another database.
async fn run_replay_into(
    settings: &Settings,
    until: Option<&str>,
    into: &str,
) -> Result<ExitCode, String> {
    let until = match until {
        None => replay::Until::End,
        Some(raw) => match raw.parse::<u64>() {
            Ok(position) => replay::Until::Position(position),
            Err(_) => replay::Until::Time(parse_time("--until", raw)?),
        },
    };
    let valid = !into.is_empty()
        && into.len() <= 64
        && into.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(format!(
            "--into {into}: use letters, digits and _ only (at most 64)"
        ));
    }
    if settings.database_name().as_deref() == Some(into) {
        return Err(format!(
            "--into {into} is the live database: name another one (it is created if missing)"
        ));
    }
    let url = settings.database.url.expose_secret();
    let live = database::prepare(&settings.database)
        .await
        .map_err(|e| e.to_string())?;
    let target = database::open_migrated(url, into)
        .await
        .map_err(|e| e.to_string())?;
    let applied = replay::replay_until(&live, &target, &projections(settings), until)
        .await
        .map_err(|e| format!("Replay failed: {e}"))?;
    let position: u64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(position), 0) AS UNSIGNED) FROM projection_checkpoint",
    )
    .fetch_one(&target)
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "Rebuilt every projection from {applied} events (up to position {position}) into the database `{into}`; the live tables were not touched."
    );
    Ok(ExitCode::SUCCESS)
}

async fn run_export(
    settings: &Settings,
    filter: export::Filter,
    format: ExportFormat,
    output: Option<PathBuf>,
) -> Result<ExitCode, String> {
    let url = settings.database.url.expose_secret();
    let name = settings
        .database_name()
        .ok_or("DATABASE_URL names no database")?;
    if format == ExportFormat::Parquet && output.is_none() {
        return Err("--format parquet writes a file: add --output events.parquet".into());
    }
    let options = database::options_for(url, &name).map_err(|e| e.to_string())?;
    let pool = database::connect_pool(options);
    let written = match output {
        Some(path) => {
            let file =
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            export::export(&pool, &filter, format, file)
                .await
                .map(|(written, _)| written)
        }
        None => export::export(&pool, &filter, format, std::io::stdout())
            .await
            .map(|(written, _)| written),
    }
    .map_err(|e| {
        let address = database::server_address(url);
        format!("Export failed ({address}): {e}")
    })?;
    match written.last_position {
        Some(last) => eprintln!(
            "Exported {} events; the last position written is {last} (continue with --after-position {last}).",
            written.events
        ),
        None => eprintln!("Exported 0 events."),
    }
    Ok(ExitCode::SUCCESS)
}
