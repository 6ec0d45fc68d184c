-- liudong schema version 4 for SQLite: casework (package casework): cases, referrals,
-- urgent incidents and group activities. Every table carries area_code (the county code,
-- the shard key) and it leads the primary key, which is the area scan order: cases and
-- referrals by child, then ID; incidents by discovery time (microseconds UTC), then ID;
-- activities by date (YYYYMMDD), then ID. The by-ID index serves lookups and the check
-- that IDs are unique across areas. Case workflow (assessments, plans, notes, reviews,
-- closures, the typical narrative), a referral's reason, consent and events, an
-- incident's kind, facts, summary, measures and resolution, and an activity's list of
-- participating children are in the sealed column; the document holds the rest.

CREATE TABLE IF NOT EXISTS cases (
	area_code     TEXT    NOT NULL,
	child_id      BLOB    NOT NULL,
	id            BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	sealed        BLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, id)
);
CREATE INDEX IF NOT EXISTS cases_by_id ON cases (id);

CREATE TABLE IF NOT EXISTS referrals (
	area_code     TEXT    NOT NULL,
	child_id      BLOB    NOT NULL,
	id            BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	sealed        BLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, id)
);
CREATE INDEX IF NOT EXISTS referrals_by_id ON referrals (id);

CREATE TABLE IF NOT EXISTS incidents (
	area_code     TEXT    NOT NULL,
	discovered_us INTEGER NOT NULL,
	id            BLOB    NOT NULL,
	child_id      BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	sealed        BLOB    NOT NULL,
	PRIMARY KEY (area_code, discovered_us, id)
);
CREATE INDEX IF NOT EXISTS incidents_by_id ON incidents (id);

CREATE TABLE IF NOT EXISTS activities (
	area_code     TEXT    NOT NULL,
	activity_date INTEGER NOT NULL,
	id            BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	sealed        BLOB    NOT NULL,
	PRIMARY KEY (area_code, activity_date, id)
);
CREATE INDEX IF NOT EXISTS activities_by_id ON activities (id);
