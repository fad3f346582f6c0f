//! `quarterdeck`: the one binary — demo, server, migrations and administration.

mod commands;
mod logging;
mod options;

use clap::Parser;
use options::{Cli, Command};
use std::process::ExitCode;

// Ingestion allocates many small JSON values; mimalloc serves them far faster
// than the system allocator (measured in docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.command.default_log_level());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line: the whole cause chain, joined.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Serve(args) => commands::serve::run(args).await,
        Command::Migrate(args) => commands::admin::migrate(args).await,
        Command::Tenant(options::TenantCommand::Create(args)) => {
            commands::admin::create_tenant(args).await
        }
        Command::Tenant(options::TenantCommand::Update(args)) => {
            commands::admin::update_tenant(args).await
        }
        Command::User(options::UserCommand::Create(args)) => {
            commands::admin::create_user(args).await
        }
        Command::Token(options::TokenCommand::Create(args)) => {
            commands::admin::create_token(args).await
        }
        Command::Import(args) => commands::import::run(args).await,
        Command::Share(options::ShareCommand::Create(args)) => {
            commands::admin::create_share(args).await
        }
    }
}
