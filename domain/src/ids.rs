//! Ids as types at the store's boundary: an organization's id, a credential's row id (an API
//! Client's or a Restricted Access Token's) and an API Client's public Client ID are all text,
//! and a function that takes two of them must not accept them the wrong way round. Each wraps
//! the borrowed text; making one says which id it is.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name<'a>(&'a str);

        impl<'a> $name<'a> {
            pub fn new(value: &'a str) -> Self {
                $name(value)
            }

            pub fn as_str(self) -> &'a str {
                self.0
            }
        }
    };
}

id_type!(
    /// An organization's id.
    OrgId
);
id_type!(
    /// A credential's row id (`id` in the API's JSON), not its Client ID.
    CredentialId
);
id_type!(
    /// An API Client's public Client ID (`pci_…`).
    ClientId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text() {
        let org = OrgId::new("org-1");
        assert_eq!(org.as_str(), "org-1");
        assert_eq!(CredentialId::new("c"), CredentialId::new("c"));
        assert_ne!(ClientId::new("a"), ClientId::new("b"));
    }
}
