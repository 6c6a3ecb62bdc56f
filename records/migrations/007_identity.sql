-- The identity stage's outcome on each record (docs/identity.md):
--  * person_id: the Patient the record belongs to (identity/person-index), null when undecided;
--  * facts / facts_sealed: the mapped facts of a record that may be corrected and re-run (held,
--    unverified, rejected), sealed like the payload (exactly one set, or neither);
--  * review: the candidates and reason of a held record (the review queue, GET /api/review);
--  * area_*: the person's area of residence as sent (GSO codes), for lists and statistics per area;
--  * verify_after: when an unverified record (registry unavailable) is checked again.
ALTER TABLE records ADD COLUMN IF NOT EXISTS person_id uuid;
ALTER TABLE records ADD COLUMN IF NOT EXISTS facts json;
ALTER TABLE records ADD COLUMN IF NOT EXISTS facts_sealed bytea;
ALTER TABLE records ADD COLUMN IF NOT EXISTS review jsonb;
ALTER TABLE records ADD COLUMN IF NOT EXISTS area_province text;
ALTER TABLE records ADD COLUMN IF NOT EXISTS area_district text;
ALTER TABLE records ADD COLUMN IF NOT EXISTS area_commune text;
ALTER TABLE records ADD COLUMN IF NOT EXISTS verify_after timestamptz;
CREATE INDEX IF NOT EXISTS records_person ON records (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_review ON records (facility, id) WHERE status IN ('held', 'unverified', 'rejected');
CREATE INDEX IF NOT EXISTS records_unverified ON records (verify_after) WHERE status = 'unverified';

-- Every decision an administrator (or the cleaning round trip) takes on a record: who, when, what changed.
CREATE TABLE IF NOT EXISTS record_decisions (
  id bigserial PRIMARY KEY,
  record_id bigint NOT NULL REFERENCES records (id),
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS record_decisions_record ON record_decisions (record_id, id);
