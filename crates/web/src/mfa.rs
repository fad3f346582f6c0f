//! Second factor: TOTP (RFC 6238, what every authenticator app speaks),
//! one-time recovery codes, and the enrolment QR code drawn as SVG.

use qrcodegen::{QrCode, QrCodeEcc};
use quarterdeck_app::credentials::hash_token;
use rand::RngExt;
use totp_rs::{Builder, Secret, Totp};

/// Name shown in authenticator apps.
const ISSUER: &str = "Quarterdeck";
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

/// A fresh random TOTP secret, base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .ok()
}

/// The time step `code` belongs to when it is the current TOTP code (one step
/// of clock skew allowed). Callers claim the step in the store, so each code
/// works once (RFC 6238, 5.2).
pub fn check_code(secret_b32: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret_b32, "user")?.check_current(&code)?;
    i64::try_from(step).ok()
}

/// The current code for a secret (tests and the enrolment self-check).
pub fn current_code(secret_b32: &str) -> Option<String> {
    totp(secret_b32, "user").map(|t| t.generate_current().to_string())
}

/// The code of the step after the current one (still accepted: one step of skew).
pub fn next_code(secret_b32: &str) -> Option<String> {
    let t = totp(secret_b32, "user")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(t.generate(now + t.step()).to_string())
}

/// Proof that the server issued `secret` to this session for enrolment, so
/// the form cannot enrol a secret the client chose.
pub fn enrolment_proof(key: &[u8], session_hash: &str, secret_b32: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(b"mfa-enrolment\0");
    mac.update(session_hash.as_bytes());
    mac.update(b"\0");
    mac.update(secret_b32.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account).and_then(|t| t.to_url().ok())
}

/// The URI as a QR code in SVG (black modules on white, with a quiet zone).
pub fn qr_svg(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"220\" height=\"220\" \
         role=\"img\" aria-label=\"QR code for your authenticator app\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// New recovery codes (`xxxx-xxxx`), shown to the user once.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code: String = (0..8)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            code.insert(4, '-');
            code
        })
        .collect()
}

/// The stored form of a recovery code, ignoring case, spaces and dashes.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_token(&normal)
}

/// Whether what was typed looks like a recovery code rather than a TOTP code.
pub fn looks_like_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_and_uris_scan() {
        let secret = new_secret();
        let code = current_code(&secret).unwrap();
        assert!(check_code(&secret, &code).is_some());
        assert!(check_code(&secret, &next_code(&secret).unwrap()).is_some());
        assert!(check_code(&secret, "12345").is_none());
        let proof = enrolment_proof(b"key", "session", &secret);
        assert_ne!(proof, enrolment_proof(b"key", "other session", &secret));
        assert_ne!(proof, enrolment_proof(b"key", "session", &new_secret()));
        let uri = otpauth_uri(&secret, "jo@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Quarterdeck:jo%40example.com?"),
            "{uri}"
        );
        assert!(qr_svg(&uri).unwrap().contains("<path d=\"M"));
    }

    #[test]
    fn recovery_codes_normalise() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(looks_like_recovery_code(&codes[0]));
        assert_eq!(
            recovery_hash(&codes[0]),
            recovery_hash(&codes[0].to_uppercase().replace('-', " "))
        );
        assert!(!looks_like_recovery_code("123456"));
    }
}
