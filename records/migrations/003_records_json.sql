-- The parsed source (payload) and the mapped resources of a record are written once and read back
-- whole, never searched inside: `json` keeps the text as sent and costs PostgreSQL far less CPU to
-- store than `jsonb` (no conversion to the binary form). The FHIR store keeps jsonb: it is searched.
ALTER TABLE records ALTER COLUMN payload TYPE json USING payload::json;
ALTER TABLE records ALTER COLUMN resources TYPE json USING resources::json;
