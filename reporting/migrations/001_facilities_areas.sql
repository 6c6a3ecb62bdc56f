-- Facilities and administrative units, by date (docs/reporting.md).
--
-- Administrative units: GSO codes (province 2 digits, district 3, commune 5). Until 30/06/2025 the
-- three-level list of QĐ 124/2004/QĐ-TTg; from 01/07/2025 the two-level list of QĐ 19/2025/QĐ-TTg
-- (34 provinces, 3,321 communes, no district). A code can name different units before and after
-- the reform (15 was Yên Bái, is Lào Cai), so every unit carries its validity period.
CREATE TABLE IF NOT EXISTS admin_units (
  level       text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
  code        text NOT NULL CHECK (code ~ '^[0-9]{2,5}$'),
  name        text NOT NULL,
  parent      text,                          -- the province (or district, before the reform) it belongs to
  valid_from  date NOT NULL,
  valid_to    date,                          -- inclusive; NULL while still valid
  source      text,                          -- legal basis of the list it came from
  PRIMARY KEY (level, code, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

-- The facility register (MA_CSKCB). A facility that submits before it is registered still works;
-- reports show it as unregistered.
CREATE TABLE IF NOT EXISTS facilities (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z]{5}$'),
  name        text NOT NULL,
  level       text,                          -- tuyến / hạng: central, province, district, commune, private
  ownership   text CHECK (ownership IN ('public', 'private')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Where a facility is, by period: before the reform it sits in a (province, district, commune),
-- after it in a (province, commune). Statistics roll a day up by the row valid on that day.
CREATE TABLE IF NOT EXISTS facility_areas (
  facility    text NOT NULL REFERENCES facilities (code) ON DELETE CASCADE,
  valid_from  date NOT NULL,
  valid_to    date,                          -- inclusive; NULL while still valid
  province    text,
  district    text,
  commune     text,
  PRIMARY KEY (facility, valid_from),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

-- A facility whose code changed (a merger, NĐ 188/2025): records sent under the old code count
-- under the new one, so its statistics stay continuous. Chains are resolved on write (A→B, B→C
-- stores A→C), so one join finds the current code.
CREATE TABLE IF NOT EXISTS facility_successions (
  old_code    text PRIMARY KEY CHECK (old_code ~ '^[0-9A-Za-z]{5}$'),
  new_code    text NOT NULL CHECK (new_code ~ '^[0-9A-Za-z]{5}$'),
  effective   date NOT NULL,
  basis       text,                          -- the decision that merged or renamed it
  CHECK (old_code <> new_code)
);
CREATE INDEX IF NOT EXISTS facility_successions_new ON facility_successions (new_code);

-- The current code of a facility code (itself when it never changed).
CREATE OR REPLACE FUNCTION facility_now(code text) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce((SELECT new_code FROM facility_successions WHERE old_code = code), code) $$;
