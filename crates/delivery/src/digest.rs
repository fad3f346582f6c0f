//! Email digests: when each person's digest is due (in their own time zone),
//! and composing one — KPI cards with changes, the MRR chart as an inline
//! PNG, the latest alerts, links into the dashboard, the PDF report attached,
//! and an unsubscribe link.

use askama::Template;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, KeyInit, Mac};
use quarterdeck_app::AppState;
use quarterdeck_app::jobs::JobError;
use quarterdeck_app::report;
use quarterdeck_domain::{Cadence, Role};
use quarterdeck_engine::Period;
use quarterdeck_render::report::ReportKpi;
use quarterdeck_store::{DigestSubscription, NewDelivery, Tenant};
use sha2::Sha256;

/// Composed digest content by tenant, data version, cadence, period and restriction.
type DigestContent = std::sync::Arc<(Vec<ReportKpi>, Vec<u8>, Vec<u8>, (String, String))>;
static DIGEST_MEMO: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, DigestContent>>,
> = std::sync::LazyLock::new(Default::default);

/// The KPIs a digest shows.
const KPIS: [(&str, &str); 6] = [
    ("mrr", "MRR"),
    ("net_new_mrr", "Net new MRR"),
    ("customer_churn_rate", "Customer churn"),
    ("nrr", "NRR (12 months)"),
    ("gross_margin", "Gross margin"),
    ("ar_overdue", "AR overdue"),
];

/// The local date a subscription is due on at `now`, if it is due this hour.
pub fn due(sub: &DigestSubscription, now: DateTime<Utc>) -> Option<NaiveDate> {
    let tz: Tz = sub.time_zone.parse().ok()?;
    let local = now.with_timezone(&tz);
    if local.hour() as i32 != sub.hour {
        return None;
    }
    let day = local.date_naive();
    let ok = match sub.cadence {
        Cadence::Daily => true,
        Cadence::Weekly => day.weekday().number_from_monday() as i32 == sub.weekday,
        Cadence::Monthly => day.day() as i32 == sub.monthday,
    };
    ok.then_some(day)
}

/// The period a digest sent on `day` covers: yesterday, the last seven days,
/// or the last calendar month.
pub fn period_for(cadence: Cadence, day: NaiveDate) -> Period {
    let yesterday = day.pred_opt().unwrap_or(day);
    let from = match cadence {
        Cadence::Weekly => yesterday - Duration::days(6),
        Cadence::Monthly => day
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(1)))
            .unwrap_or(yesterday),
        Cadence::Daily => yesterday,
    };
    Period::new(from, yesterday).expect("from precedes yesterday")
}

/// The unsubscribe token of a subscription: derived, so it need not be stored.
pub fn unsubscribe_token(key: &[u8], tenant: i64, user: i64) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key");
    mac.update(format!("unsubscribe:{tenant}:{user}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Template)]
#[template(path = "email_digest.html")]
struct DigestHtml<'a> {
    tenant: &'a str,
    heading: &'a str,
    period: &'a str,
    comparison: &'a str,
    kpis: &'a [ReportKpi],
    alerts: &'a [(String, String)],
    /// The customer-success section (CS roles only).
    cs: &'a [String],
    dashboard: &'a str,
    unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "email_digest.txt")]
struct DigestText<'a> {
    tenant: &'a str,
    heading: &'a str,
    period: &'a str,
    comparison: &'a str,
    kpis: &'a [ReportKpi],
    alerts: &'a [(String, String)],
    /// The customer-success section (CS roles only).
    cs: &'a [String],
    dashboard: &'a str,
    unsubscribe: &'a str,
}

