//! The one error type of every server function, and how the console shows it.

use domain::FieldError;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// A form field was refused: shown next to that field.
    #[error("{}", .0.message)]
    Field(FieldError),
    /// A refusal to show as it is, at the top of the form (wrong password, throttled...).
    #[error("{0}")]
    Refused(String),
    #[error("Your session has ended. Sign in again.")]
    Unauthenticated,
    #[error("You do not have permission to do this")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    #[error("Something went wrong on our side. Try again.")]
    Internal,
    /// The request never got an answer (network, encoding).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The message for `field`, if this error belongs to it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Field(e) if e.field == field => Some(e.message.clone()),
            _ => None,
        }
    }

    /// A message for the top of a form, when this error belongs to no single field.
    pub fn general(&self) -> Option<String> {
        match self {
            AppError::Field(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Field(e)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                // The client's fault: 400, never a 500.
                #[cfg(feature = "ssr")]
                crate::ssr::set_status(http::StatusCode::BAD_REQUEST);
                AppError::Refused("The form was incomplete or malformed".into())
            }
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Deserialization(e) => {
                AppError::Transport(e)
            }
            _ => AppError::Internal,
        }
    }
}

/// The outcome of a form's last submission, read by its fields.
pub type Submission<T> = Option<Result<T, AppError>>;

/// The message for `field` in a submission outcome.
pub fn field_error<T>(outcome: &Submission<T>, field: &str) -> Option<String> {
    match outcome {
        Some(Err(e)) => e.for_field(field),
        _ => None,
    }
}

/// The general message of a submission outcome.
pub fn general_error<T>(outcome: &Submission<T>) -> Option<String> {
    match outcome {
        Some(Err(e)) => e.general(),
        _ => None,
    }
}
