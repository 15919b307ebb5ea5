-- An API Client's logo (PRODUCT.md §10): the re-encoded image, its content type and when it was
-- set (NULL: no logo). Kept on the row, so deleting the client deletes it; list queries leave
-- the bytes out.
ALTER TABLE api_clients ADD COLUMN logo BYTEA;
ALTER TABLE api_clients ADD COLUMN logo_content_type TEXT;
ALTER TABLE api_clients ADD COLUMN logo_updated_at BIGINT;
