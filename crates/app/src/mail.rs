//! Sending email over SMTP (lettre): multipart text + HTML with an inline
//! image and an attachment. Settings come from the server's configuration.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain (a relay on localhost or a test server).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the start (port 465).
    Tls,
}

impl SmtpSecurity {
    /// Parses `none`, `starttls` or `tls`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(SmtpSecurity::None),
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" => Ok(SmtpSecurity::Tls),
            o => Err(format!("`{o}` is not none, starttls or tls")),
        }
    }
}

/// Where and how to send mail.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From address, e.g. `Quarterdeck <reports@example.com>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    // Never print the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An image the HTML shows as `cid:<id>`.
    pub inline_png: Option<(String, Vec<u8>)>,
    /// (file name, content type, bytes).
    pub attachment: Option<(String, String, Vec<u8>)>,
    /// The Message-ID, derived from the job's idempotency key, so a message is
    /// recognisably the same one if a relay ever delivers it twice.
    pub message_id: String,
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid email: {0}")]
    Invalid(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

/// A connection pool to the SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// For the settings page: where mail goes (no secrets).
    pub describe: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl Mailer {
    /// A mailer for `config` (connections are opened when sending).
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| MailError::Invalid(format!("from address `{}`: {e}", config.from)))?;
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| MailError::Invalid(e.to_string()))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(std::time::Duration::from_secs(30)));
        builder = match config.security {
            SmtpSecurity::None => builder.tls(Tls::None),
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls(&config.host)?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(&config.host)?)),
        };
        if let (Some(u), Some(p)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            describe: format!(
                "{}:{} ({:?}) as {}",
                config.host, config.port, config.security, config.from
            ),
        })
    }

    /// Sends one email; Ok means the server accepted it.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| MailError::Invalid(format!("to address `{}`: {e}", email.to)))?;
        let mut related = MultiPart::related().singlepart(SinglePart::html(email.html.clone()));
        if let Some((cid, png)) = &email.inline_png {
            related = related.singlepart(Attachment::new_inline(cid.clone()).body(
                png.clone(),
                ContentType::parse("image/png").expect("static"),
            ));
        }
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(email.text.clone()))
            .multipart(related);
        let body = match &email.attachment {
            Some((name, kind, bytes)) => MultiPart::mixed().multipart(alternative).singlepart(
                Attachment::new(name.clone()).body(
                    bytes.clone(),
                    ContentType::parse(kind).map_err(|e| MailError::Invalid(e.to_string()))?,
                ),
            ),
            None => MultiPart::mixed().multipart(alternative),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .multipart(body)
            .map_err(|e| MailError::Invalid(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp(e.to_string()))
    }
}

/// Config name of a tenant's own SMTP settings.
pub const TENANT_SMTP: &str = "smtp";

/// The tenant's own SMTP settings, if an admin set them.
pub async fn tenant_smtp(
    store: &dyn quarterdeck_store::Store,
    tenant: quarterdeck_store::TenantId,
) -> Result<Option<SmtpConfig>, String> {
    Ok(store
        .get_config(tenant, TENANT_SMTP)
        .await
        .map_err(|e| e.to_string())?
        .and_then(|v| serde_json::from_str(&v).ok()))
}

/// The mailer for a tenant: its own SMTP settings, else the server's.
pub async fn mailer_for(
    state: &crate::AppState,
    tenant: quarterdeck_store::TenantId,
) -> Result<Option<std::sync::Arc<Mailer>>, String> {
    match tenant_smtp(state.store.as_ref(), tenant).await? {
        Some(config) => Mailer::new(&config)
            .map(|m| Some(std::sync::Arc::new(m)))
            .map_err(|e| e.to_string()),
        None => Ok(state.mailer.clone()),
    }
}
