//! The password rule: long enough, not a well-known password, not the email.

/// Fewest characters a password may have.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Most characters a password may have (argon2 input stays bounded).
pub const MAX_PASSWORD_LEN: usize = 256;

/// Passwords (and their stems) that top every leaked-password list; a stem
/// followed only by digits or punctuation is refused too (`password2024!`).
const COMMON: &[&str] = &[
    "123456",
    "123456789",
    "12345678",
    "1234567890",
    "12345",
    "1234567",
    "qwerty",
    "qwertyuiop",
    "qwerty123",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "111111",
    "000000",
    "123123",
    "abc123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "1qaz2wsx",
    "qazwsx",
    "zaq12wsx",
    "iloveyou",
    "admin",
    "administrator",
    "welcome",
    "letmein",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "superman",
    "batman",
    "trustno1",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "michael",
    "jennifer",
    "charlie",
    "starwars",
    "whatever",
    "freedom",
    "computer",
    "internet",
    "secret",
    "changeme",
    "default",
    "login",
    "hello",
    "hellohello",
    "qwertyuiopasdfghjkl",
    "asdfghjkl",
    "asdfgh",
    "zxcvbnm",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "abcdefghijkl",
    "aaaaaa",
    "passwordpassword",
    "password1",
    "qwertyqwerty",
    "iloveyou1",
    "football1",
    "quarterdeck",
    "summer",
    "winter",
    "spring",
    "autumn",
    "january",
    "february",
    "december",
    "company",
    "business",
    "executive",
    "dashboard",
    "mustang",
    "access",
    "flower",
    "loveme",
    "ninja",
    "azerty",
    "solo",
    "killer",
    "pokemon",
    "jordan23",
    "michelle",
    "jessica",
    "pepper",
    "daniel",
    "hunter",
    "ranger",
    "buster",
    "soccer",
    "hockey",
    "tigger",
    "andrew",
    "thomas",
    "robert",
    "matrix",
    "corvette",
    "cheese",
];

/// Checks a new password; the error says what to change.
pub fn check_new_password(password: &str, email: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(format!(
            "use at least {MIN_PASSWORD_LEN} characters (this one has {len})"
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(format!("use at most {MAX_PASSWORD_LEN} characters"));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let repeated = |s: &str| {
        COMMON.iter().any(|c| {
            !s.is_empty() && s.len().is_multiple_of(c.len()) && c.repeat(s.len() / c.len()) == s
        })
    };
    if stem.is_empty() {
        return Err("a password of only digits and punctuation is too easy to guess".into());
    }
    if COMMON.contains(&lower.as_str()) || COMMON.contains(&stem) || repeated(&lower) {
        return Err("this password is among the most common ones; choose another".into());
    }
    if lower
        .chars()
        .all(|c| c == lower.chars().next().unwrap_or(' '))
    {
        return Err("a password of one repeated character is too easy to guess".into());
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.len() >= 4 && lower.contains(&local) {
        return Err("a password must not contain your email address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_common_and_personal_passwords() {
        assert!(
            check_new_password("short", "a@b.co")
                .unwrap_err()
                .contains("12")
        );
        assert!(check_new_password("password1234", "a@b.co").is_err());
        assert!(check_new_password("Password2024!", "a@b.co").is_err());
        assert!(check_new_password("qwertyqwertyqwerty", "a@b.co").is_err());
        assert!(check_new_password("123456789012", "a@b.co").is_err());
        assert!(check_new_password("aaaaaaaaaaaaaa", "a@b.co").is_err());
        assert!(check_new_password("janedoe-rocks-99", "janedoe@x.io").is_err());
        assert!(check_new_password("correct horse battery", "jane@x.io").is_ok());
    }
}
