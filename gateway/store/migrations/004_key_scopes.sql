-- Scopes beyond the role (README "Keys and roles"): `bulk-read` lets a key run FHIR searches that
-- name no patient and read more patients per hour than BULK_READ_PATIENTS_PER_HOUR.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS scopes text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS api_keys_expires ON api_keys (expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
