-- An API Client's application type (PRODUCT.md §10): `custom` or an id of the operator's
-- `[[api.application_types]]`.
ALTER TABLE api_clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'custom';
