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
    Migration {
        version: 4,
        name: "jobs",
        sql: include_str!("../migrations/sqlite/0004_jobs.sql"),
    },
    Migration {
        version: 5,
        name: "alerts_digests",
        sql: include_str!("../migrations/sqlite/0005_alerts_digests.sql"),
    },
    Migration {
        version: 6,
        name: "totp_replay",
        sql: include_str!("../migrations/sqlite/0006_totp_replay.sql"),
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
    Migration {
        version: 4,
        name: "jobs",
        sql: include_str!("../migrations/postgres/0004_jobs.sql"),
    },
    Migration {
        version: 5,
        name: "alerts_digests",
        sql: include_str!("../migrations/postgres/0005_alerts_digests.sql"),
    },
    Migration {
        version: 6,
        name: "totp_replay",
        sql: include_str!("../migrations/postgres/0006_totp_replay.sql"),
    },
];
