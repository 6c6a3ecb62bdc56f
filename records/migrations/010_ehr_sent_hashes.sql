-- What the linkage worker last sent to each EHR, per resource: a SHA-256 of the resource's content
-- without `meta` (the server owns meta: http://hl7.org/fhir/R4/resource.html#Meta). A PUT whose
-- hash equals the stored one for that EHR is left out of the next transaction Bundle: the server
-- already holds exactly that content (docs/linkage-external-ehr.md). Written only after the EHR
-- accepted the Bundle, in the same database transaction that marks the records linked; a DELETE
-- removes the row. Deleting the rows of an EHR (e.g. after it was restored from a backup) makes
-- the worker send everything again.
CREATE TABLE IF NOT EXISTS ehr_sent_hashes (
  ehr         text NOT NULL,        -- the EHR's base URL (no trailing slash), or the built-in store's name
  ref         text NOT NULL,        -- "Type/id"
  hash        text NOT NULL,        -- hex SHA-256 of the canonical JSON without meta
  sent_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ehr, ref)
);
