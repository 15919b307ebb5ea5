//! What the server answers for a Restricted Access Token is the same on every request until
//! the token changes: its `GET /api/v1/me` body and its identity headers. Both are made once
//! and kept with the token's cache entry (`services::Derived`); a change to the token replaces
//! the entry, and so the answers. (An API Client's carry the scopes of each JWT: made per
//! request.)

use super::identity;
use axum::http::HeaderMap;
use bytes::Bytes;
use services::Caller;

pub struct TokenAnswers {
    /// `None` if it could not be written (logged once).
    pub me: Option<Bytes>,
    /// The identity headers, in a map with room for the rest of a forward-auth answer.
    pub identity: HeaderMap,
}

/// Room for everything a forward-auth answer carries: five identity headers, two `RateLimit`
/// fields, two CORS headers, `Vary` and `X-Content-Type-Options` (and one to spare). Filled one
/// by one, a map would grow twice.
pub const ANSWER_HEADERS: usize = 12;

impl TokenAnswers {
    /// A Restricted Access Token's answers; `None` for an API Client.
    pub fn of(caller: &Caller) -> Option<&TokenAnswers> {
        match caller {
            Caller::RestrictedToken { token } => {
                token.derived.get_or_make(|| TokenAnswers::make(caller))
            }
            Caller::ApiClient { .. } => None,
        }
    }

    fn make(caller: &Caller) -> TokenAnswers {
        TokenAnswers {
            me: crate::api::me_json(caller),
            identity: identity_map(caller),
        }
    }
}

/// The identity headers of `caller`, in a map sized for a whole forward-auth answer.
pub fn identity_map(caller: &Caller) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(ANSWER_HEADERS);
    for (name, value) in identity::headers_of(caller) {
        headers.insert(name, value);
    }
    headers
}
