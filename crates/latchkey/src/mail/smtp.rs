//! The SMTP connection (`smtp.*`): `lettre` on tokio with rustls. Each
//! send opens its own connection, bounded by a timeout, so a server that
//! went away and came back is simply reached again.

use crate::config::{MailConfig, SmtpTls};
use latchkey_core::mail::OutgoingMail;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// The longest one message may take to send.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a message was not sent: `permanent` when retrying cannot help (a
/// bad address, a message the server refuses for good).
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    /// For the log: never the message or its link.
    pub reason: String,
}

pub struct Transport {
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Transport {
    pub fn new(mail: &MailConfig) -> Result<Transport, String> {
        let from = super::mailbox(&mail.from).ok_or("smtp.from is not a mailbox")?;
        let builder = match mail.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&mail.host)
                .map_err(|e| e.to_string())?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&mail.host)
                .map_err(|e| e.to_string())?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&mail.host),
        };
        let mut builder = builder.port(mail.port).timeout(Some(SEND_TIMEOUT));
        if let (Some(user), Some(password)) = (&mail.username, &mail.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_str().to_string(),
            ));
        }
        Ok(Transport {
            smtp: builder.build(),
            from,
        })
    }

    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let permanent = |reason: String| SendError {
            permanent: true,
            reason,
        };
        let to: Mailbox = super::mailbox(&mail.to)
            .ok_or_else(|| permanent("the recipient is not a valid address".into()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| permanent(format!("cannot build the message: {e}")))?;
        let sent = tokio::time::timeout(SEND_TIMEOUT, self.smtp.send(message)).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError {
                permanent: e.is_permanent(),
                reason: e.to_string(),
            }),
            Err(_) => Err(SendError {
                permanent: false,
                reason: format!("no answer within {SEND_TIMEOUT:?}"),
            }),
        }
    }
}
