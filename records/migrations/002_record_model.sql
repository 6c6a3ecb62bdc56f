-- Statuses come from records/model.ts (RECORD_STATUSES), synced into this table at start, so
-- adding a status is a change in one place; the foreign key keeps the database honest.
CREATE TABLE IF NOT EXISTS record_statuses (status text PRIMARY KEY);
INSERT INTO record_statuses (status) VALUES ('accepted'), ('linked'), ('rejected'), ('failed') ON CONFLICT DO NOTHING;
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_status_check;
ALTER TABLE records ADD CONSTRAINT records_status_known FOREIGN KEY (status) REFERENCES record_statuses (status);

-- Other people a record describes (a delivery episode's births, QĐ 130 XML9), kept for the identity stage.
ALTER TABLE records ADD COLUMN IF NOT EXISTS related jsonb NOT NULL DEFAULT '{}';

-- Raw bytes are stored as they arrived (gzip stays gzip); stored_bytes counts raw + parsed rows for the facility quota.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS content_encoding text NOT NULL DEFAULT 'identity';
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS stored_bytes bigint NOT NULL DEFAULT 0;