/// Composes and sends one person's digest; records the send.
pub async fn send(
    state: &AppState,
    tenant: &Tenant,
    user: i64,
    preview: bool,
    job_key: &str,
) -> Result<(), JobError> {
    let mailer = quarterdeck_app::mail::mailer_for(state, tenant.id)
        .await?
        .ok_or(JobError::Never(quarterdeck_app::jobs::NO_SMTP.into()))?;
    let email = compose(state, tenant, user, preview, job_key).await?;
    let sent = mailer.send(&email).await;
    state
        .store
        .record_delivery(&NewDelivery {
            tenant_id: tenant.id,
            kind: quarterdeck_domain::DeliveryKind::Email,
            recipient: email.to.clone(),
            subject: email.subject,
            message_id: Some(email.message_id),
            outcome: quarterdeck_domain::DeliveryOutcome::of(&sent),
            error: sent.as_ref().err().map(|e| e.to_string()),
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(sent.map_err(|e| e.to_string())?)
}

/// The customer-success section of a CS role's digest, in sentences: ARR
/// at risk, renewals in the next 30 days, open save plays, the accounts
/// most at risk (the same numbers as the Health & risk and Renewals pages).
fn cs_lines(
    e: &quarterdeck_app::engines::TenantEngine,
    filter: &quarterdeck_engine::Filter,
    today: NaiveDate,
    currency: &str,
) -> Vec<String> {
    use quarterdeck_engine::health::Band;
    use quarterdeck_engine::renewals::RenewalStage;
    let money = |d: rust_decimal::Decimal| quarterdeck_render::format::money(d, currency);
    let covers = e.ledger.covers(filter);
    let scores = e.health_on(today);
    let mine: Vec<_> = scores
        .iter()
        .filter(|h| covers.get(h.slot as usize).copied().unwrap_or(false))
        .collect();
    if mine.is_empty() {
        return vec!["No account of yours is scored today.".into()];
    }
    let (mut critical, mut watch) = (
        (0u32, rust_decimal::Decimal::ZERO),
        (0u32, rust_decimal::Decimal::ZERO),
    );
    for h in &mine {
        match h.band {
            Band::Critical => {
                critical.0 += 1;
                critical.1 += h.arr;
            }
            Band::AtRisk => {
                watch.0 += 1;
                watch.1 += h.arr;
            }
            Band::Healthy => {}
        }
    }
    let mut lines = vec![format!(
        "ARR at risk: {} in {} critical account{}; {} more on watch in {} at-risk account{}.",
        money(critical.1),
        critical.0,
        if critical.0 == 1 { "" } else { "s" },
        money(watch.1),
        watch.0,
        if watch.0 == 1 { "" } else { "s" },
    )];
    let due = e.renewals(
        quarterdeck_engine::renewals::days_after(today, 30),
        today,
        today,
        filter,
    );
    let troubled = due
        .iter()
        .filter(|r| matches!(r.stage, RenewalStage::AtRisk | RenewalStage::Late))
        .count();
    let arr: rust_decimal::Decimal = due.iter().map(|r| r.arr).sum();
    lines.push(format!(
        "Renewals in the next 30 days: {} ({} ARR), {troubled} at risk or late.",
        due.len(),
        money(arr)
    ));
    let year = quarterdeck_engine::Period::new(today - chrono::Duration::days(364), today);
    if let Some(year) = year {
        let plays = quarterdeck_engine::team::PlaySummary::of(&e.ledger.save_plays(year, filter));
        lines.push(format!(
            "Save plays: {} open; {} saved and {} lost in the last twelve months{}.",
            plays.open,
            plays.saved,
            plays.lost,
            plays.success_rate().map_or(String::new(), |r| format!(
                " ({} success)",
                quarterdeck_render::format::percent(r, 0)
            ))
        ));
    }
    let mut lowest = mine.clone();
    lowest.sort_by_key(|h| (h.score, std::cmp::Reverse(h.arr)));
    let top: Vec<String> = lowest
        .iter()
        .take(3)
        .filter(|h| h.band != Band::Healthy)
        .map(|h| {
            let c = e.ledger.customer_ref(h.slot);
            format!(
                "{} ({} of 100, {} ARR)",
                c.name.unwrap_or(c.id),
                h.score,
                money(h.arr)
            )
        })
        .collect();
    if !top.is_empty() {
        lines.push(format!("Most at risk: {}.", top.join("; ")));
    }
    lines
}

/// One person's digest as it would be sent now: the browser's preview shows
/// exactly this, without an SMTP server.
pub async fn compose(
    state: &AppState,
    tenant: &Tenant,
    user: i64,
    preview: bool,
    job_key: &str,
) -> Result<quarterdeck_app::mail::Email, JobError> {
    let store = state.store.as_ref();
    let fail = |e: quarterdeck_store::StoreError| e.to_string();
    let member = store
        .membership(tenant.id, user)
        .await
        .map_err(fail)?
        .ok_or(JobError::Never("not a member any more".into()))?;
    let sub = store.digest_for(tenant.id, user).await.map_err(fail)?;
    let cadence = sub.as_ref().map_or(Cadence::Weekly, |s| s.cadence);
    let calendar = state.calendar_of(tenant);
    let today = calendar.today;
    let period = period_for(cadence, today);
    let mut query = quarterdeck_app::metrics::MetricQuery::parse(
        &[
            ("from".into(), period.from.to_string()),
            ("to".into(), period.to.to_string()),
        ],
        calendar,
        &[],
    )
    .map_err(|e| e.to_string())?;
    if member.role.only_own_accounts() {
        query.filter.csm = Some([member.csm.clone().unwrap_or_default()].into());
    }
    let cs_filter = query.filter.clone();
    let targets = quarterdeck_app::metrics::targets::TenantTargets::load(store, tenant.id)
        .await
        .map_err(fail)?;
    let engine = state.engines.read(tenant).await.map_err(fail)?;
    let name = tenant.name.clone();
    let currency = tenant.currency.code().to_string();
    // Everyone with the same cadence (and row-level restriction) gets the same
    // numbers, chart and PDF: compose them once per data version.
    let memo_key = format!(
        "{}:{}:{cadence}:{period:?}:{:?}:{targets:?}",
        tenant.id, engine.version, query.filter.csm
    );
    let cached = DIGEST_MEMO
        .lock()
        .expect("digest memo")
        .get(&memo_key)
        .cloned();
    let content = match cached {
        Some(c) => c,
        None => {
            let content = tokio::task::spawn_blocking(move || {
                let summary = quarterdeck_app::metrics::answers::summary_of(&engine, &query);
                let kpis = report::kpis(&summary, &currency, &KPIS, &targets);
                let chart = report::mrr_chart(
                    &engine,
                    &query,
                    &currency,
                    quarterdeck_render::Palette::print(),
                );
                let png = quarterdeck_render::png::svg_to_png(&chart, 2.0);
                let labels = (
                    quarterdeck_app::metrics::display::period_label_of(query.period),
                    query
                        .comparison()
                        .map(quarterdeck_app::metrics::display::period_label_of)
                        .unwrap_or_default(),
                );
                let model = report::model(
                    &engine,
                    &name,
                    &currency,
                    &query,
                    report::Labels {
                        period: labels.0.clone(),
                        comparison: Some(labels.1.clone()),
                        filters: query.filter.label(),
                    },
                    &targets,
                )
                .map_err(|e| e.to_string())?;
                let pdf = quarterdeck_render::pdf::executive_pdf(&model);
                Ok::<_, String>(std::sync::Arc::new((kpis, png?, pdf?, labels)))
            })
            .await
            .map_err(|e| format!("digest crashed: {e}"))??;
            let mut memo = DIGEST_MEMO.lock().expect("digest memo");
            if memo.len() > 64 {
                memo.clear();
            }
            memo.insert(memo_key, content.clone());
            content
        }
    };
    let (kpis, png, pdf, labels) = (&content.0, content.1.clone(), content.2.clone(), &content.3);
    let alerts: Vec<(String, String)> = store
        .list_alerts(tenant.id, true, 5)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|a| (a.severity.as_str().to_uppercase(), a.title))
        .collect();
    let cs = if matches!(member.role, Role::CsLead | Role::Csm) {
        let engine = state.engines.read(tenant).await.map_err(fail)?;
        let filter = cs_filter.clone();
        let currency = tenant.currency.code().to_string();
        tokio::task::spawn_blocking(move || cs_lines(&engine, &filter, today, &currency))
            .await
            .map_err(|e| format!("digest crashed: {e}"))?
    } else {
        Vec::new()
    };
    let key = state.signing_key().await.map_err(|e| e.to_string())?;
    let unsubscribe = format!(
        "{}/unsubscribe/{}",
        state.base_url,
        unsubscribe_token(key, tenant.id, user)
    );
    let dashboard = format!("{}/?from={}&to={}", state.base_url, period.from, period.to);
    let heading = format!(
        "{}{} digest",
        if preview { "Preview: " } else { "" },
        match cadence {
            Cadence::Daily => "Daily",
            Cadence::Monthly => "Monthly",
            Cadence::Weekly => "Weekly",
        }
    );
    let comparison = format!("compared with {}", labels.1);
    let html = DigestHtml {
        tenant: &tenant.name,
        heading: &heading,
        period: &labels.0,
        comparison: &comparison,
        kpis,
        alerts: &alerts,
        cs: &cs,
        dashboard: &dashboard,
        unsubscribe: &unsubscribe,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let text = DigestText {
        tenant: &tenant.name,
        heading: &heading,
        period: &labels.0,
        comparison: &comparison,
        kpis,
        alerts: &alerts,
        cs: &cs,
        dashboard: &dashboard,
        unsubscribe: &unsubscribe,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let email = quarterdeck_app::mail::Email {
        to: member.email.clone(),
        subject: format!("{heading} — {} — {}", tenant.name, labels.0),
        text,
        html,
        inline_png: Some(("mrr-chart".into(), png)),
        attachment: Some((
            format!(
                "{}-report-{}-to-{}.pdf",
                tenant.slug, period.from, period.to
            ),
            "application/pdf".into(),
            pdf,
        )),
        message_id: quarterdeck_app::jobs::message_id(job_key),
    };
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(cadence: &str, weekday: i32, monthday: i32) -> DigestSubscription {
        let cadence = Cadence::parse(cadence).unwrap();
        DigestSubscription {
            tenant_id: 1,
            user_id: 1,
            email: "a@b.co".into(),
            cadence,
            weekday,
            monthday,
            hour: 8,
            time_zone: "Europe/Berlin".into(),
        }
    }

    #[test]
    fn due_in_the_subscribers_zone() {
        // 07:00 UTC on Monday 2026-11-23 is 08:00 in Berlin.
        let now: DateTime<Utc> = "2026-11-23T07:10:00Z".parse().unwrap();
        let day: NaiveDate = "2026-11-23".parse().unwrap();
        assert_eq!(due(&sub("daily", 1, 1), now), Some(day));
        assert_eq!(due(&sub("weekly", 1, 1), now), Some(day));
        assert_eq!(due(&sub("weekly", 2, 1), now), None);
        assert_eq!(due(&sub("monthly", 1, 23), now), Some(day));
        let later: DateTime<Utc> = "2026-11-23T08:10:00Z".parse().unwrap();
        assert_eq!(due(&sub("daily", 1, 1), later), None);
    }

    #[test]
    fn periods_end_yesterday() {
        let day: NaiveDate = "2026-11-23".parse().unwrap();
        let p = period_for(Cadence::Weekly, day);
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-11-16".into(), "2026-11-22".into())
        );
        let p = period_for(Cadence::Monthly, "2026-12-01".parse().unwrap());
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2026-11-01".into(), "2026-11-30".into())
        );
    }
}
