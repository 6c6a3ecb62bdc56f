-- Audit retention (docs/audit-retention.md): audit_events becomes a table partitioned by calendar
-- month in Vietnam time (UTC+7, no daylight saving), so a month past AUDIT_RETENTION_MONTHS can be
-- archived to a file and its partition dropped, while rows are never updated or deleted one by one.
--
-- The existing table is renamed, a partitioned parent with the same columns is created (its primary
-- key must include the partition key: (id, at)), one partition per month that holds rows plus the
-- current and next months, a DEFAULT partition as a safety net, and the rows are copied over in id
-- order. The id sequence is kept, so new ids continue after the old ones.
-- Later `ALTER TABLE audit_events ADD COLUMN …` reaches every partition (PostgreSQL propagates it).

-- A month is named by its first day (a date); it starts at local midnight, UTC+7.
CREATE OR REPLACE FUNCTION audit_month_of(t timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_trunc('month', t AT TIME ZONE INTERVAL '+07:00')::date $$;
CREATE OR REPLACE FUNCTION audit_month_start(month date) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_trunc('month', month)::timestamp AT TIME ZONE INTERVAL '+07:00' $$;
CREATE OR REPLACE FUNCTION audit_partition_name(month date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 'audit_events_' || to_char(month, 'YYYY_MM') $$;

-- One message for the parent, every partition and the archive manifest.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
    USING HINT = 'old months leave only as a whole partition, archived by npm run audit -- archive';
END $$;

-- A statement trigger on a partitioned table does not fire for statements on a partition itself
-- (TRUNCATE audit_events_2026_01 would pass), so every partition gets its own.
CREATE OR REPLACE FUNCTION audit_events_protect(part regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = part AND tgname = 'audit_events_no_update') THEN
    EXECUTE format('CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()', part);
  END IF;
END $$;

-- The partition of one month (created when missing); returns its name.
CREATE OR REPLACE FUNCTION audit_events_create_partition(month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', month)::date;
  part text := audit_partition_name(m);
BEGIN
  IF to_regclass(part) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                   part, audit_month_start(m), audit_month_start((m + INTERVAL '1 month')::date));
  END IF;
  PERFORM audit_events_protect(part::regclass);
  RETURN part;
END $$;

-- Rows that landed in the DEFAULT partition (no partition for their month yet) move to their
-- month's partition, ids unchanged. PostgreSQL cannot create a partition whose range has rows in
-- the DEFAULT partition, so the DEFAULT partition is detached, the partitions are created, a new
-- empty DEFAULT is attached and the rows are inserted again; the old DEFAULT table is then dropped.
CREATE OR REPLACE FUNCTION audit_events_drain_default() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  has_rows boolean;
  m date;
  cols text;
  moved bigint;
BEGIN
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM audit_events_default)' INTO has_rows;
  IF NOT has_rows THEN RETURN 0; END IF;
  ALTER TABLE audit_events DETACH PARTITION audit_events_default;
  ALTER TABLE audit_events_default RENAME TO audit_events_default_draining;
  FOR m IN EXECUTE 'SELECT DISTINCT audit_month_of(at) FROM audit_events_default_draining' LOOP
    PERFORM audit_events_create_partition(m);
  END LOOP;
  CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
  PERFORM audit_events_protect('audit_events_default'::regclass);
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'audit_events'::regclass AND attnum > 0 AND NOT attisdropped;
  EXECUTE format('INSERT INTO audit_events (%s) SELECT %s FROM audit_events_default_draining ORDER BY id', cols, cols);
  GET DIAGNOSTICS moved = ROW_COUNT;
  DROP TABLE audit_events_default_draining;
  RETURN moved;
END $$;

-- Maintenance entry point (gateway start, npm run audit -- ensure-partitions): empty the DEFAULT
-- partition, create the partitions of the month of `as_of` and `months_ahead` further ones, and make
-- sure every partition refuses UPDATE/DELETE/TRUNCATE. Returns the partitions it created.
CREATE OR REPLACE FUNCTION audit_events_ensure_partitions(months_ahead integer DEFAULT 2, as_of timestamptz DEFAULT now())
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  created text[] := '{}';
  before text[];
  part regclass;
  i integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('audit_events partitions'));
  SELECT coalesce(array_agg(inhrelid::regclass::text), '{}') INTO before FROM pg_inherits WHERE inhparent = 'audit_events'::regclass;
  PERFORM audit_events_drain_default();
  FOR i IN 0 .. greatest(months_ahead, 0) LOOP
    PERFORM audit_events_create_partition((audit_month_of(as_of) + make_interval(months => i))::date);
  END LOOP;
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'audit_events'::regclass LOOP
    PERFORM audit_events_protect(part);
    IF NOT part::text = ANY (before) THEN created := created || part::text; END IF;
  END LOOP;
  RETURN created;
