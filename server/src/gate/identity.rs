//! The identity headers an upstream receives (PRODUCT.md §8), and the stripping of any the
//! client sent itself.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use services::Caller;

pub const CREDENTIAL_TYPE: HeaderName = HeaderName::from_static("x-portcullis-credential-type");
pub const CREDENTIAL_ID: HeaderName = HeaderName::from_static("x-portcullis-credential-id");
pub const CLIENT_ID: HeaderName = HeaderName::from_static("x-portcullis-client-id");
pub const ORGANIZATION_ID: HeaderName = HeaderName::from_static("x-portcullis-organization-id");
pub const SCOPES: HeaderName = HeaderName::from_static("x-portcullis-scopes");

/// Every identity header, each present (empty where it does not apply: a proxy that copies
/// named headers then never passes on a client's own value).
pub fn headers_of(caller: &Caller) -> [(HeaderName, HeaderValue); 5] {
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
    let (kind, client_id, scopes) = match caller {
        Caller::ApiClient { client, scopes, .. } => (
            "api_client",
            value(&client.client_id),
            HeaderValue::try_from(domain::credentials::space_separated(scopes))
                .unwrap_or(HeaderValue::from_static("")),
        ),
        Caller::RestrictedToken { .. } => (
            "restricted_access_token",
            HeaderValue::from_static(""),
            HeaderValue::from_static(""),
        ),
    };
    [
        (CREDENTIAL_TYPE, HeaderValue::from_static(kind)),
        (CREDENTIAL_ID, value(caller.credential_id())),
        (CLIENT_ID, client_id),
        (ORGANIZATION_ID, value(caller.organization_id())),
        (SCOPES, scopes),
    ]
}

/// Removes every `X-Portcullis-*` header: only the gate sets them.
pub fn strip_client_claims(headers: &mut HeaderMap) {
    let spoofed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("x-portcullis-"))
        .cloned()
        .collect();
    for name in spoofed {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_claims_are_stripped_whatever_their_case() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Portcullis-Credential-Id", HeaderValue::from_static("x"));
        headers.append("x-portcullis-anything", HeaderValue::from_static("y"));
        headers.insert("x-other", HeaderValue::from_static("z"));
        strip_client_claims(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-other"));
    }
}
