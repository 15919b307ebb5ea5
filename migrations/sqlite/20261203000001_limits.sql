-- Rate limits and quotas (PRODUCT.md §9), as `N/unit` (`5/minute`, `1000/day`); NULL is none.
ALTER TABLE api_clients ADD COLUMN rate_limit TEXT;
ALTER TABLE api_clients ADD COLUMN quota TEXT;
ALTER TABLE restricted_tokens ADD COLUMN rate_limit TEXT;
ALTER TABLE restricted_tokens ADD COLUMN quota TEXT;
