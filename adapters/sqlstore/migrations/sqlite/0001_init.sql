-- liudong schema version 1 for SQLite. Every table carries area_code (the county code,
-- the shard key) and it leads the primary key. UUIDs are 16-byte BLOBs, so byte order
-- is SQL order; times are INTEGER microseconds since 1970-01-01 UTC.

CREATE TABLE IF NOT EXISTS children (
	area_code         TEXT    NOT NULL,
	id                BLOB    NOT NULL,
	version           INTEGER NOT NULL,
	id_number_key     BLOB,
	name_birth_key    BLOB    NOT NULL,
	township          TEXT    NOT NULL,
	village           TEXT    NOT NULL,
	state             TEXT    NOT NULL,
	sex               TEXT    NOT NULL,
	birth_date        INTEGER NOT NULL,
	stage             TEXT    NOT NULL,
	health            TEXT    NOT NULL,
	disability_type   TEXT    NOT NULL,
	medical_insurance TEXT    NOT NULL,
	residence_permit  TEXT    NOT NULL,
	economic          TEXT    NOT NULL,
	updated_at_us     INTEGER NOT NULL,
	document          TEXT    NOT NULL,
	sealed            BLOB    NOT NULL,
	PRIMARY KEY (area_code, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS children_id_number ON children (area_code, id_number_key);
CREATE INDEX IF NOT EXISTS children_name_birth ON children (area_code, name_birth_key);
CREATE INDEX IF NOT EXISTS children_township ON children (area_code, township, id);
CREATE INDEX IF NOT EXISTS children_by_id ON children (id);

CREATE TABLE IF NOT EXISTS key_entries (
	area_code     TEXT    NOT NULL,
	child_id      BLOB    NOT NULL,
	id            BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	is_open       INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	PRIMARY KEY (area_code, child_id, id)
);
CREATE INDEX IF NOT EXISTS key_entries_by_id ON key_entries (id);

CREATE TABLE IF NOT EXISTS staff (
	area_code     TEXT    NOT NULL,
	id            BLOB    NOT NULL,
	version       INTEGER NOT NULL,
	staff_role    TEXT    NOT NULL,
	active        INTEGER NOT NULL,
	updated_at_us INTEGER NOT NULL,
	document      TEXT    NOT NULL,
	sealed        BLOB    NOT NULL,
	PRIMARY KEY (area_code, id)
);
CREATE INDEX IF NOT EXISTS staff_by_id ON staff (id);

CREATE TABLE IF NOT EXISTS access_records (
	area_code     TEXT    NOT NULL,
	child_id      BLOB    NOT NULL,
	at_us         INTEGER NOT NULL,
	seq           INTEGER NOT NULL,
	id            BLOB    NOT NULL,
	staff_id      BLOB    NOT NULL,
	staff_role    TEXT    NOT NULL,
	purpose       TEXT    NOT NULL,
	access_action TEXT    NOT NULL,
	PRIMARY KEY (area_code, child_id, at_us, seq)
);
CREATE INDEX IF NOT EXISTS access_records_by_child ON access_records (child_id, at_us, seq);

CREATE TABLE IF NOT EXISTS journal_heads (
	area_code TEXT    NOT NULL PRIMARY KEY,
	size      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS journal_records (
	area_code TEXT    NOT NULL,
	idx       INTEGER NOT NULL,
	record    BLOB    NOT NULL,
	PRIMARY KEY (area_code, idx)
);

CREATE TABLE IF NOT EXISTS journal_hashes (
	area_code TEXT    NOT NULL,
	idx       INTEGER NOT NULL,
	hash      BLOB    NOT NULL,
	PRIMARY KEY (area_code, idx)
);
