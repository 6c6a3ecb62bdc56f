-- CPU at ingest and linkage (issue "one pipeline", a faster path): PostgreSQL compresses every value
-- over ~2 kB before storing it out of line (TOAST). With the default pglz that was a large part of
-- PostgreSQL's CPU per record: each record's resources (~5.5 kB of JSON) and payload are compressed
-- at INSERT and decompressed when the worker reads them. lz4 (PostgreSQL 14+, built into Debian's
-- packages) compresses about as well here at a fraction of the CPU. Sealed payloads and raw chunks
-- (AES-256-GCM output, docs/data-at-rest.md) cannot be compressed at all: they are stored out of line
-- without trying (STORAGE EXTERNAL; with DATA_ENCRYPTION=off raw chunks are then stored as they came:
-- gzip uploads stay gzip). Existing values keep their compression; new ones use lz4.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE records ALTER COLUMN resources SET COMPRESSION lz4;
    ALTER TABLE records ALTER COLUMN payload SET COMPRESSION lz4;
    ALTER TABLE records ALTER COLUMN issues SET COMPRESSION lz4;
  END IF;
END $$;
ALTER TABLE records ALTER COLUMN payload_sealed SET STORAGE EXTERNAL;
ALTER TABLE submission_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
-- An index of an earlier draft of 005_record_kind.sql: it made every status change an index update.
DROP INDEX IF EXISTS records_received_kind;
