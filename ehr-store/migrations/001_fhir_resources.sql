-- Idempotent: a database created before the schema was split by owner (001_core.sql) upgrades cleanly.
-- The built-in FHIR R4 store (EHR) served at /fhir.
CREATE TABLE IF NOT EXISTS fhir_resources (
  resource_type text NOT NULL,
  id            text NOT NULL,
  version       integer NOT NULL,
  content       jsonb NOT NULL,
  content_hash  text NOT NULL,
  tokens        text[] NOT NULL DEFAULT '{}', -- search index: identifier=sys|val, patient=Patient/x, encounter=Encounter/y
  deleted       boolean NOT NULL DEFAULT false,
  last_updated  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX IF NOT EXISTS fhir_resources_tokens ON fhir_resources USING gin (tokens);
