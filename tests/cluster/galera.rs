//! MariaDB servers of this test's own, under a temporary folder with their own ports: a Galera
//! cluster of three nodes on one host (Debian's `mariadbd` and `galera-4`, mysqldump SST, as in
//! `../shared/NOTES.md`), or one plain server to compare with.
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use sqlx::{Connection, MySqlConnection};

use super::support::{free_port, tail, wait_for};

pub const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";

/// How long a node may take to say `Synced` (a state transfer on a busy two-core machine).
const JOIN_WITHIN: Duration = Duration::from_secs(120);

pub struct Node {
    pub name: String,
    dir: PathBuf,
    pub port: u16,
    /// Galera's group communication and incremental state transfer ports (none: plain server).
    galera: Option<(u16, u16)>,
    child: Option<Child>,
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    /// `gcomm://…` with every node's group port.
    address: String,
    _root: tempfile::TempDir,
}

impl Cluster {
    /// Three Galera nodes, installed side by side, started one after another: the first one
    /// bootstraps the cluster, each other one joins with a state transfer.
    pub async fn galera(nodes: usize) -> Cluster {
        let mut cluster = Cluster::install(nodes, true);
        for n in 0..nodes {
            cluster.start(n, n == 0, None);
            cluster.wait_synced(n).await;
        }
        cluster
    }

    /// One MariaDB server without replication.
    pub async fn plain() -> Cluster {
        let mut cluster = Cluster::install(1, false);
        cluster.start(0, false, None);
        cluster.wait_ready(0).await;
        cluster
    }

    fn install(nodes: usize, galera: bool) -> Cluster {
        let root = tempfile::tempdir().expect("a folder for the database servers");
        let nodes: Vec<Node> = (0..nodes)
            .map(|n| Node {
                name: format!("node{}", n + 1),
                dir: root.path().join(format!("node{}", n + 1)),
                port: free_port(),
                galera: galera.then(|| (free_port(), free_port())),
                child: None,
            })
            .collect();
        // The data folders are made at the same time (each takes a few seconds). Each server
        // has a temporary folder of its own: in the shared /tmp their temporary tables collide
        // ("Unknown table 'mysql.tmp_user_sys'").
        let installs: Vec<Child> = nodes
            .iter()
            .map(|node| {
                std::fs::create_dir_all(node.dir.join("tmp")).expect("a temporary folder");
                let log = std::fs::File::create(node.dir.join("install.log")).expect("log");
                Command::new("mariadb-install-db")
                    .args([
                        "--no-defaults".to_owned(),
                        format!("--datadir={}", node.dir.join("data").display()),
                        format!("--tmpdir={}", node.dir.join("tmp").display()),
                        "--user=root".to_owned(),
                        "--auth-root-authentication-method=normal".to_owned(),
                        "--skip-test-db".to_owned(),
                    ])
                    .stdout(log.try_clone().expect("log"))
                    .stderr(log)
                    .spawn()
                    .expect("mariadb-install-db runs (Debian package mariadb-server)")
            })
            .collect();
        for (node, mut install) in nodes.iter().zip(installs) {
            let installed = install.wait().expect("mariadb-install-db ends").success();
            assert!(
                installed,
                "mariadb-install-db failed for {}:\n{}",
                node.name,
                tail(
                    &std::fs::read_to_string(node.dir.join("install.log")).unwrap_or_default(),
                    20
                )
            );
        }
        let address = format!(
            "gcomm://{}",
            nodes
                .iter()
                .filter_map(|n| n.galera.map(|(group, _)| format!("127.0.0.1:{group}")))
                .collect::<Vec<_>>()
                .join(",")
        );
        Cluster {
            nodes,
            address,
            _root: root,
        }
    }

    /// The server's address (no database): `mysql://root@127.0.0.1:PORT`.
    pub fn url(&self, n: usize) -> String {
        format!("mysql://root@127.0.0.1:{}", self.nodes[n].port)
    }

    fn arguments(&self, n: usize) -> Vec<String> {
        let node = &self.nodes[n];
        let mut args = vec![
            "--no-defaults".to_owned(),
            format!("--datadir={}", node.dir.join("data").display()),
            format!("--socket={}", node.dir.join("mysqld.sock").display()),
            format!("--pid-file={}", node.dir.join("mysqld.pid").display()),
            format!("--tmpdir={}", node.dir.join("tmp").display()),
            format!("--port={}", node.port),
            "--bind-address=127.0.0.1".to_owned(),
            "--user=root".to_owned(),
            "--innodb-buffer-pool-size=64M".to_owned(),
            "--max-connections=300".to_owned(),
        ];
        if let Some((group, ist)) = node.galera {
            args.extend([
                "--binlog-format=ROW".to_owned(),
                "--innodb-autoinc-lock-mode=2".to_owned(),
                "--wsrep-on=ON".to_owned(),
                format!("--wsrep-provider={PROVIDER}"),
                "--wsrep-cluster-name=cbf-cluster-test".to_owned(),
                format!("--wsrep-cluster-address={}", self.address),
                format!("--wsrep-node-address=127.0.0.1:{group}"),
                format!("--wsrep-node-name={}", node.name),
                format!(
                    "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{group};\
                     ist.recv_addr=127.0.0.1:{ist};gcache.size=64M"
                ),
                // rsync and mariabackup SST fail between nodes on one host (NOTES).
                "--wsrep-sst-method=mysqldump".to_owned(),
                "--wsrep-sst-auth=root:".to_owned(),
                format!("--wsrep-sst-receive-address=127.0.0.1:{}", node.port),
            ]);
        }
        args
    }

