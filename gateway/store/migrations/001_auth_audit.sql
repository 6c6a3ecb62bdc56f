-- Idempotent: a database created before the schema was split by owner (001_core.sql) upgrades cleanly.
-- API keys: only a SHA-256 hash of the secret is stored; the key is shown once when created.
CREATE TABLE IF NOT EXISTS api_keys (
  id           text PRIMARY KEY,               -- public part of the key (fgw_<id>_<secret>)
  secret_hash  text NOT NULL,
  role         text NOT NULL CHECK (role IN ('facility', 'portal', 'admin', 'auditor', 'linker')),
  facility     text,                           -- MA_CSKCB, required for role facility
  label        text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  replaced_by  text,
  last_used_at timestamptz,
  CHECK (role <> 'facility' OR facility IS NOT NULL)
);

-- Append-only audit log: who did what to which resource/patient, from where, with what outcome.
CREATE TABLE IF NOT EXISTS audit_events (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  key_id       text,                           -- null when the caller could not be authenticated
  role         text,
  facility     text,
  action       text NOT NULL,                  -- read | search | create | update | execute | login-failed | denied
  method       text NOT NULL,
  path         text NOT NULL,
  resource     text,                           -- e.g. Patient/<id> or submission id
  patient      text,                           -- Patient/<id> whose data was touched, when known
  source_ip    text,
  status       integer NOT NULL,
  outcome      text NOT NULL                   -- 0 success, 4 minor failure, 8 serious failure (FHIR AuditEvent.outcome)
);
CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS audit_events_key ON audit_events (key_id, at);
CREATE INDEX IF NOT EXISTS audit_events_patient ON audit_events (patient, at) WHERE patient IS NOT NULL;

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END $$;
DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
