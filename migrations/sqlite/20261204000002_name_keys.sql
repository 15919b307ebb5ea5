-- Keyset paging by name (PRODUCT.md §10): each credential's name as the list sorts and filters
-- it (lowercased by the application; LOWER() only to fill the rows made before), compared
-- byte by byte on both backends.
ALTER TABLE api_clients ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE api_clients SET name_key = LOWER(name);
CREATE INDEX api_clients_by_name ON api_clients (organization_id, name_key, created_at, id);
ALTER TABLE restricted_tokens ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE restricted_tokens SET name_key = LOWER(name);
CREATE INDEX restricted_tokens_by_name ON restricted_tokens (organization_id, name_key, created_at, id);
