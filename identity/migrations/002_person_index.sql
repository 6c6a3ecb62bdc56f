-- The person index (docs/identity.md): who each Patient is, by every identifier it was known by,
-- and what each source said about them. The Patient resource the EHR receives is computed from
-- these rows (identity/shared-patient.ts), so no single facility overwrites another.

-- One row per person = one Patient id in the EHR. A merged person (a temporary infant re-keyed to
-- its own CCCD, a wrong CCCD corrected) keeps its row and points to the person it became.
CREATE TABLE IF NOT EXISTS persons (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('citizen', 'infant', 'foreigner', 'matched')),
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'merged')),
  merged_into uuid REFERENCES persons (id),
  -- Infants registered under the mother's ID: the mother's person.
  mother_id uuid REFERENCES persons (id),
  -- The registry confirmed these details (name, birthDate, gender, province, commune); they win.
  verified jsonb,
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS persons_mother ON persons (mother_id) WHERE mother_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS persons_merged_into ON persons (merged_into) WHERE merged_into IS NOT NULL;

-- Every identifier a person was known by, with its period. The primary key means a number is
-- never given to someone else: a cancelled and re-issued CCCD stays with its person as `previous`.
-- Systems: cccd, cmnd, passport, bhyt (card number), bhxh (its last 10 digits, the social-insurance
-- number), temporary (an infant's number before its CCCD), patient-number/<MA_CSKCB>.
CREATE TABLE IF NOT EXISTS person_identifiers (
  system text NOT NULL,
  value text NOT NULL,
  person_id uuid NOT NULL REFERENCES persons (id),
  state text NOT NULL DEFAULT 'current' CHECK (state IN ('current', 'previous')),
  period_start date,
  period_end date,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system, value)
);
CREATE INDEX IF NOT EXISTS person_identifiers_person ON person_identifiers (person_id);

-- Each source's latest view of the person (the Patient its last record described), per facility and format.
CREATE TABLE IF NOT EXISTS person_sources (
  person_id uuid NOT NULL REFERENCES persons (id),
  facility text NOT NULL,
  format text NOT NULL,
  record_id bigint,
  observed_at timestamptz NOT NULL,
  view jsonb NOT NULL,
  PRIMARY KEY (person_id, facility, format)
);

-- What the index knows to find a person without an identifier: folded name, birth date, sex,
-- commune (blocking keys for matching; recomputed with the shared Patient).
CREATE TABLE IF NOT EXISTS person_demographics (
  person_id uuid PRIMARY KEY REFERENCES persons (id),
  name_key text,
  birth_date text,
  gender text,
  commune text
);
CREATE INDEX IF NOT EXISTS person_demographics_name ON person_demographics (name_key, birth_date);
CREATE INDEX IF NOT EXISTS person_demographics_birth ON person_demographics (birth_date, commune);

-- Identity operations (re-key, move, merge): one row each, shown on the Patients as Provenance.
CREATE TABLE IF NOT EXISTS identity_events (
  id uuid PRIMARY KEY,
  action text NOT NULL CHECK (action IN ('rekey', 'merge', 'move')),
  from_person uuid NOT NULL REFERENCES persons (id),
  to_person uuid NOT NULL REFERENCES persons (id),
  actor text NOT NULL,
  reason text,
  records integer NOT NULL DEFAULT 0,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS identity_events_to ON identity_events (to_person);
CREATE INDEX IF NOT EXISTS identity_events_from ON identity_events (from_person);
