-- The population registry table (VERIFICATION=registry, docs/registry.md): the people of a roster
-- extract from the national population database (CSDL quốc gia về dân cư, Luật Căn cước 2023,
-- Law 26/2023/QH15), loaded by `npm run registry -- import FILE.csv`. One row per current personal
-- ID number; numbers cancelled and re-issued (NĐ 70/2024) stay findable through previous_ids.
-- Idempotent, as the other owners' migrations are.
CREATE TABLE IF NOT EXISTS population_registry (
  cccd          text PRIMARY KEY CHECK (cccd ~ '^[0-9]{12}$'),
  full_name     text NOT NULL,
  name_key      text NOT NULL,
  birth_date    text NOT NULL CHECK (birth_date ~ '^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$'),
  gender        text NOT NULL CHECK (gender IN ('male', 'female', 'unknown')),
  province      text,
  commune       text,
  previous_ids  text[] NOT NULL DEFAULT '{}',
  source        text,
  loaded_at     timestamptz NOT NULL DEFAULT now()
);

-- A query with a cancelled number finds the row of the current one (`previous_ids && $1`).
CREATE INDEX IF NOT EXISTS population_registry_previous_ids ON population_registry USING gin (previous_ids);

COMMENT ON TABLE population_registry IS
  'Roster extract of the national population database (CSDL quốc gia về dân cư, Luật Căn cước 2023 / Law 26/2023/QH15): one row per current personal ID number, loaded by npm run registry -- import; read by identity/registry/registry-table.ts';
COMMENT ON COLUMN population_registry.cccd IS
  'Current 12-digit personal ID number (số định danh cá nhân / CCCD, roster column SO_CCCD)';
COMMENT ON COLUMN population_registry.full_name IS
  'Full name as the roster spells it (HO_TEN), NFC';
COMMENT ON COLUMN population_registry.name_key IS
  'ASCII upper-case fold of full_name (identity/names.ts foldName): no diacritics, đ→D, single spaces';
COMMENT ON COLUMN population_registry.birth_date IS
  'Date of birth (NGAY_SINH) at the precision the roster has: yyyy, yyyy-mm or yyyy-mm-dd';
COMMENT ON COLUMN population_registry.gender IS
  'GIOI_TINH: male, female or unknown';
COMMENT ON COLUMN population_registry.province IS
  'Province of residence (MA_TINH), GSO 2-digit code as the roster extract has it';
COMMENT ON COLUMN population_registry.commune IS
  'Commune of residence (MA_XA), GSO 5-digit code; commune codes changed with the 2025 two-level reform, so verification never compares them alone';
COMMENT ON COLUMN population_registry.previous_ids IS
  'Personal ID numbers this person held before, cancelled and re-issued (NĐ 70/2024; SO_CCCD_CU), oldest first';
COMMENT ON COLUMN population_registry.source IS
  'Which roster extract loaded the row (--source, default the file name)';
COMMENT ON COLUMN population_registry.loaded_at IS
  'When the row was last loaded or refreshed from a roster';
