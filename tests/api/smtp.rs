//! A real SMTP listener for tests: speaks enough SMTP for lettre and keeps every message.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct CapturedMail {
    pub to: Vec<String>,
    pub subject: String,
    /// The text part, transfer-decoded.
    pub text: String,
}

impl CapturedMail {
    /// The first link in the message that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let start = self.text.find(prefix)?;
        let rest = &self.text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }
}

#[derive(Clone)]
pub struct TestSmtp {
    pub port: u16,
    mails: Arc<Mutex<Vec<CapturedMail>>>,
    arrived: Arc<Notify>,
}

impl TestSmtp {
    pub async fn start() -> TestSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let smtp = TestSmtp {
            port,
            mails: Arc::default(),
            arrived: Arc::default(),
        };
        let server = smtp.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        smtp
    }

    pub fn mails(&self) -> Vec<CapturedMail> {
        self.mails.lock().expect("lock").clone()
    }

    /// Waits until a message to `to` has arrived (the `n`-th one, counting from 1).
    pub async fn wait_for(&self, to: &str, n: usize) -> CapturedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let found: Vec<CapturedMail> = self
                .mails()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
                .collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no mail #{n} to {to} within 15 s; got {:?}", self.mails());
            }
        }
    }

    async fn session(&self, socket: TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        let _ = write.write_all(b"220 test-smtp ESMTP ready\r\n").await;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(command[8..].trim().trim_matches(['<', '>']).to_owned());
                b"250 OK\r\n"
            } else if upper == "DATA" {
                let _ = write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let raw = read_data(&mut lines).await;
                let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
                let subject = parsed
                    .as_ref()
                    .and_then(|m| m.subject())
                    .unwrap_or_default()
                    .to_owned();
                let text = parsed
                    .as_ref()
                    .and_then(|m| m.body_text(0))
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let mail = CapturedMail {
                    to: to.clone(),
                    subject,
                    text,
                };
                self.mails.lock().expect("lock").push(mail);
                self.arrived.notify_waiters();
                to.clear();
                b"250 OK: queued\r\n"
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            } else {
                b"250 OK\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}

async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 || line == ".\r\n" {
            break;
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
    data
}
