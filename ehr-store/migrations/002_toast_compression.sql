-- Stored FHIR resources are compressed with lz4 rather than pglz when the server has it (PostgreSQL
-- 14+; Debian's packages do): the same space for a fraction of the CPU at every write and read.
-- See records/migrations/006_toast_compression.sql. Existing values keep their compression.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE fhir_resources ALTER COLUMN content SET COMPRESSION lz4;
  END IF;
END $$;
