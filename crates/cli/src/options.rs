//! Command-line options; every flag also reads `QUARTERDECK_<FLAG>`.

use clap::{Args, Parser, Subcommand};
use quarterdeck_store::StoreTarget;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Quarterdeck: the executive command center for subscription and services businesses.
#[derive(Debug, Parser)]
#[command(name = "quarterdeck", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or refresh) tenant "demo" with a synthetic company and serve it.
    Demo(DemoArgs),
    /// Serve the dashboard and API.
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(StoreArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import a CSV, JSON or NDJSON file into a collection, all rows or none.
    Import(ImportArgs),
    /// Read-only share links.
    #[command(subcommand)]
    Share(ShareCommand),
}

impl Command {
    /// Servers log requests; one-shot commands only warnings.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Demo(_) | Command::Serve(_) => "info",
            _ => "warn",
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite database.
    #[arg(
        long,
        env = "QUARTERDECK_DATA_DIR",
        default_value = "./quarterdeck-data"
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://…); overrides --data-dir.
    #[arg(long, env = "QUARTERDECK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The store these flags name.
    pub fn target(&self) -> StoreTarget {
        match &self.database_url {
            Some(url) if !url.is_empty() => StoreTarget::Url(url.clone()),
            _ => StoreTarget::DataDir(self.data_dir.clone()),
        }
    }
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "QUARTERDECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

/// Where people reach the server, how it sends email, and where webhooks may post.
#[derive(Debug, Clone, Args)]
pub struct DeliveryArgs {
    /// The public address, for links in emails and webhooks (default: the listen address).
    #[arg(long, env = "QUARTERDECK_BASE_URL")]
    pub base_url: Option<String>,
    /// SMTP server host; without it no email is sent.
    #[arg(long, env = "QUARTERDECK_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port.
    #[arg(long, env = "QUARTERDECK_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// none, starttls or tls.
    #[arg(long, env = "QUARTERDECK_SMTP_SECURITY", default_value = "starttls")]
    pub smtp_security: String,
    /// SMTP user name.
    #[arg(long, env = "QUARTERDECK_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// SMTP password (prefer the environment variable).
    #[arg(long, env = "QUARTERDECK_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From address of every email.
    #[arg(
        long,
        env = "QUARTERDECK_SMTP_FROM",
        default_value = "Quarterdeck <quarterdeck@localhost>"
    )]
    pub smtp_from: String,
    /// Let webhooks post to loopback, private and link-local addresses
    /// (receivers on your own network); refused by default. Without it,
    /// webhooks also ignore HTTP(S)_PROXY.
    #[arg(long, env = "QUARTERDECK_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many customers the synthetic company has.
    #[arg(long, env = "QUARTERDECK_CUSTOMERS", default_value_t = 1500)]
    pub customers: usize,
    /// Seed: the same seed (on the same day) gives the same company.
    #[arg(long, env = "QUARTERDECK_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Address to listen on.
    #[arg(long, env = "QUARTERDECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Generate the data, print the logins and exit without serving.
    #[arg(long, env = "QUARTERDECK_NO_SERVE")]
    pub no_serve: bool,
}

/// `tenant` subcommands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create(TenantCreateArgs),
    /// Change a tenant's settings (metrics follow at once).
    Update(TenantUpdateArgs),
}

/// `tenant update` options; each left out stays as it is.
#[derive(Debug, Args)]
pub struct TenantUpdateArgs {
    pub slug: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Reporting currency (ISO 4217).
    #[arg(long)]
    pub currency: Option<String>,
    /// Reporting time zone (IANA name).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Month (1–12) the fiscal year starts in; moves quarters and years.
    #[arg(long)]
    pub fiscal_year_start: Option<u32>,
    /// Delinquency churn: days past due after which a customer counts as churned, or `off`.
    #[arg(long)]
    pub delinquency_days: Option<String>,
    /// Gross margin used while there is no cost data (0–1, default 0.80).
    #[arg(long)]
    pub gross_margin: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tenant create` options.
#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// Short name: lower-case letters, digits and dashes.
    pub slug: String,
    /// Display name (default: the slug).
    #[arg(long, env = "QUARTERDECK_NAME")]
    pub name: Option<String>,
    /// Reporting currency (ISO 4217).
    #[arg(long, env = "QUARTERDECK_CURRENCY", default_value = "USD")]
    pub currency: String,
    /// Reporting time zone (IANA name).
    #[arg(long, env = "QUARTERDECK_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in a tenant (or reset their password and role).
    Create(UserCreateArgs),
}

/// `user create` options.
#[derive(Debug, Args)]
pub struct UserCreateArgs {
    #[arg(long, env = "QUARTERDECK_TENANT")]
    pub tenant: String,
    #[arg(long, env = "QUARTERDECK_EMAIL")]
    pub email: String,
    /// admin, executive, finance, cs_lead, csm or viewer.
    #[arg(long, env = "QUARTERDECK_ROLE")]
    pub role: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long, env = "QUARTERDECK_PASSWORD_STDIN")]
    pub password_stdin: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token; prints it alone on the last line.
    Create(TokenCreateArgs),
}

/// `token create` options.
#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[arg(long, env = "QUARTERDECK_TENANT")]
    pub tenant: String,
    /// Comma-separated: ingest, read, admin.
    #[arg(long, env = "QUARTERDECK_SCOPES")]
    pub scopes: String,
    /// A name to recognise it by.
    #[arg(long, env = "QUARTERDECK_NAME", default_value = "cli")]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `share` subcommands.
#[derive(Debug, Subcommand)]
pub enum ShareCommand {
    /// Create a read-only link to one view; prints its URL alone on the last line.
    Create(ShareCreateArgs),
}

/// `share create` options.
#[derive(Debug, Args)]
pub struct ShareCreateArgs {
    #[arg(long, env = "QUARTERDECK_TENANT")]
    pub tenant: String,
    /// The view: a dashboard path and query, e.g. `/revenue?range=last_quarter`.
    #[arg(long, env = "QUARTERDECK_VIEW")]
    pub view: String,
    /// How long it works: e.g. 30d, 2w, 12h.
    #[arg(long, env = "QUARTERDECK_EXPIRES", default_value = "30d")]
    pub expires: String,
    /// Where the server is reached, for the printed URL.
    #[arg(
        long,
        env = "QUARTERDECK_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub base_url: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long, env = "QUARTERDECK_TENANT")]
    pub tenant: String,
    /// The collection, e.g. customers or subscription-events.
    pub collection: String,
    /// A .csv, .json or .ndjson file.
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}
