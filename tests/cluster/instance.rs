//! One instance of the app: the real binary as a child process with `values` as its whole
//! environment (as `Served` in `tests/faults.rs`), on a port of its own that it keeps across
//! restarts (nginx's configuration names it).
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::support::tail;

/// How long a start may take (migrations on a cluster, a busy machine).
const START_WITHIN: Duration = Duration::from_secs(120);

pub struct Instance {
    pub name: String,
    pub port: u16,
    values: HashMap<String, String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl Instance {
    /// An instance in `dir` (its working folder and `app.log`) listening on `port`; `values`
    /// gets its own `BIND_ADDR` and `INSTANCE_URL`.
    pub fn new(name: &str, dir: PathBuf, port: u16, values: &HashMap<String, String>) -> Instance {
        std::fs::create_dir_all(&dir).expect("instance folder");
        let mut values = values.clone();
        values.insert("BIND_ADDR".into(), format!("127.0.0.1:{port}"));
        values.insert("INSTANCE_URL".into(), format!("http://127.0.0.1:{port}"));
        Instance {
            name: name.to_owned(),
            port,
            values,
            dir,
            child: None,
        }
    }

    /// Its own address, without nginx.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `host:port`, as nginx names it.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn values(&self) -> &HashMap<String, String> {
        &self.values
    }

    /// Starts the binary and waits until `/healthz` says it is up and reaches its database.
    pub async fn start(&mut self) -> Duration {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("app.log"))
            .expect("app log");
        let child = Command::new(env!("CARGO_BIN_EXE_chatbot-factory"))
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .envs(&self.values)
            .stdout(log.try_clone().expect("app log"))
            .stderr(log)
            .spawn()
            .expect("the binary starts");
        self.child = Some(child);
        let health = format!("{}/healthz", self.address());
        loop {
            if let Ok(response) = reqwest::get(&health).await
                && response.status() == 200
            {
                return started.elapsed();
            }
            let exited = self
                .child
                .as_mut()
                .is_none_or(|c| c.try_wait().ok().flatten().is_some());
            assert!(
                !exited && started.elapsed() < START_WITHIN,
                "{} did not start:\n{}",
                self.name,
                tail(&self.log(), 40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("app.log")).unwrap_or_default()
    }

    /// `/healthz`'s status (None: nothing listens). A database that cannot be reached makes
    /// it wait for the pool's connection timeout (5 s) before it answers 503.
    pub async fn health(&self) -> Option<u16> {
        Some(self.healthz().await?.0)
    }

    /// Appends this process committed and those that lost a commit race (from `/healthz`,
    /// while its database answers).
    pub async fn appends(&self) -> Option<(u64, u64)> {
        let (status, body) = self.healthz().await?;
        let appends = &body["appends"];
        (status == 200).then_some(())?;
        Some((
            appends["committed"].as_u64()?,
            appends["lost_races"].as_u64()?,
        ))
    }

    async fn healthz(&self) -> Option<(u16, serde_json::Value)> {
        let response = reqwest::Client::new()
            .get(format!("{}/healthz", self.address()))
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.unwrap_or_default()))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
