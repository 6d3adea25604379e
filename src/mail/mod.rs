//! Outgoing mail. With SMTP settings, lettre delivers it; without, each message is written to
//! the log and to `files/outbox/` so a person running locally can click the link.
use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::configuration::{EmailSettings, SmtpTls};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("could not write to the outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &EmailSettings, files_dir: &std::path::Path) -> Result<Mailer, MailError> {
        let from: Mailbox = settings.from.parse()?;
        let transport = match &settings.smtp {
            None => Transport::Outbox(files_dir.join("outbox")),
            Some(smtp) => {
                let builder = match smtp.tls {
                    SmtpTls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                    }
                    SmtpTls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
                };
                let mut builder = builder
                    .port(smtp.port)
                    .timeout(Some(std::time::Duration::from_secs(20)));
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Mailer { transport, from })
    }

    #[tracing::instrument(name = "Sending an e-mail", skip(self, email), fields(to = %email.to, subject = %email.subject))]
    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())?;
        match &self.transport {
            Transport::Smtp(transport) => {
                transport.send(message).await?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let name = format!(
                    "{}-{}.eml",
                    time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
                    sanitize(&email.to)
                );
                tokio::fs::write(dir.join(&name), message.formatted()).await?;
                // The .eml is quoted-printable (a link reads `token=3D…`, broken over lines): a
                // plain-text copy keeps every link whole for the person who opens the folder.
                let readable = dir.join(name.replace(".eml", ".txt"));
                let plain = format!(
                    "To: {}\nSubject: {}\n\n{}\n",
                    email.to, email.subject, email.text
                );
                tokio::fs::write(&readable, plain).await?;
                tracing::info!(file = %readable.display(), "No SMTP server set: e-mail written to the outbox.\n{}", email.text);
            }
        }
        Ok(())
    }
}

fn sanitize(address: &str) -> String {
    address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '@' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
