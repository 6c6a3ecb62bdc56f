-- Lookups right after a roster import must not read the GIN index's pending list (it grows with
-- every inserted row and is scanned whole until vacuumed): without fastupdate each row goes into
-- the index at once. Most rows have no previous number, so the import barely slows down.
ALTER INDEX population_registry_previous_ids SET (fastupdate = off);
