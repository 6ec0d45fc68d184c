-- liudong schema version 2 for MySQL 8 / MariaDB 10.5+: screening sessions and screening
-- requests (package screening). Both are immutable (version 1, never updated). The
-- primary key is the area scan order: area, child, date (YYYYMMDD), recording time
-- (microseconds UTC), ID. A session's instrument, informant, answers, refused items and
-- result, and a request's note, are in the sealed column; the document holds the rest.
-- DDL commits implicitly in MySQL, so every statement is idempotent (IF NOT EXISTS) and
-- indexes are declared inside CREATE TABLE.

CREATE TABLE IF NOT EXISTS screening_sessions (
	area_code      VARCHAR(64)  NOT NULL,
	child_id       BINARY(16)   NOT NULL,
	session_date   BIGINT       NOT NULL,
	recorded_at_us BIGINT       NOT NULL,
	id             BINARY(16)   NOT NULL,
	version        BIGINT       NOT NULL,
	township       VARCHAR(191) NOT NULL,
	village        VARCHAR(191) NOT NULL,
	document       LONGTEXT     NOT NULL,
	sealed         LONGBLOB     NOT NULL,
	PRIMARY KEY (area_code, child_id, session_date, recorded_at_us, id),
	INDEX screening_sessions_by_id (id),
	INDEX screening_sessions_by_child (child_id, session_date, recorded_at_us, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS screening_requests (
	area_code      VARCHAR(64) NOT NULL,
	child_id       BINARY(16)  NOT NULL,
	request_date   BIGINT      NOT NULL,
	recorded_at_us BIGINT      NOT NULL,
	id             BINARY(16)  NOT NULL,
	version        BIGINT      NOT NULL,
	document       LONGTEXT    NOT NULL,
	sealed         LONGBLOB    NOT NULL,
	PRIMARY KEY (area_code, child_id, request_date, recorded_at_us, id),
	INDEX screening_requests_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
