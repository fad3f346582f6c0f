//! Where webhooks may post, and the one way they are posted.
//!
//! A webhook URL is typed by a person, and the server POSTs to it from
//! inside the network it runs in, so an unchecked URL would let that person
//! reach loopback services, the cloud metadata endpoint or the office LAN.
//! Unless the operator allows private targets (`--allow-private-webhooks`):
//!
//! - on save, [`check_url`] refuses anything but `http`/`https`, user info,
//!   local names (`localhost`, `*.local`, single labels…), and literal
//!   addresses that are not public ([`is_public`]);
//! - on send, [`post_signed`] checks the URL again, resolves the host
//!   itself, refuses it when *any* address is not public, and connects only
//!   to the addresses it checked (pinned in the client, whose own resolver
//!   answers nothing, with no proxy and no redirects followed), so a name
//!   that changes its answer between the check and the connection (DNS
//!   rebinding) cannot reach a private address.
//!
//! What the person sees says only *that* a delivery failed, never whether
//! the port was closed, the connection timed out or what the body said;
//! the detail goes to the server log.

use crate::alerts::service;
use chrono::Utc;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Why a webhook URL is refused on save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute `http://` or `https://` URL (or too long).
    NotHttp,
    /// A user name or password in the URL.
    UserInfo,
    /// A loopback, private, link-local or otherwise non-public target.
    Private,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::NotHttp => "The webhook URL must be an http:// or https:// address.",
            Refusal::UserInfo => {
                "The webhook URL must not contain a user name or password; put credentials in the receiver's path or use the signing secret."
            }
            Refusal::Private => {
                "The webhook URL points at a loopback, private or link-local address, which this server does not post to (the operator can allow it with --allow-private-webhooks)."
            }
        })
    }
}

/// Why a post did not go through, in words fit for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The URL or an address its host resolves to is not allowed.
    NotAllowed,
    /// Anything else: no connection, a timeout, a non-2xx answer, a bad URL.
    Undelivered,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SendError::NotAllowed => {
                "the webhook's address is on a loopback, private or link-local network, which this server does not post to"
            }
            SendError::Undelivered => "the webhook could not be delivered (no 2xx answer)",
        })
    }
}

/// The longest URL accepted.
const MAX_URL: usize = 2000;

/// Names that only mean something inside a machine or a site.
const LOCAL_SUFFIXES: [&str; 5] = [
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".home.arpa",
];

/// The URL, parsed, when it is an acceptable webhook target (`allow_private`
/// lifts the address and name rules, never the scheme and user-info ones).
pub fn check_url(raw: &str, allow_private: bool) -> Result<reqwest::Url, Refusal> {
    if raw.len() > MAX_URL {
        return Err(Refusal::NotHttp);
    }
    let url = reqwest::Url::parse(raw).map_err(|_| Refusal::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Refusal::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::UserInfo);
    }
    let host = match Host::of(&url) {
        Some(host) => host,
        None => return Err(Refusal::NotHttp),
    };
    if allow_private {
        return Ok(url);
    }
    match host {
        Host::Ip(ip) if !is_public(ip) => Err(Refusal::Private),
        Host::Name(name) if is_local_name(&name) => Err(Refusal::Private),
        _ => Ok(url),
    }
}

/// On save: [`check_url`], then, for a name that resolves now, whether every
/// address it resolves to is public (one that does not resolve yet is
/// accepted: every send checks again).
pub async fn check_on_save(raw: &str, allow_private: bool) -> Result<reqwest::Url, Refusal> {
    let url = check_url(raw, allow_private)?;
    if allow_private {
        return Ok(url);
    }
    if let Some(Host::Name(name)) = Host::of(&url) {
        let port = url.port_or_known_default().unwrap_or(443);
        match tokio::time::timeout(Duration::from_secs(3), lookup(&name, port)).await {
            Ok(Ok(addrs)) if addrs.iter().any(|a| !is_public(a.ip())) => {
                return Err(Refusal::Private);
            }
            _ => {}
        }
    }
    Ok(url)
}

/// A URL's host: an address or a (lower-case, punycode) name.
enum Host {
    Ip(IpAddr),
    Name(String),
}

impl Host {
    fn of(url: &reqwest::Url) -> Option<Host> {
        let host = url.host_str().filter(|h| !h.is_empty())?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        Some(match bare.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Name(host.to_ascii_lowercase()),
        })
    }
}

/// `localhost`, `*.localhost`, mDNS and site-internal suffixes, and single
/// labels (which resolve through the local search domains).
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.');
    name == "localhost" || !name.contains('.') || LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Whether `ip` is an ordinary public unicast address: not loopback,
/// unspecified, private, shared (CGNAT), link-local (the cloud metadata
/// endpoint 169.254.169.254 included), multicast, broadcast or reserved,
/// nor an IPv6 form of one of those (IPv4-mapped, -compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10, shared address space
        || (a == 192 && b == 0 && c == 0) // 192.0.0.0/24, protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || a >= 240) // 240.0.0.0/4, reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let s = ip.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[..6] == [0; 6] {
        return false; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return public_v4(embedded(s[1], s[2])); // 6to4
    }
    !(ip.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xfe00) == 0xfc00) // unique local
}

/// Every address `name` resolves to (port attached).
async fn lookup(name: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((name.trim_end_matches('.'), port))
        .await?
        .collect())
}

