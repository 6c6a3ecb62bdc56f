-- Stored input profiles (CSV column profiles, docs/formats/csv.md): one checked JSON body per
-- (format, name). An administrator writes them; senders name them with ?profile=.
CREATE TABLE IF NOT EXISTS format_profiles (
  format text NOT NULL,
  name text NOT NULL,
  body jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text,
  PRIMARY KEY (format, name)
);
