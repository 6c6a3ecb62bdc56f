-- Statistics counters, maintained incrementally (docs/reporting.md).
--
-- Every change to `records` (insert, status change, delete) is captured by statement-level
-- triggers as signed, pre-grouped deltas in `stats_deltas` (append-only: concurrent writers never
-- wait on one another). A single folder (stats_fold, under an advisory lock) moves deltas into the
-- daily and monthly tables. Queries read the tables plus the deltas not folded yet in one snapshot,
-- so an answer is exact the moment a record is committed.

-- What the reports need of a record beyond its status: the date of service (NGAY_VAO, or the first
-- dose's date), the visit type (MA_LOAI_KCB) and whether a BHYT card paid (QĐ 2733 Đ8 table).
ALTER TABLE records ADD COLUMN IF NOT EXISTS service_date date;
ALTER TABLE records ADD COLUMN IF NOT EXISTS visit_type text;
ALTER TABLE records ADD COLUMN IF NOT EXISTS insured boolean;

-- The calendar day in Vietnam (UTC+7, no daylight saving).
CREATE OR REPLACE FUNCTION vn_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((t AT TIME ZONE 'UTC') + interval '7 hours')::date $$;

CREATE TABLE IF NOT EXISTS stats_deltas (
  id           bigserial PRIMARY KEY,
  arrival_day  date NOT NULL,
  service_day  date NOT NULL,                -- the service date, or the arrival day when the record has none
  facility     text NOT NULL,
  kind         text NOT NULL,
  format       text NOT NULL,
  status       text NOT NULL,
  category     text NOT NULL DEFAULT '',     -- rejected: its category; failed: LINK_FAILED; held: its reason
  warning      text NOT NULL DEFAULT '',     -- '' counts records; a code counts that warning
  visit_type   text NOT NULL DEFAULT '',
  insured      boolean NOT NULL DEFAULT false,
  latency_le   real,                         -- set: one linkage-latency observation bucket (seconds) instead of a count
  n            integer NOT NULL,
  doses        integer NOT NULL DEFAULT 0
);

-- basis 'a' counts by arrival day, 's' by date of service.
CREATE TABLE IF NOT EXISTS stats_daily (
  basis     "char" NOT NULL CHECK (basis IN ('a', 's')),
  day       date NOT NULL,
  facility  text NOT NULL,
  kind      text NOT NULL,
  format    text NOT NULL,
  status    text NOT NULL,
  category  text NOT NULL,
  warning   text NOT NULL,
  n         bigint NOT NULL,
  doses     bigint NOT NULL,
  PRIMARY KEY (basis, day, facility, kind, format, status, category, warning)
);
CREATE TABLE IF NOT EXISTS stats_monthly (
  basis     "char" NOT NULL CHECK (basis IN ('a', 's')),
  month     date NOT NULL,                   -- the first day of the month
  facility  text NOT NULL,
  kind      text NOT NULL,
  format    text NOT NULL,
  status    text NOT NULL,
  category  text NOT NULL,
  warning   text NOT NULL,
  n         bigint NOT NULL,
  doses     bigint NOT NULL,
  PRIMARY KEY (basis, month, facility, kind, format, status, category, warning)
);
-- Encounters by month of service, visit type and BHYT (QĐ 2733/QĐ-BYT Đ8, six-monthly).
CREATE TABLE IF NOT EXISTS stats_visits_monthly (
  month       date NOT NULL,
  facility    text NOT NULL,
  visit_type  text NOT NULL,
  insured     boolean NOT NULL,
  status      text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (month, facility, visit_type, insured, status)
);
-- Arrival → linked, per bucket (upper bound in seconds), for the /metrics histogram.
CREATE TABLE IF NOT EXISTS stats_link_latency (
  le  real PRIMARY KEY,
  n   bigint NOT NULL
);

-- The latency bucket of a linkage: the smallest bound at least `seconds`.
CREATE OR REPLACE FUNCTION stats_latency_bucket(seconds double precision) RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce((SELECT b FROM unnest(ARRAY[0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400]::real[]) b WHERE seconds <= b ORDER BY b LIMIT 1), 'Infinity'::real) $$;

-- Turn signed record rows (a relation named `moved` with a `sign` column and the records columns)
-- into grouped deltas. Shared by the three triggers through EXECUTE, which sees transition tables.
CREATE OR REPLACE FUNCTION stats_capture_sql(source text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
  WITH moved AS (%s),
  counted AS (
    SELECT m.sign, vn_day(m.received_at) AS arrival_day, coalesce(m.service_date, vn_day(m.received_at)) AS service_day,
           m.facility, m.kind, s.format, m.status,
           CASE m.status WHEN 'failed' THEN 'LINK_FAILED' WHEN 'rejected' THEN coalesce(m.category, 'SCHEMA')
                         WHEN 'held' THEN coalesce(m.category, '') ELSE '' END AS category,
           coalesce(m.visit_type, '') AS visit_type, coalesce(m.insured, false) AS insured, m.doses, m.warnings
      FROM moved m JOIN submissions s ON s.id = m.submission_id)
  INSERT INTO stats_deltas (arrival_day, service_day, facility, kind, format, status, category, warning, visit_type, insured, n, doses)
  SELECT arrival_day, service_day, facility, kind, format, status, category, warning, visit_type, insured, sum(sign), sum(sign * doses)
    FROM (SELECT c.*, '' AS warning FROM counted c
          UNION ALL
          SELECT c.*, w->>'code' FROM counted c, jsonb_array_elements(c.warnings) w WHERE c.warnings <> '[]'::jsonb) x
   GROUP BY arrival_day, service_day, facility, kind, format, status, category, warning, visit_type, insured
  HAVING sum(sign) <> 0 OR sum(sign * doses) <> 0
$q$, source) $f$;

CREATE OR REPLACE FUNCTION stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE stats_capture_sql('SELECT 1 AS sign, * FROM stats_new_rows');
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE stats_capture_sql('SELECT -1 AS sign, * FROM stats_old_rows');
  ELSE
    EXECUTE stats_capture_sql('SELECT -1 AS sign, * FROM stats_old_rows UNION ALL SELECT 1, * FROM stats_new_rows');
    -- Records that became linked in this statement: one latency observation each.
    INSERT INTO stats_deltas (arrival_day, service_day, facility, kind, format, status, latency_le, n)
    SELECT vn_day(now()), vn_day(now()), '', '', '', 'linked', b, count(*)::int
      FROM (SELECT stats_latency_bucket(extract(epoch FROM (coalesce(n.linked_at, now()) - n.received_at))) AS b
              FROM stats_new_rows n JOIN stats_old_rows o ON o.id = n.id
             WHERE n.status = 'linked' AND o.status <> 'linked') l
     GROUP BY b;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS records_stats_insert ON records;
DROP TRIGGER IF EXISTS records_stats_update ON records;
DROP TRIGGER IF EXISTS records_stats_delete ON records;
CREATE TRIGGER records_stats_insert AFTER INSERT ON records REFERENCING NEW TABLE AS stats_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_capture();
CREATE TRIGGER records_stats_update AFTER UPDATE ON records REFERENCING OLD TABLE AS stats_old_rows NEW TABLE AS stats_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_capture();
CREATE TRIGGER records_stats_delete AFTER DELETE ON records REFERENCING OLD TABLE AS stats_old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_capture();

-- Move up to `max_rows` deltas into the tables; one folder at a time (others return -1 at once).
CREATE OR REPLACE FUNCTION stats_fold(max_rows integer DEFAULT 50000) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(71304750, 11) THEN RETURN -1; END IF;
  CREATE TEMP TABLE IF NOT EXISTS stats_fold_batch (LIKE stats_deltas) ON COMMIT DELETE ROWS;
  WITH d AS (DELETE FROM stats_deltas WHERE id IN (SELECT id FROM stats_deltas ORDER BY id LIMIT max_rows) RETURNING *)
  INSERT INTO stats_fold_batch SELECT * FROM d;
  GET DIAGNOSTICS folded = ROW_COUNT;
  IF folded = 0 THEN RETURN 0; END IF;

  INSERT INTO stats_daily AS t (basis, day, facility, kind, format, status, category, warning, n, doses)
  SELECT basis, day, facility, kind, format, status, category, warning, sum(n), sum(doses)
    FROM (SELECT 'a'::"char" AS basis, arrival_day AS day, * FROM stats_fold_batch WHERE latency_le IS NULL
          UNION ALL SELECT 's'::"char", service_day, * FROM stats_fold_batch WHERE latency_le IS NULL) b
   GROUP BY basis, day, facility, kind, format, status, category, warning
  ON CONFLICT (basis, day, facility, kind, format, status, category, warning) DO UPDATE SET n = t.n + EXCLUDED.n, doses = t.doses + EXCLUDED.doses;

  INSERT INTO stats_monthly AS t (basis, month, facility, kind, format, status, category, warning, n, doses)
  SELECT basis, date_trunc('month', day)::date, facility, kind, format, status, category, warning, sum(n), sum(doses)
    FROM (SELECT 'a'::"char" AS basis, arrival_day AS day, * FROM stats_fold_batch WHERE latency_le IS NULL
          UNION ALL SELECT 's'::"char", service_day, * FROM stats_fold_batch WHERE latency_le IS NULL) b
   GROUP BY basis, date_trunc('month', day)::date, facility, kind, format, status, category, warning
  ON CONFLICT (basis, month, facility, kind, format, status, category, warning) DO UPDATE SET n = t.n + EXCLUDED.n, doses = t.doses + EXCLUDED.doses;

  INSERT INTO stats_visits_monthly AS t (month, facility, visit_type, insured, status, n)
  SELECT date_trunc('month', service_day)::date, facility, visit_type, insured, status, sum(n)
    FROM stats_fold_batch WHERE latency_le IS NULL AND warning = '' AND kind = 'encounter'
   GROUP BY date_trunc('month', service_day)::date, facility, visit_type, insured, status
  ON CONFLICT (month, facility, visit_type, insured, status) DO UPDATE SET n = t.n + EXCLUDED.n;

  INSERT INTO stats_link_latency AS t (le, n)
  SELECT latency_le, sum(n) FROM stats_fold_batch WHERE latency_le IS NOT NULL GROUP BY latency_le
  ON CONFLICT (le) DO UPDATE SET n = t.n + EXCLUDED.n;
  RETURN folded;
END $$;

-- Records that were here before the counters: counted once, through the same deltas.
INSERT INTO stats_deltas (arrival_day, service_day, facility, kind, format, status, category, warning, visit_type, insured, n, doses)
SELECT vn_day(r.received_at), vn_day(r.received_at), r.facility, r.kind, s.format, r.status,
       CASE r.status WHEN 'failed' THEN 'LINK_FAILED' WHEN 'rejected' THEN coalesce(r.category, 'SCHEMA')
                     WHEN 'held' THEN coalesce(r.category, '') ELSE '' END,
       '', '', false, count(*), sum(r.doses)
  FROM records r JOIN submissions s ON s.id = r.submission_id
 GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- Error review (GET /api/errors) pages through the records that need attention, newest first.
CREATE INDEX IF NOT EXISTS records_needing_attention ON records (received_at DESC, id DESC) WHERE status IN ('rejected', 'failed', 'held');
