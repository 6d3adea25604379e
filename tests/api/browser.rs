//! A real headless Chromium, driven over WebDriver (chromedriver + fantoccini). Screenshots go
//! to `tests/artifacts/` so a person can look at them.
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port()
}

fn find_binary(names: &[&str]) -> String {
    for name in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let path = format!("{dir}/{name}");
            if std::path::Path::new(&path).exists() {
                return path;
            }
        }
    }
    panic!(
        "{names:?} not found: install Chromium and its WebDriver (apt-get install -y chromium chromium-driver)"
    );
}

pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

impl Browser {
    pub async fn start(width: u32, height: u32) -> Browser {
        let chromium = find_binary(&["chromium", "chromium-browser", "google-chrome"]);
        let chromedriver = find_binary(&["chromedriver"]);
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the Chromium it starts ends with it (`end`).
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--lang=en-US".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": { "intl.accept_languages": "en-US,en" } }
        });
        let capabilities = capabilities.as_object().expect("object").clone();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not start Chromium through chromedriver: {last_error:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Logs in through the login form at `base` (the app's address) and waits for the chat page.
    pub async fn log_in(&self, base: &str, login: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.find("#prompt").await;
    }

    /// Logs in as the admin with the tests' `.env` credentials and waits for the admin pages.
    pub async fn admin_log_in(&self, base: &str) {
        self.goto(&format!("{base}/admin/login")).await;
        self.fill("#username", "admin").await;
        self.fill("#password", "admin-password-for-tests").await;
        self.click("form[action='/admin/login'] button[type=submit]")
            .await;
        self.find(".admin-nav").await;
    }

    /// Narrows the window to a phone's and waits for the sidebar to slide away.
    pub async fn phone_width(&self) {
        self.resize(390, 844).await;
        self.wait_until(
            "getComputedStyle(document.querySelector('.sidebar')).visibility === 'hidden'",
            "the drawer closed at phone width",
        )
        .await;
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.expect("clear");
        element.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("url").to_string()
    }

    pub async fn html(&self) -> String {
        self.client.source().await.expect("source")
    }

    /// Waits until the page satisfies a JavaScript condition (returning true).
    pub async fn wait_until(&self, script: &str, what: &str) {
        for _ in 0..150 {
            let value = self
                .client
                .execute(&format!("return !!({script});"), vec![])
                .await
                .expect("script");
            if value.as_bool() == Some(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let shot = self
            .screenshot(&format!("failed-{}", what.replace(' ', "-")))
            .await;
        panic!(
            "timed out waiting for {what} ({script}); screenshot at {}",
            shot.display()
        );
    }

    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop ends chromedriver and what it started.
    }

    /// Kills chromedriver's process group: the driver and the Chromium it started (killing the
    /// driver alone leaves an orphaned Chromium behind when a test ends without `close`).
    fn end(&mut self) {
        if let Ok(group) = i32::try_from(self.driver.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.end();
    }
}