    fn start(&mut self, n: usize, bootstrap: bool, position: Option<&str>) {
        let mut args = self.arguments(n);
        if bootstrap {
            args.push("--wsrep-new-cluster".to_owned());
        }
        if let Some(position) = position {
            args.push(format!("--wsrep-start-position={position}"));
        }
        let node = &mut self.nodes[n];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("server.log"))
            .expect("server log");
        let child = Command::new("mariadbd")
            .args(args)
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .expect("mariadbd starts");
        node.child = Some(child);
    }

    pub fn log(&self, n: usize) -> String {
        std::fs::read_to_string(self.nodes[n].dir.join("server.log")).unwrap_or_default()
    }

    fn exited(&mut self, n: usize) -> bool {
        self.nodes[n]
            .child
            .as_mut()
            .is_none_or(|c| c.try_wait().ok().flatten().is_some())
    }

    async fn wait_ready(&mut self, n: usize) {
        let started = Instant::now();
        while !self.answers(n).await {
            assert!(
                !self.exited(n) && started.elapsed() < JOIN_WITHIN,
                "{} did not start:\n{}",
                self.nodes[n].name,
                tail(&self.log(n), 30)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn answers(&self, n: usize) -> bool {
        MySqlConnection::connect(&self.url(n)).await.is_ok()
    }

    /// `wsrep_local_state_comment` of node `n` (`Synced`, `Joining`, `Donor/Desynced`…).
    pub async fn state(&self, n: usize) -> Option<String> {
        let mut conn = MySqlConnection::connect(&self.url(n)).await.ok()?;
        let row: Option<(String, String)> =
            sqlx::query_as("SHOW STATUS LIKE 'wsrep_local_state_comment'")
                .fetch_optional(&mut conn)
                .await
                .ok()?;
        let _ = conn.close().await;
        row.map(|(_, value)| value)
    }

    /// The cluster's size as node `n` sees it.
    pub async fn size_seen_by(&self, n: usize) -> Option<u32> {
        let mut conn = MySqlConnection::connect(&self.url(n)).await.ok()?;
        let row: Option<(String, String)> = sqlx::query_as("SHOW STATUS LIKE 'wsrep_cluster_size'")
            .fetch_optional(&mut conn)
            .await
            .ok()?;
        let _ = conn.close().await;
        row.and_then(|(_, value)| value.parse().ok())
    }

    /// Waits until node `n` has joined and applied everything (`Synced`).
    pub async fn wait_synced(&mut self, n: usize) -> Duration {
        let started = Instant::now();
        loop {
            if self.state(n).await.as_deref() == Some("Synced") {
                return started.elapsed();
            }
            assert!(
                !self.exited(n) && started.elapsed() < JOIN_WITHIN,
                "{} did not reach Synced:\n{}",
                self.nodes[n].name,
                tail(&self.log(n), 40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`: the node gets no chance to write its state (`grastate.dat` says seqno -1).
    pub fn kill9(&mut self, n: usize) {
        if let Some(mut child) = self.nodes[n].child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// Brings a node killed with `kill -9` back, as Debian's service does after a crash
    /// (`galera_recovery`): `mariadbd --wsrep-recover` reads the last committed transaction
    /// from InnoDB, then the node starts from there and receives what it missed from a donor
    /// (IST; a full mysqldump SST if the donor's cache no longer has it). Returns the recovered
    /// position (`None`: the node needed a full state transfer).
    pub async fn rejoin(&mut self, n: usize) -> Option<String> {
        let mut args = self.arguments(n);
        args.push("--wsrep-recover".to_owned());
        let output = tokio::process::Command::new("mariadbd")
            .args(args)
            .output()
            .await
            .expect("mariadbd --wsrep-recover runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let position = said
            .lines()
            .filter_map(|l| l.split("WSREP: Recovered position: ").nth(1))
            .map(|p| p.trim().to_owned())
            .next_back()
            .filter(|p| !p.ends_with(":-1"));
        self.start(n, false, position.as_deref());
        self.wait_synced(n).await;
        position
    }

    /// Whether node `n` answers queries on its SQL port (used to wait for a plain server).
    pub async fn reachable(&self, n: usize) -> bool {
        self.answers(n).await
    }

    /// Polls until node `n` counts `size` members.
    pub async fn wait_size(
        &self,
        n: usize,
        size: u32,
        within: Duration,
    ) -> Result<Duration, String> {
        wait_for(
            &format!("{} sees a cluster of {size}", self.nodes[n].name),
            within,
            || async move { self.size_seen_by(n).await == Some(size) },
        )
        .await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
