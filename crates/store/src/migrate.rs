//! Schema migrations: numbered SQL files applied in order, each in a transaction.

/// One migration: its version, a name and the SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// SQLite's migrations, in order.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "data_version",
        sql: include_str!("../migrations/sqlite/0002_data_version.sql"),
    },
    Migration {
        version: 3,
        name: "trust",
        sql: include_str!("../migrations/sqlite/0003_trust.sql"),
    },
];

/// PostgreSQL's migrations, in order.
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "data_version",
        sql: include_str!("../migrations/postgres/0002_data_version.sql"),
    },
    Migration {
        version: 3,
        name: "trust",
        sql: include_str!("../migrations/postgres/0003_trust.sql"),
    },
];
