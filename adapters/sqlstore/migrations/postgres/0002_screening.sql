-- liudong schema version 2 for PostgreSQL: screening sessions and screening requests
-- (package screening). Both are immutable (version 1, never updated). The primary key
-- is the area scan order: area, child, date (YYYYMMDD), recording time (microseconds
-- UTC), ID. A session's instrument, informant, answers, refused items and result, and a
-- request's note, are in the sealed column; the document holds the rest.

CREATE TABLE IF NOT EXISTS screening_sessions (
	area_code      TEXT    NOT NULL,
	child_id       BYTEA   NOT NULL,
	session_date   BIGINT  NOT NULL,
	recorded_at_us BIGINT  NOT NULL,
	id             BYTEA   NOT NULL,
	version        BIGINT  NOT NULL,
	township       TEXT    NOT NULL,
	village        TEXT    NOT NULL,
	document       TEXT    NOT NULL,
	sealed         BYTEA   NOT NULL,
	PRIMARY KEY (area_code, child_id, session_date, recorded_at_us, id)
);
CREATE INDEX IF NOT EXISTS screening_sessions_by_id ON screening_sessions (id);
CREATE INDEX IF NOT EXISTS screening_sessions_by_child ON screening_sessions (child_id, session_date, recorded_at_us, id);

CREATE TABLE IF NOT EXISTS screening_requests (
	area_code      TEXT    NOT NULL,
	child_id       BYTEA   NOT NULL,
	request_date   BIGINT  NOT NULL,
	recorded_at_us BIGINT  NOT NULL,
	id             BYTEA   NOT NULL,
	version        BIGINT  NOT NULL,
	document       TEXT    NOT NULL,
	sealed         BYTEA   NOT NULL,
	PRIMARY KEY (area_code, child_id, request_date, recorded_at_us, id)
);
CREATE INDEX IF NOT EXISTS screening_requests_by_id ON screening_requests (id);