/// Resolves `name` and returns its addresses only when every one is public.
pub async fn resolve_public(name: &str, port: u16) -> Result<Vec<SocketAddr>, SendError> {
    let addrs = tokio::time::timeout(Duration::from_secs(5), lookup(name, port))
        .await
        .map_err(|_| {
            tracing::warn!(host = %name, "webhook host did not resolve in time");
            SendError::Undelivered
        })?
        .map_err(|e| {
            tracing::warn!(host = %name, error = %e, "webhook host did not resolve");
            SendError::Undelivered
        })?;
    if addrs.is_empty() {
        tracing::warn!(host = %name, "webhook host resolved to no address");
        return Err(SendError::Undelivered);
    }
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        tracing::warn!(host = %name, address = %bad.ip(), "webhook refused: the host resolves to a non-public address");
        return Err(SendError::NotAllowed);
    }
    Ok(addrs)
}

/// A resolver that answers nothing: the client may connect only to the
/// addresses pinned with `resolve_to_addrs`.
struct NoResolver;

impl reqwest::dns::Resolve for NoResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_string();
        Box::pin(
            async move { Err(format!("{name} was not resolved and checked beforehand").into()) },
        )
    }
}

/// The client for one post: no redirects followed, and unless
/// `allow_private`, no proxy and no name resolution but the pinned one.
fn client(
    allow_private: bool,
    pin: Option<(String, Vec<SocketAddr>)>,
) -> reqwest::Result<reqwest::Client> {
    let mut client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none());
    if !allow_private {
        // A proxy would connect wherever it liked: the checked addresses are the only way out.
        client = client.no_proxy().dns_resolver(NoResolver);
    }
    if let Some((name, addrs)) = pin {
        client = client.resolve_to_addrs(&name, &addrs);
    }
    client.build()
}

/// Posts `body` to `url` with the timestamp and HMAC signature headers;
/// Ok on a 2xx answer. Without `allow_private`, only to checked public
/// addresses (see the module notes). Errors say no more than [`SendError`];
/// the detail is logged.
pub async fn post_signed(
    url: &str,
    secret: &str,
    body: Vec<u8>,
    allow_private: bool,
) -> Result<(), SendError> {
    let url = check_url(url, allow_private).map_err(|e| {
        tracing::warn!(reason = ?e, "webhook refused: its URL is not allowed");
        match e {
            Refusal::Private => SendError::NotAllowed,
            Refusal::NotHttp | Refusal::UserInfo => SendError::Undelivered,
        }
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    let pin = match Host::of(&url) {
        Some(Host::Name(name)) if !allow_private => {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs = resolve_public(&name, port).await?;
            Some((name, addrs))
        }
        _ => None,
    };
    let client = client(allow_private, pin).map_err(|e| {
        tracing::warn!(error = %e, "could not build the webhook client");
        SendError::Undelivered
    })?;
    let ts = Utc::now().timestamp();
    let sig = service::signature(secret, ts, &body);
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-quarterdeck-timestamp", ts.to_string())
        .header("x-quarterdeck-signature", sig)
        .body(body)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => {
            tracing::warn!(%host, status = %r.status(), "webhook answered without success");
            Err(SendError::Undelivered)
        }
        Err(e) => {
            tracing::warn!(%host, error = %e, "webhook post failed");
            Err(SendError::Undelivered)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.170",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_on_save() {
        for (url, want) in [
            ("ftp://example.com/x", Refusal::NotHttp),
            ("file:///etc/passwd", Refusal::NotHttp),
            ("not a url", Refusal::NotHttp),
            ("https://user:pw@example.com/x", Refusal::UserInfo),
            ("https://user@example.com/x", Refusal::UserInfo),
            ("http://127.0.0.1:9000/x", Refusal::Private),
            ("http://2130706433/x", Refusal::Private),
            ("http://0x7f.0.0.1/x", Refusal::Private),
            ("http://[::1]/x", Refusal::Private),
            ("http://[::ffff:127.0.0.1]/x", Refusal::Private),
            ("http://169.254.169.254/latest/meta-data/", Refusal::Private),
            ("http://10.1.2.3/x", Refusal::Private),
            ("http://localhost:8080/x", Refusal::Private),
            ("http://LOCALHOST./x", Refusal::Private),
            ("http://api.localhost/x", Refusal::Private),
            ("http://printer.local/x", Refusal::Private),
            ("http://metadata.google.internal/x", Refusal::Private),
            ("http://intranet/x", Refusal::Private),
        ] {
            assert_eq!(check_url(url, false).err(), Some(want.clone()), "{url}");
        }
        assert!(check_url("https://hooks.example.com/services/x", false).is_ok());
        assert!(check_url("http://93.184.216.34:8080/x", false).is_ok());
        // The setting lifts the address rules only.
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
        assert_eq!(
            check_url("https://u:p@127.0.0.1/x", true).err(),
            Some(Refusal::UserInfo)
        );
        assert_eq!(
            check_url("gopher://127.0.0.1/x", true).err(),
            Some(Refusal::NotHttp)
        );
    }

    #[tokio::test]
    async fn the_client_connects_only_to_the_pinned_addresses() {
        quarterdeck_app::install_crypto();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(|| async { "ok" });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let port = addr.port();
        let pinned = client(false, Some(("hooks.test".into(), vec![addr]))).unwrap();
        let r = pinned
            .get(format!("http://hooks.test:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the pinned name reaches its address");
        // Any other name is not resolved at all, not even `localhost`.
        for other in ["other.test", "localhost"] {
            assert!(
                pinned
                    .get(format!("http://{other}:{port}/"))
                    .send()
                    .await
                    .is_err(),
                "{other}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_after_resolution() {
        // `localhost` is caught by its name before any lookup; resolving it
        // here shows the address check on its own.
        assert_eq!(
            resolve_public("localhost", 80).await,
            Err(SendError::NotAllowed)
        );
    }
}
