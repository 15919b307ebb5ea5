//! What a change on the API page says when its server function brings the page back
//! (`&notice=CODE`): only these codes are read, so nothing of the URL is shown as it is.

/// A change the API page reports after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiNotice {
    ClientUpdated,
    ClientDisabled,
    ClientEnabled,
    ClientDeleted,
    TokenUpdated,
    TokenRevoked,
    TokenDeleted,
}

impl ApiNotice {
    const ALL: [ApiNotice; 7] = [
        ApiNotice::ClientUpdated,
        ApiNotice::ClientDisabled,
        ApiNotice::ClientEnabled,
        ApiNotice::ClientDeleted,
        ApiNotice::TokenUpdated,
        ApiNotice::TokenRevoked,
        ApiNotice::TokenDeleted,
    ];

    fn code(self) -> &'static str {
        match self {
            ApiNotice::ClientUpdated => "client-updated",
            ApiNotice::ClientDisabled => "client-disabled",
            ApiNotice::ClientEnabled => "client-enabled",
            ApiNotice::ClientDeleted => "client-deleted",
            ApiNotice::TokenUpdated => "token-updated",
            ApiNotice::TokenRevoked => "token-revoked",
            ApiNotice::TokenDeleted => "token-deleted",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            ApiNotice::ClientUpdated => "API Client updated",
            ApiNotice::ClientDisabled => "API Client disabled",
            ApiNotice::ClientEnabled => "API Client enabled",
            ApiNotice::ClientDeleted => "API Client deleted",
            ApiNotice::TokenUpdated => "Restricted Access Token updated",
            ApiNotice::TokenRevoked => "Restricted Access Token revoked",
            ApiNotice::TokenDeleted => "Restricted Access Token deleted",
        }
    }

    pub fn parse(code: &str) -> Option<ApiNotice> {
        Self::ALL.into_iter().find(|n| n.code() == code)
    }

    /// The API page, saying this.
    pub fn href(self) -> String {
        format!(
            "{}&notice={}",
            crate::pages::console::settings_link("api"),
            self.code()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ApiNotice;

    #[test]
    fn a_notice_comes_back_from_its_own_link_and_nothing_else_is_read() {
        for notice in ApiNotice::ALL {
            let code = notice.href().rsplit_once("&notice=").unwrap().1.to_string();
            assert_eq!(ApiNotice::parse(&code), Some(notice));
        }
        assert_eq!(ApiNotice::parse("<script>"), None);
        assert_eq!(ApiNotice::parse("member-updated"), None);
    }
}
