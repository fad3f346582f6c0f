//! The named states of alerts and deliveries, stored as text: each parses
//! from its stored name and refuses anything else, so an unknown value is an
//! error where it enters, never a silent default.

use serde::{Deserialize, Serialize};

/// An enum whose variants are stored and sent as fixed lowercase names.
macro_rules! named {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every variant, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Reads a stored or submitted name; anything else is refused with the choices.
            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "`{other}` is not {}",
                        one_of(&[$($text),+])
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// "a, b or c".
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

named! {
    /// How urgent an alert is: critical ones are emailed at once.
    Severity {
        Critical = "critical",
        Warning = "warning",
        Info = "info",
    }
}

named! {
    /// Where an alert is in its life: open → acknowledged → resolved.
    AlertState {
        Open = "open",
        Acknowledged = "acknowledged",
        Resolved = "resolved",
    }
}

named! {
    /// How often a person's email digest is sent.
    Cadence {
        Daily = "daily",
        Weekly = "weekly",
        Monthly = "monthly",
    }
}

named! {
    /// How a delivery went out.
    DeliveryKind {
        Email = "email",
        Webhook = "webhook",
    }
}

named! {
    /// How a delivery ended.
    DeliveryOutcome {
        Sent = "sent",
        Failed = "failed",
    }
}

impl DeliveryOutcome {
    /// Sent when `result` is a success, failed otherwise.
    pub fn of<T, E>(result: &Result<T, E>) -> Self {
        if result.is_ok() {
            DeliveryOutcome::Sent
        } else {
            DeliveryOutcome::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Ok(*s));
        }
        for c in Cadence::ALL {
            assert_eq!(Cadence::parse(&c.to_string()), Ok(*c));
        }
        assert_eq!(
            Severity::parse("urgent"),
            Err("`urgent` is not critical, warning or info".into())
        );
        assert_eq!(
            DeliveryOutcome::parse("lost"),
            Err("`lost` is not sent or failed".into())
        );
        assert_eq!(
            serde_json::to_string(&AlertState::Acknowledged).unwrap(),
            "\"acknowledged\""
        );
    }
}