END $$;

-- The conversion.
ALTER TABLE audit_events RENAME TO audit_events_unpartitioned;
ALTER TABLE audit_events_unpartitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_unpartitioned_pkey;
ALTER SEQUENCE audit_events_id_seq OWNED BY NONE;  -- kept when the old table is dropped

-- LIKE copies every column (with defaults, NOT NULL, checks and comments), so a column added to
-- the old table by any earlier migration is kept.
CREATE TABLE audit_events (LIKE audit_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
  PARTITION BY RANGE (at);
ALTER TABLE audit_events ADD PRIMARY KEY (id, at);
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;

CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
SELECT audit_events_create_partition(m) FROM (SELECT DISTINCT audit_month_of(at) AS m FROM audit_events_unpartitioned) months;
INSERT INTO audit_events SELECT * FROM audit_events_unpartitioned ORDER BY id;

-- Every index of the old table but its primary key is created again on the parent (which creates
-- it on each partition), under the same name: 001's three, and any a later migration added first.
DO $$
DECLARE
  old_rows bigint;
  new_rows bigint;
  defs text[];
  def text;
BEGIN
  SELECT count(*) INTO old_rows FROM audit_events_unpartitioned;
  SELECT count(*) INTO new_rows FROM audit_events;
  IF old_rows <> new_rows THEN RAISE EXCEPTION 'audit_events conversion copied % of % rows', new_rows, old_rows; END IF;
  SELECT coalesce(array_agg(pg_get_indexdef(indexrelid)), '{}') INTO defs
    FROM pg_index WHERE indrelid = 'audit_events_unpartitioned'::regclass AND NOT indisprimary;
  DROP TABLE audit_events_unpartitioned;
  FOREACH def IN ARRAY defs LOOP
    EXECUTE regexp_replace(def, ' ON (ONLY )?(\S+\.)?audit_events_unpartitioned ', ' ON audit_events ');
  END LOOP;
END $$;
CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS audit_events_key ON audit_events (key_id, at);
CREATE INDEX IF NOT EXISTS audit_events_patient ON audit_events (patient, at) WHERE patient IS NOT NULL;

-- Append-only on the parent (statement) and on every row of every partition, present or future
-- (a row trigger on a partitioned table is cloned onto each partition); the statement trigger on
-- each partition is added by audit_events_protect.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_row_change BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
SELECT audit_events_ensure_partitions(2);

-- Manifest of archived months: one row per file written by `npm run audit -- archive`.
CREATE TABLE IF NOT EXISTS audit_archives (
  id          bigserial PRIMARY KEY,
  month       date NOT NULL,                  -- first day of the Vietnam calendar month archived
  partition   text NOT NULL,                  -- the dropped partition, e.g. audit_events_2025_11
  file        text NOT NULL,                  -- absolute path of the .jsonl.gz written
  rows        bigint NOT NULL,
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),  -- of the file's bytes (as in the .sha256 file)
  first_id    bigint,
  last_id     bigint,
  archived_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_archives_month ON audit_archives (month);
DROP TRIGGER IF EXISTS audit_archives_no_update ON audit_archives;
CREATE TRIGGER audit_archives_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_archives
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
