-- What a read returned (Luật 91/2025/QH15, NĐ 356/2025: processing of sensitive personal data must
-- be logged and provable). Ids only: never names or CCCD numbers.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS query     jsonb;   -- parameter names → verbatim control values or keyed hashes
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS returned  text[];  -- resources the answer carried (Type/id, at most one page)
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS patients  text[];  -- distinct Patient/<id> whose data the answer carried
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS purpose   text;    -- X-Purpose-Of-Use as the caller stated it (HL7 PurposeOfUse code)
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS bulk      boolean NOT NULL DEFAULT false; -- a read that named no patient, or beyond the hourly patient count
CREATE INDEX IF NOT EXISTS audit_events_patients ON audit_events USING gin (patients) WHERE patients IS NOT NULL;

-- The key of the keyed hash (HMAC-SHA-256) that stands in for search values in `query`, so an auditor
-- can find every search for one CCCD without the log holding the CCCD. AUDIT_HASH_KEY overrides it.
CREATE TABLE IF NOT EXISTS gateway_secrets (
  name       text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO gateway_secrets (name, value)
  VALUES ('audit-query-hmac', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
  ON CONFLICT (name) DO NOTHING;
