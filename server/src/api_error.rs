//! One error type for the gate (on `/api/v1`, the gateway and `/gate/check`) and the `/api/v1`
//! handlers, always serialized as the documented `ApiErrorBody`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::credentials::Scope;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use utoipa::ToSchema;

/// An error of the public API, of the gateway and of `/gate/check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    /// `invalid_request`, `invalid_token`, `insufficient_scope`, `ip_not_allowed`,
    /// `origin_not_allowed`, `not_found`, `rate_limited`, `limit_reached`, `bad_gateway`, `gateway_timeout`,
    /// `server_error` or `temporarily_unavailable`.
    pub error: String,
    pub error_description: String,
    /// On 422: the input field that was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A refusal or a failure, with its status and, for 401 and 403 on scopes, its
/// `WWW-Authenticate` challenge.
#[derive(Clone, Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ApiErrorBody,
    /// Header fields of the answer: the `WWW-Authenticate` challenge, `Retry-After`,
    /// `RateLimit`.
    headers: Vec<(axum::http::HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ApiErrorBody {
                error: error.to_string(),
                error_description: description.into(),
                field: None,
            },
            headers: Vec::new(),
        }
    }

    pub fn add_header(&mut self, name: axum::http::HeaderName, value: HeaderValue) {
        self.headers.push((name, value));
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn body(&self) -> &ApiErrorBody {
        &self.body
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", description)
    }

    /// 401: no credential (`error` `None`), or `invalid_token`.
    pub fn unauthorized(error: Option<&str>, description: &str) -> Self {
        let mut refused = Self::new(
            StatusCode::UNAUTHORIZED,
            error.unwrap_or("unauthorized"),
            description,
        );
        refused.add_header(header::WWW_AUTHENTICATE, challenge(error, None));
        refused
    }

    pub fn invalid_token(description: &str) -> Self {
        Self::unauthorized(Some("invalid_token"), description)
    }

    /// 403 `insufficient_scope`, naming the scope that is missing when there is one.
    pub fn insufficient_scope(scope: Option<&Scope>, description: impl Into<String>) -> Self {
        let mut refused = Self::new(StatusCode::FORBIDDEN, "insufficient_scope", description);
        refused.add_header(
            header::WWW_AUTHENTICATE,
            challenge(Some("insufficient_scope"), scope),
        );
        refused
    }

    pub fn forbidden(error: &str, description: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, error, description)
    }

    pub fn bad_gateway(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "bad_gateway", description)
    }

    pub fn gateway_timeout(description: impl Into<String>) -> Self {
        Self::new(StatusCode::GATEWAY_TIMEOUT, "gateway_timeout", description)
    }

    fn with_field(mut self, field: &str) -> Self {
        self.body.field = Some(field.to_string());
        self
    }
}

fn challenge(error: Option<&str>, scope: Option<&Scope>) -> HeaderValue {
    let value = match (error, scope) {
        (None, _) => "Bearer realm=\"portcullis\"".to_string(),
        (Some(error), None) => format!("Bearer realm=\"portcullis\", error=\"{error}\""),
        (Some(error), Some(scope)) => {
            format!("Bearer realm=\"portcullis\", error=\"{error}\", scope=\"{scope}\"")
        }
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

impl From<domain::FieldError> for ApiError {
    fn from(err: domain::FieldError) -> Self {
        ServiceError::Invalid(err).into()
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match &err {
            ServiceError::Invalid(field) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                field.message.clone(),
            )
            .with_field(&field.field),
            ServiceError::NotFound => Self::not_found("no such credential"),
            ServiceError::Forbidden => {
                Self::new(StatusCode::FORBIDDEN, "insufficient_scope", err.to_string())
            }
            ServiceError::LimitReached => {
                Self::new(StatusCode::CONFLICT, "limit_reached", err.to_string())
            }
            ServiceError::Revoked => Self::new(StatusCode::CONFLICT, "revoked", err.to_string()),
            _ if let Some(reason) = err.unavailable_reason() => {
                tracing::warn!(error = %err, source = ?std::error::Error::source(&err), "API request: unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    reason,
                )
            }
            _ => {
                tracing::error!(error = %err, source = ?std::error::Error::source(&err), "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not answer; try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_challenges_follow_the_refusal() {
        let refused = ApiError::insufficient_scope(Some(&Scope::CredentialsWrite), "needs it");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let response = refused.into_response();
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"portcullis\", error=\"insufficient_scope\", scope=\"credentials:write\""
        );
        let missing = ApiError::unauthorized(None, "a token is required");
        assert_eq!(missing.body().error, "unauthorized");
        assert_eq!(
            missing.into_response().headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"portcullis\""
        );
        let field = ApiError::from(ServiceError::Invalid(domain::FieldError::new(
            "name", "bad",
        )));
        assert_eq!(field.body().field.as_deref(), Some("name"));
        assert_eq!(field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
