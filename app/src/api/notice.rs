//! What a change says when its server function brings its Settings page back
//! (`&notice=CODE`): only these codes are read, each on its own page, so nothing of the URL is
//! shown as it is.

/// A change a Settings page reports after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    MemberUpdated,
    MemberRemoved,
    InviteRevoked,
    ClientUpdated,
    ClientDisabled,
    ClientEnabled,
    ClientDeleted,
    TokenUpdated,
    TokenRevoked,
    TokenDeleted,
}

impl Notice {
    const ALL: [Notice; 10] = [
        Notice::MemberUpdated,
        Notice::MemberRemoved,
        Notice::InviteRevoked,
        Notice::ClientUpdated,
        Notice::ClientDisabled,
        Notice::ClientEnabled,
        Notice::ClientDeleted,
        Notice::TokenUpdated,
        Notice::TokenRevoked,
        Notice::TokenDeleted,
    ];

    /// Its Settings page, its code there, and what it says.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Notice::MemberUpdated => ("members", "member-updated", "Member updated"),
            Notice::MemberRemoved => ("members", "member-removed", "Member removed"),
            Notice::InviteRevoked => ("members", "invite-revoked", "Invite revoked"),
            Notice::ClientUpdated => ("api", "client-updated", "API Client updated"),
            Notice::ClientDisabled => ("api", "client-disabled", "API Client disabled"),
            Notice::ClientEnabled => ("api", "client-enabled", "API Client enabled"),
            Notice::ClientDeleted => ("api", "client-deleted", "API Client deleted"),
            Notice::TokenUpdated => ("api", "token-updated", "Restricted Access Token updated"),
            Notice::TokenRevoked => ("api", "token-revoked", "Restricted Access Token revoked"),
            Notice::TokenDeleted => ("api", "token-deleted", "Restricted Access Token deleted"),
        }
    }

    pub fn text(self) -> &'static str {
        self.parts().2
    }

    /// The notice `code` names on Settings page `page`, if any.
    pub fn parse(page: &str, code: &str) -> Option<Notice> {
        Self::ALL
            .into_iter()
            .find(|n| (n.parts().0, n.parts().1) == (page, code))
    }

    /// Its Settings page, saying this.
    pub fn href(self) -> String {
        let (page, code, _) = self.parts();
        format!(
            "{}&notice={code}",
            crate::pages::console::settings_link(page)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn a_notice_comes_back_from_its_own_link_on_its_own_page_and_nothing_else_is_read() {
        for notice in Notice::ALL {
            let href = notice.href();
            let page = href
                .split("path=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap();
            let code = href.rsplit_once("&notice=").unwrap().1;
            assert_eq!(Notice::parse(page, code), Some(notice));
            let elsewhere = if page == "api" { "members" } else { "api" };
            assert_eq!(Notice::parse(elsewhere, code), None);
        }
        assert_eq!(Notice::parse("members", "<script>"), None);
        assert_eq!(Notice::parse("api", ""), None);
    }
}
