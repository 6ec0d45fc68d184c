-- liudong schema version 4 for MySQL 8 / MariaDB 10.5+: casework (package casework):
-- cases, referrals, urgent incidents and group activities. Every table carries area_code
-- (the county code, the shard key) and it leads the primary key, which is the area scan
-- order: cases and referrals by child, then ID; incidents by discovery time
-- (microseconds UTC), then ID; activities by date (YYYYMMDD), then ID. The by-ID index
-- serves lookups and the check that IDs are unique across areas. Case workflow
-- (assessments, plans, notes, reviews, closures, the typical narrative), a referral's
-- reason, consent and events, an incident's kind, facts, summary, measures and
-- resolution, and an activity's list of participating children are in the sealed
-- column; the document holds the rest. DDL commits implicitly in MySQL, so every
-- statement is idempotent (IF NOT EXISTS) and indexes are declared inside CREATE TABLE.

CREATE TABLE IF NOT EXISTS cases (
	area_code     VARCHAR(64) NOT NULL,
	child_id      BINARY(16)  NOT NULL,
	id            BINARY(16)  NOT NULL,
	version       BIGINT      NOT NULL,
	updated_at_us BIGINT      NOT NULL,
	document      LONGTEXT    NOT NULL,
	sealed        LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, id),
	INDEX cases_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS referrals (
	area_code     VARCHAR(64) NOT NULL,
	child_id      BINARY(16)  NOT NULL,
	id            BINARY(16)  NOT NULL,
	version       BIGINT      NOT NULL,
	updated_at_us BIGINT      NOT NULL,
	document      LONGTEXT    NOT NULL,
	sealed        LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, id),
	INDEX referrals_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS incidents (
	area_code     VARCHAR(64) NOT NULL,
	discovered_us BIGINT      NOT NULL,
	id            BINARY(16)  NOT NULL,
	child_id      BINARY(16)  NOT NULL,
	version       BIGINT      NOT NULL,
	updated_at_us BIGINT      NOT NULL,
	document      LONGTEXT    NOT NULL,
	sealed        LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, discovered_us, id),
	INDEX incidents_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS activities (
	area_code     VARCHAR(64) NOT NULL,
	activity_date BIGINT      NOT NULL,
	id            BINARY(16)  NOT NULL,
	version       BIGINT      NOT NULL,
	updated_at_us BIGINT      NOT NULL,
	document      LONGTEXT    NOT NULL,
	sealed        LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, activity_date, id),
	INDEX activities_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
