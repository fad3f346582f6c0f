//! Store errors.

/// What can go wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique name is already taken (tenant slug, user email…).
    #[error("{0} already exists")]
    Conflict(String),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The data directory could not be prepared.
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A migration failed; the schema is left at the previous version.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`.
    pub(crate) fn unique(err: sqlx::Error, what: impl Into<String>) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(what.into()),
            _ => Self::Database(err),
        }
    }
}
