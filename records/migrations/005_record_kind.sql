-- What a record is about (encounter · immunization · person), how many vaccine doses it carries, and
-- its warnings (accepted but counted for review, e.g. an unknown vaccine code): the statistics count
-- encounters and vaccinations apart (Huế report Bảng 2 and Bảng 3) and by source format.
ALTER TABLE records ADD COLUMN IF NOT EXISTS kind text;
ALTER TABLE records ADD COLUMN IF NOT EXISTS doses integer NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN IF NOT EXISTS warnings jsonb NOT NULL DEFAULT '[]';

-- Rows from before this migration: claim XML is always an encounter without doses (decided from the
-- submission alone: its resources are never read back, so the backfill stays cheap on a large table);
-- otherwise what was linked says it. The UPDATE rewrites every row once, inside the migration's
-- transaction: on a database with millions of records, run the upgrade with the gateway stopped and
-- VACUUM records afterwards.
UPDATE records r
   SET kind = CASE
         WHEN s.format = 'qd130' THEN 'encounter'
         WHEN json_typeof(r.resources) = 'array' AND r.resources::jsonb @> '[{"resourceType": "Encounter"}]' THEN 'encounter'
         WHEN json_typeof(r.resources) = 'array' AND r.resources::jsonb @> '[{"resourceType": "Immunization"}]' THEN 'immunization'
         ELSE 'person' END,
       doses = CASE WHEN s.format = 'qd130' THEN 0
                    WHEN json_typeof(r.resources) = 'array'
                    THEN (SELECT count(*) FROM json_array_elements(r.resources) e WHERE e->>'resourceType' = 'Immunization')
                    ELSE 0 END
  FROM submissions s
 WHERE s.id = r.submission_id AND r.kind IS NULL;
ALTER TABLE records ALTER COLUMN kind SET DEFAULT 'encounter';
ALTER TABLE records ALTER COLUMN kind SET NOT NULL;

