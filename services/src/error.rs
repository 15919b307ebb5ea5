use domain::FieldError;
use store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// A form field was refused; the message is for the person who typed it.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// Wrong email or password: one message for both.
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("Too many attempts. Try again in {minutes} minutes.")]
    Throttled { minutes: i64 },
    /// Too many passwords are being hashed right now: a 503 with `Retry-After`.
    #[error("The server is busy. Try again in a moment.")]
    Busy,
    #[error("Sign in to continue")]
    Unauthenticated,
    #[error("You do not have permission to do this")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    #[error("This instance is already set up")]
    AlreadySetUp,
    #[error("Sign-up is not open on this instance")]
    SignupClosed,
    #[error("The organization must keep at least one Admin")]
    LastAdmin,
    #[error("This organization has reached the limit for this kind of credential")]
    LimitReached,
    /// A revoked Restricted Access Token can be deleted, never changed.
    #[error("This Restricted Access Token is revoked: it can be deleted but not changed")]
    Revoked,
    /// This instance cannot answer correctly right now (it lost track of changes): a 503.
    #[error("temporarily unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::EmailTaken => ServiceError::Invalid(FieldError::new(
                "email",
                "An account with this email already exists",
            )),
            StoreError::AlreadySetUp => ServiceError::AlreadySetUp,
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::LastAdmin => ServiceError::LastAdmin,
            StoreError::LimitReached => ServiceError::LimitReached,
            StoreError::Revoked => ServiceError::Revoked,
            other => ServiceError::Internal(Box::new(other)),
        }
    }
}

impl ServiceError {
    /// For a 503 (this instance cannot answer correctly right now, through no fault of the
    /// caller's): what a program calling the API is told. `None` for every other error.
    pub fn unavailable_reason(&self) -> Option<&'static str> {
        match self {
            ServiceError::Unavailable => {
                Some("this instance is catching up with recent changes; try again shortly")
            }
            ServiceError::Internal(source)
                if source
                    .downcast_ref::<StoreError>()
                    .is_some_and(StoreError::is_unavailable) =>
            {
                Some("the database is unavailable; try again shortly")
            }
            _ => None,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        self.unavailable_reason().is_some()
    }
}
