-- What the person index learns from an accepted record (identity/learning.ts), applied by the
-- linkage worker when it links the record: the worker is the index's one writer, so concurrent
-- submissions only read it and never lock each other out (docs/identity.md, Concurrency).
ALTER TABLE records ADD COLUMN IF NOT EXISTS learn jsonb;
