-- liudong schema version 3 for MySQL 8 / MariaDB 10.5+: visit records (package visit).
-- Every table carries area_code (the county code, the shard key) and it leads the
-- primary key.
--   visits          the latest version of each visit; the primary key is the area scan
--                   order (child, start in microseconds UTC, ID), an index gives the
--                   per-worker order (visitor, start, ID), another the lookup by ID
--   visit_history   every earlier version, append-only (an amendment copies the
--                   version it supersedes here before replacing it in visits)
--   visit_evidence  one row per latest-version visit, attachment hash and kind: the
--                   hash's lookup key (a blind index with a Sealer), the kind, and the
--                   visit's child, visitor, start and version, for EvidenceUses
-- A visit's notes, place, coordinates, content, follow-up, failure reason, amendment
-- note and evidence are in the sealed column; the document holds the rest. DDL commits
-- implicitly in MySQL, so every statement is idempotent (IF NOT EXISTS) and indexes are
-- declared inside CREATE TABLE (MySQL 8 has no CREATE INDEX IF NOT EXISTS, so children
-- gains no village index here: region lookups use children_township and filter).

CREATE TABLE IF NOT EXISTS visits (
	area_code  VARCHAR(64)  NOT NULL,
	child_id   BINARY(16)   NOT NULL,
	start_us   BIGINT       NOT NULL,
	id         BINARY(16)   NOT NULL,
	version    BIGINT       NOT NULL,
	visitor_id BINARY(16)   NOT NULL,
	township   VARCHAR(191) NOT NULL,
	village    VARCHAR(191) NOT NULL,
	mode       VARCHAR(191) NOT NULL,
	outcome    VARCHAR(191) NOT NULL,
	document   LONGTEXT     NOT NULL,
	sealed     LONGBLOB     NOT NULL,
	PRIMARY KEY (area_code, child_id, start_us, id),
	INDEX visits_by_visitor (area_code, visitor_id, start_us, id),
	INDEX visits_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS visit_history (
	area_code VARCHAR(64) NOT NULL,
	id        BINARY(16)  NOT NULL,
	version   BIGINT      NOT NULL,
	document  LONGTEXT    NOT NULL,
	sealed    LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS visit_evidence (
	area_code  VARCHAR(64)    NOT NULL,
	sha_key    VARBINARY(255) NOT NULL,
	visit_id   BINARY(16)     NOT NULL,
	kind       VARCHAR(191)   NOT NULL,
	child_id   BINARY(16)     NOT NULL,
	visitor_id BINARY(16)     NOT NULL,
	start_us   BIGINT         NOT NULL,
	version    BIGINT         NOT NULL,
	PRIMARY KEY (area_code, sha_key, visit_id, kind),
	INDEX visit_evidence_by_visit (area_code, visit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
