//! `migrate`, `tenant create`, `user create`, `token create`.

use crate::options::{
    ShareCreateArgs, StoreArgs, TenantCreateArgs, TenantUpdateArgs, TokenCreateArgs, UserCreateArgs,
};
use anyhow::Context;
use quarterdeck_app::audit::Actor;
use quarterdeck_app::{admin, credentials};
use quarterdeck_domain::{Role, Scope};
use std::io::Read;

/// Opens the store the flags name (migrating it), with a message naming it on failure.
pub async fn open_store(
    args: &StoreArgs,
) -> anyhow::Result<std::sync::Arc<dyn quarterdeck_store::Store>> {
    let target = args.target();
    quarterdeck_store::open(&target)
        .await
        .with_context(|| format!("could not open the store at {target:?}"))
}

/// `quarterdeck migrate`.
pub async fn migrate(args: StoreArgs) -> anyhow::Result<()> {
    let store = open_store(&args).await?;
    println!(
        "{} schema is up to date ({:?})",
        store.backend(),
        args.target()
    );
    Ok(())
}

/// `quarterdeck tenant create`.
pub async fn create_tenant(args: TenantCreateArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let t = admin::create_tenant(
        store.as_ref(),
        &args.slug,
        args.name.as_deref(),
        &args.currency,
        &args.timezone,
    )
    .await?;
    println!(
        "created tenant {} ({}, {}, {})",
        t.slug, t.name, t.currency, t.timezone
    );
    Ok(())
}

/// `quarterdeck tenant update`.
pub async fn update_tenant(args: TenantUpdateArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let delinquency_days = match args.delinquency_days.as_deref() {
        None => None,
        Some("off") => Some(None),
        Some(n) => Some(Some(n.parse::<u32>().map_err(|_| {
            anyhow::anyhow!("--delinquency-days takes a number of days or `off`, not `{n}`")
        })?)),
    };
    let changes = admin::TenantChanges {
        name: args.name,
        currency: args.currency,
        timezone: args.timezone,
        fiscal_year_start: args.fiscal_year_start,
        delinquency_days,
        gross_margin: args.gross_margin,
        mfa_roles: None,
        health: None,
    };
    let t = admin::update_tenant(store.as_ref(), &args.slug, &changes, &Actor::cli()).await?;
    let delinquency = t
        .options
        .delinquency_days
        .map_or("off".to_string(), |d| format!("{d} days"));
    let margin = t
        .options
        .gross_margin
        .map_or("0.80 (default)".to_string(), |m| m.to_string());
    println!(
        "tenant {}: {}, {}, {}, fiscal year from month {}, delinquency churn {}, gross margin without cost data {}",
        t.slug, t.name, t.currency, t.timezone, t.fiscal_year_start, delinquency, margin
    );
    Ok(())
}

/// `quarterdeck user create`.
pub async fn create_user(args: UserCreateArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let tenant = admin::tenant(store.as_ref(), &args.tenant).await?;
    let role = Role::parse(&args.role).map_err(anyhow::Error::msg)?;
    let (password, generated) = if args.password_stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("could not read the password from stdin")?;
        (input.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (credentials::generate_password(), true)
    };
    admin::create_user(store.as_ref(), &tenant, &args.email, role, &password).await?;
    println!(
        "user {} is {} in {}",
        args.email.trim().to_ascii_lowercase(),
        role.as_str(),
        tenant.slug
    );
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// `quarterdeck token create`: the token alone on the last line.
pub async fn create_token(args: TokenCreateArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let tenant = admin::tenant(store.as_ref(), &args.tenant).await?;
    let scopes = Scope::parse_list(&args.scopes).map_err(anyhow::Error::msg)?;
    let (token, secret) =
        admin::create_token(store.as_ref(), &tenant, &scopes, &args.name, &Actor::cli()).await?;
    let names: Vec<_> = token.scopes.iter().map(|s| s.as_str()).collect();
    println!(
        "token {} for {} with scopes {} (shown once; store it now):",
        token.name,
        tenant.slug,
        names.join(",")
    );
    println!("{secret}");
    Ok(())
}

/// `quarterdeck share create`: the URL alone on the last line.
pub async fn create_share(args: ShareCreateArgs) -> anyhow::Result<()> {
    use quarterdeck_app::shares::{ShareRequest, create_share, parse_days};
    let store = open_store(&args.store).await?;
    let tenant = admin::tenant(store.as_ref(), &args.tenant).await?;
    let days = parse_days(&args.expires).map_err(anyhow::Error::msg)?;
    let view = quarterdeck_server::check_share_view(&args.view).map_err(anyhow::Error::msg)?;
    let request = ShareRequest {
        view: &view,
        days,
        password: None,
    };
    let state = quarterdeck_app::AppState::new(store.clone());
    let (link, secret) = create_share(&state, &tenant, request, &Actor::cli())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "share link to {} for {} (read-only, expires {} UTC; shown once):",
        link.view,
        tenant.slug,
        link.expires_at.format("%Y-%m-%d %H:%M")
    );
    println!("{}/s/{secret}", args.base_url.trim_end_matches('/'));
    Ok(())
}
