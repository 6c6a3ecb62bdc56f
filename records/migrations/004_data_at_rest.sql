-- Encryption at rest (docs/data-at-rest.md). A migration cannot encrypt (the keys live in the
-- environment, never in the database), so nothing is rewritten here and every step is metadata-only:
--  * records.payload_sealed holds the parsed source sealed with AES-256-GCM (db/encryption.ts);
--    records.payload (json) stays for rows written before this migration or with DATA_ENCRYPTION=off.
--    Exactly one of the two is set. `npm run data -- rekey` seals the old plaintext rows.
--  * submission_chunks.sealed says whether data is sealed (old rows: false, readable as they are).
ALTER TABLE records ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE records ADD COLUMN IF NOT EXISTS payload_sealed bytea;
-- NOT VALID: checked for every new row without scanning the existing ones (they all have payload).
ALTER TABLE records ADD CONSTRAINT records_payload_once CHECK ((payload IS NULL) <> (payload_sealed IS NULL)) NOT VALID;
ALTER TABLE submission_chunks ADD COLUMN IF NOT EXISTS sealed boolean NOT NULL DEFAULT false;

-- Raw-submission retention: after RAW_RETENTION_DAYS the raw bytes move to an archive file
-- (RAW_ARCHIVE_DIR/<archive_file>, with a .sha256 beside it) and leave submission_chunks; the
-- submission row and its records stay.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS archived_at timestamptz;
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS archive_file text;
-- The retention run looks for old submissions whose raw bytes are still in the database.
CREATE INDEX IF NOT EXISTS submissions_unarchived ON submissions (received_at) WHERE archived_at IS NULL;
