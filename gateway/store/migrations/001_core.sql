-- Submissions as received: the raw bytes are kept (in chunks) so nothing accepted is ever lost.
CREATE TABLE submissions (
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
CREATE INDEX submissions_facility_received ON submissions (facility, received_at);

CREATE TABLE submission_chunks (
  submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  seq           integer NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (submission_id, seq)
);

-- One row per record (episode) that entered: accepted (pending linkage), linked, rejected, failed.
CREATE TABLE records (
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
CREATE INDEX records_episode ON records (facility, record_key, id);
CREATE INDEX records_received ON records (received_at, facility);
CREATE INDEX records_open ON records (status, queued_at) WHERE status IN ('accepted', 'failed');

-- What was last linked for each episode (MA_CSKCB, MA_LK). Maintained by the worker under a
-- per-episode advisory lock, so resubmission replaces the episode and never duplicates it.
CREATE TABLE episodes (
  facility          text NOT NULL,
  record_key        text NOT NULL,
  linked_record_id  bigint NOT NULL,
  linked_refs       jsonb NOT NULL DEFAULT '[]', -- "Type/id" last pushed, to DELETE what a resubmission dropped
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (facility, record_key)
);

-- The built-in FHIR R4 store (EHR) served at /fhir.
CREATE TABLE fhir_resources (
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
CREATE INDEX fhir_resources_tokens ON fhir_resources USING gin (tokens);
