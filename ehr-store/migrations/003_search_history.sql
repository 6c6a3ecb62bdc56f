-- Search beyond tokens and every version kept (issue: a conformant R4 read API).
-- name_keys: folded name text and words (Patient.name; FHIR string search ignores case and accents).
-- date_lo/date_hi: the range of the type's date parameter (Encounter.period, Immunization.occurrence,
-- Condition.recordedDate, Patient.birthDate), hi exclusive, null = unbounded.
-- index_version: rows indexed by an older extractor are indexed again at start (ehr-store/reindex.ts).
ALTER TABLE fhir_resources ADD COLUMN IF NOT EXISTS name_keys text[] NOT NULL DEFAULT '{}';
ALTER TABLE fhir_resources ADD COLUMN IF NOT EXISTS date_lo timestamptz;
ALTER TABLE fhir_resources ADD COLUMN IF NOT EXISTS date_hi timestamptz;
ALTER TABLE fhir_resources ADD COLUMN IF NOT EXISTS index_version smallint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS fhir_resources_reindex ON fhir_resources (index_version) WHERE index_version < 2;
CREATE INDEX IF NOT EXISTS fhir_resources_updated ON fhir_resources (resource_type, last_updated);

-- Every earlier version of a resource (http://hl7.org/fhir/R4/http.html#history): the current one
-- stays in fhir_resources; each write that makes a new version copies the one it replaces here, so
-- a first write (most linkage) costs nothing extra. A deleted version keeps the content it had,
-- with deleted = true (vread answers 410 for it).
CREATE TABLE IF NOT EXISTS fhir_resource_history (
  resource_type text NOT NULL,
  id            text NOT NULL,
  version       integer NOT NULL,
  content       jsonb NOT NULL,
  deleted       boolean NOT NULL,
  last_updated  timestamptz NOT NULL,
  PRIMARY KEY (resource_type, id, version)
);
CREATE INDEX IF NOT EXISTS fhir_resource_history_type_time ON fhir_resource_history (resource_type, last_updated);

CREATE OR REPLACE FUNCTION fhir_keep_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fhir_resource_history (resource_type, id, version, content, deleted, last_updated)
  VALUES (OLD.resource_type, OLD.id, OLD.version, OLD.content, OLD.deleted, OLD.last_updated)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS fhir_resources_keep_version ON fhir_resources;
CREATE TRIGGER fhir_resources_keep_version AFTER UPDATE OF version ON fhir_resources
  FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION fhir_keep_version();
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE fhir_resource_history ALTER COLUMN content SET COMPRESSION lz4;
  END IF;
END $$;
