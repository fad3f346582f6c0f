//! The kinds of MRR movement, as charts name and colour them.

/// A kind of MRR movement; the variant order is the stacking and legend order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MovementKind {
    /// Revenue from customers who never paid before.
    New,
    /// Existing customers paying more.
    Expansion,
    /// Former customers paying again.
    Reactivation,
    /// Existing customers paying less (a negative value).
    Contraction,
    /// Customers who stopped paying (a negative value).
    Churn,
}

impl MovementKind {
    /// Every kind, in display order.
    pub const ALL: [MovementKind; 5] = [
        MovementKind::New,
        MovementKind::Expansion,
        MovementKind::Reactivation,
        MovementKind::Contraction,
        MovementKind::Churn,
    ];

    /// The CSS class on marks of this kind, e.g. `qd-expansion`.
    pub fn class(&self) -> &'static str {
        match self {
            MovementKind::New => "qd-new",
            MovementKind::Expansion => "qd-expansion",
            MovementKind::Reactivation => "qd-reactivation",
            MovementKind::Contraction => "qd-contraction",
            MovementKind::Churn => "qd-churn",
        }
    }

    /// The human label, e.g. "Expansion".
    pub fn label(&self) -> &'static str {
        match self {
            MovementKind::New => "New",
            MovementKind::Expansion => "Expansion",
            MovementKind::Reactivation => "Reactivation",
            MovementKind::Contraction => "Contraction",
            MovementKind::Churn => "Churn",
        }
    }
}
