use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("this instance is already set up")]
    AlreadySetUp,
    #[error("not found")]
    NotFound,
    #[error("the organization must keep at least one Admin")]
    LastAdmin,
    #[error("the credential is revoked")]
    Revoked,
    #[error("the limit of this kind of row is reached")]
    LimitReached,
    #[error("invalid stored value: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The database cannot be reached right now (as opposed to refusing a request).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // PostgreSQL shutting down or refusing connections (SQLSTATE classes 08 and 57).
            StoreError::Database(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        }
    }

    pub(crate) fn from_insert(err: sqlx::Error, on_unique: StoreError) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => on_unique,
            _ => StoreError::Database(err),
        }
    }
}
