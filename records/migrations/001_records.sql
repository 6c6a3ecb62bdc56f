-- Idempotent: a database created before the schema was split by owner (001_core.sql) upgrades cleanly.
-- Submissions as received: the raw bytes are kept (in chunks) so nothing accepted is ever lost.
CREATE TABLE IF NOT EXISTS submissions (
  id            uuid PRIMARY KEY,
  format        text NOT NULL,                 -- 'qd130'
  facility      text,                          -- THONGTINDONVI/MACSKCB
  client_id     text,                          -- API key id that sent it
  content_type  text,
  byte_size     bigint NOT NULL DEFAULT 0,
  sha256        text,
  record_count  integer NOT NULL DEFAULT 0,
  header        jsonb NOT NULL DEFAULT '{}',
  received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS submissions_facility_received ON submissions (facility, received_at);

CREATE TABLE IF NOT EXISTS submission_chunks (
  submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  seq           integer NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (submission_id, seq)
);

-- One row per record (episode) that entered: accepted (pending linkage), linked, rejected, failed.
CREATE TABLE IF NOT EXISTS records (
  id            bigserial PRIMARY KEY,
  submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  seq           integer NOT NULL,
  facility      text NOT NULL,
  record_key    text NOT NULL,                 -- MA_LK
  status        text NOT NULL CHECK (status IN ('accepted', 'linked', 'rejected', 'failed')),
  category      text,                          -- first issue's category when rejected
  issues        jsonb NOT NULL DEFAULT '[]',
  unmapped      jsonb NOT NULL DEFAULT '[]',
  payload       jsonb NOT NULL,                -- every table of the episode, parsed
  resources     jsonb,                         -- mapped FHIR resources (accepted records only)
  received_at   timestamptz NOT NULL DEFAULT now(),
  queued_at     timestamptz,
  job_id        text,
  attempts      integer NOT NULL DEFAULT 0,
  linked_at     timestamptz,
  last_error    jsonb,                         -- the EHR's OperationOutcome (or transport error) when failed
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (submission_id, seq)
);
CREATE INDEX IF NOT EXISTS records_episode ON records (facility, record_key, id);
CREATE INDEX IF NOT EXISTS records_received ON records (received_at, facility);
CREATE INDEX IF NOT EXISTS records_open ON records (status, queued_at) WHERE status IN ('accepted', 'failed');

-- What was last linked for each episode (MA_CSKCB, MA_LK). Maintained by the worker under a
-- per-episode advisory lock, so resubmission replaces the episode and never duplicates it.
CREATE TABLE IF NOT EXISTS episodes (
  facility          text NOT NULL,
  record_key        text NOT NULL,
  linked_record_id  bigint NOT NULL,
  linked_refs       jsonb NOT NULL DEFAULT '[]', -- "Type/id" last pushed, to DELETE what a resubmission dropped
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (facility, record_key)
);
