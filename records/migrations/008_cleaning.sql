-- The cleaning round trip ("làm sạch", docs/cleaning.md): every step on every record, so the monthly
-- report shows how many records were listed for the commune police, confirmed, corrected, not found,
-- and linked after cleaning, per area (the resident's commune/district/province as sent) and facility.
CREATE TABLE IF NOT EXISTS cleaning_events (
  id bigserial PRIMARY KEY,
  record_id bigint NOT NULL REFERENCES records (id),
  step text NOT NULL CHECK (step IN ('listed', 'confirmed', 'corrected', 'not_found', 'linked', 'still_held')),
  facility text NOT NULL,
  area_province text,
  area_district text,
  area_commune text,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cleaning_events_at ON cleaning_events (at, step);
CREATE INDEX IF NOT EXISTS cleaning_events_record ON cleaning_events (record_id);
