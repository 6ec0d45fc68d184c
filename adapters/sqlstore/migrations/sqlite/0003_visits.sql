-- liudong schema version 3 for SQLite: visit records (package visit). Every table
-- carries area_code (the county code, the shard key) and it leads the primary key.
--   visits          the latest version of each visit; the primary key is the area scan
--                   order (child, start in microseconds UTC, ID), an index gives the
--                   per-worker order (visitor, start, ID), another the lookup by ID
--   visit_history   every earlier version, append-only (an amendment copies the
--                   version it supersedes here before replacing it in visits)
--   visit_evidence  one row per latest-version visit, attachment hash and kind: the
--                   hash's lookup key (a blind index with a Sealer), the kind, and the
--                   visit's child, visitor, start and version, for EvidenceUses
-- A visit's notes, place, coordinates, content, follow-up, failure reason, amendment
-- note and evidence are in the sealed column; the document holds the rest. children
-- gains an index on (area_code, village, id) for region lookups (visit.RegionIndexed).

CREATE TABLE IF NOT EXISTS visits (
	area_code  TEXT    NOT NULL,
	child_id   BLOB    NOT NULL,
	start_us   INTEGER NOT NULL,
	id         BLOB    NOT NULL,
	version    INTEGER NOT NULL,
	visitor_id BLOB    NOT NULL,
	township   TEXT    NOT NULL,
	village    TEXT    NOT NULL,
	mode       TEXT    NOT NULL,
	outcome    TEXT    NOT NULL,
	document   TEXT    NOT NULL,
	sealed     BLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, start_us, id)
);
CREATE INDEX IF NOT EXISTS visits_by_visitor ON visits (area_code, visitor_id, start_us, id);
CREATE INDEX IF NOT EXISTS visits_by_id ON visits (id);

CREATE TABLE IF NOT EXISTS visit_history (
	area_code TEXT    NOT NULL,
	id        BLOB    NOT NULL,
	version   INTEGER NOT NULL,
	document  TEXT    NOT NULL,
	sealed    BLOB    NOT NULL,
	PRIMARY KEY (area_code, id, version)
);

CREATE TABLE IF NOT EXISTS visit_evidence (
	area_code  TEXT    NOT NULL,
	sha_key    BLOB    NOT NULL,
	visit_id   BLOB    NOT NULL,
	kind       TEXT    NOT NULL,
	child_id   BLOB    NOT NULL,
	visitor_id BLOB    NOT NULL,
	start_us   INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	PRIMARY KEY (area_code, sha_key, visit_id, kind)
);
CREATE INDEX IF NOT EXISTS visit_evidence_by_visit ON visit_evidence (area_code, visit_id);

CREATE INDEX IF NOT EXISTS children_village ON children (area_code, village, id);
