//! nginx in front of the instances, configured with the block `docs/SCALING.md` gives (after the
//! line `<!-- nginx-config -->`) and nothing else: only the example addresses become the test's
//! ports. It runs in the foreground as a child of the test, with its own prefix, temporary
//! folders, pid file and logs under a temporary folder; the system's nginx service is not used.
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::support::{free_port, tail};

const MARKER: &str = "<!-- nginx-config -->";
/// The example addresses in the document, replaced by the test's.
const LISTEN: &str = "listen 80;";
const INSTANCES: [&str; 2] = ["10.0.0.11:8080", "10.0.0.12:8080"];

/// The fenced `nginx` block right after the marker line in `docs/SCALING.md`.
pub fn documented_config() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCALING.md");
    let doc = std::fs::read_to_string(&path).expect("docs/SCALING.md");
    let after = doc
        .split_once(MARKER)
        .unwrap_or_else(|| panic!("{MARKER} is missing from docs/SCALING.md"))
        .1;
    let block = after
        .trim_start()
        .strip_prefix("```nginx\n")
        .expect("a ```nginx block right after the marker in docs/SCALING.md");
    block
        .split_once("\n```")
        .expect("the nginx block ends")
        .0
        .to_owned()
}

/// The documented block with the test's addresses: nginx listens on `listen`, the `server`
/// lines point at `instances` (one instance: the second `server` line is left out).
pub fn config_for(block: &str, listen: u16, instances: &[&str]) -> String {
    let replace_once = |text: &str, from: &str, to: &str| {
        assert_eq!(
            text.matches(from).count(),
            1,
            "docs/SCALING.md's nginx block should name {from} once"
        );
        text.replace(from, to)
    };
    let mut config = replace_once(block, LISTEN, &format!("listen 127.0.0.1:{listen};"));
    for (n, example) in INSTANCES.iter().enumerate() {
        config = match instances.get(n) {
            Some(address) => replace_once(&config, example, address),
            None => config
                .lines()
                .filter(|line| !line.contains(example))
                .map(|line| format!("{line}\n"))
                .collect(),
        };
    }
    config
}

/// One request as nginx logged it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: f64,
    pub status: u16,
    pub method: String,
    pub uri: String,
    /// Every instance nginx tried, in order (`127.0.0.1:P1, 127.0.0.1:P2` when it went on).
    pub upstreams: String,
    pub upstream_statuses: String,
}

pub struct Nginx {
    child: Option<Child>,
    dir: PathBuf,
    pub address: String,
    _root: tempfile::TempDir,
}

impl Nginx {
    pub async fn start(instances: &[&str]) -> Nginx {
        let root = tempfile::tempdir().expect("nginx folder");
        let dir = root.path().to_path_buf();
        // The workers (nobody, when the test runs as root) must reach their temporary folders.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let port = free_port();
        let site = config_for(&documented_config(), port, instances);
        let d = dir.display();
        let config = format!(
            "worker_processes 1;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n\
             log_format cluster '$msec $status $request_method $request_uri \"$upstream_addr\" \"$upstream_status\"';\n\
             access_log {d}/access.log cluster;\n\
             client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n\
             scgi_temp_path {d}/scgi;\n\
             {site}\n\
             }}\n"
        );
        std::fs::write(dir.join("nginx.conf"), config).expect("nginx.conf");
        let log = std::fs::File::create(dir.join("stderr.log")).expect("nginx log");
        let child = Command::new(binary())
            .args([
                "-p".to_owned(),
                format!("{d}/"),
                "-e".to_owned(),
                format!("{d}/error.log"),
                "-c".to_owned(),
                format!("{d}/nginx.conf"),
                "-g".to_owned(),
                format!("daemon off; pid {d}/nginx.pid; error_log {d}/error.log;"),
            ])
            .stdout(log.try_clone().expect("nginx log"))
            .stderr(log)
            .spawn()
            .expect("nginx starts (Debian package nginx)");
        let mut nginx = Nginx {
            child: Some(child),
            dir,
            address: format!("http://127.0.0.1:{port}"),
            _root: root,
        };
        nginx.wait_listening(port).await;
        nginx
    }

    async fn wait_listening(&mut self, port: u16) {
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            let exited = self
                .child
                .as_mut()
                .is_none_or(|c| c.try_wait().ok().flatten().is_some());
            assert!(
                !exited && started.elapsed() < Duration::from_secs(20),
                "nginx did not start:\n{}\n{}",
                self.file("stderr.log"),
                tail(&self.file("error.log"), 20)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    pub fn error_log(&self) -> String {
        self.file("error.log")
    }

    pub fn access_log(&self) -> Vec<Logged> {
        self.file("access.log")
            .lines()
            .filter_map(|line| {
                let (head, rest) = line.split_once(" \"")?;
                let mut fields = head.split(' ');
                let at = fields.next()?.parse().ok()?;
                let status = fields.next()?.parse().ok()?;
                let method = fields.next()?.to_owned();
                let uri = fields.next()?.to_owned();
                let (upstreams, rest) = rest.split_once("\" \"")?;
                Some(Logged {
                    at,
                    status,
                    method,
                    uri,
                    upstreams: upstreams.to_owned(),
                    upstream_statuses: rest.trim_end_matches('"').to_owned(),
                })
            })
            .collect()
    }
}

/// nginx from the PATH, else where Debian puts it (`/usr/sbin` is not on every user's PATH).
fn binary() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("nginx"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // A fast shutdown: the master ends its workers, then itself.
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
