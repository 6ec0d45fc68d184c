-- liudong schema version 1 for MySQL 8 / MariaDB 10.5+. Every table carries area_code
-- (the county code, the shard key) and it leads the primary key. UUIDs are BINARY(16),
-- so byte order is SQL order; times are BIGINT microseconds since 1970-01-01 UTC.
-- DDL commits implicitly in MySQL, so every statement is idempotent (IF NOT EXISTS) and
-- indexes are declared inside CREATE TABLE. Strings compare byte-wise (utf8mb4_bin).

CREATE TABLE IF NOT EXISTS children (
	area_code         VARCHAR(64)   NOT NULL,
	id                BINARY(16)    NOT NULL,
	version           BIGINT        NOT NULL,
	id_number_key     VARBINARY(255),
	name_birth_key    VARBINARY(255) NOT NULL,
	township          VARCHAR(191)  NOT NULL,
	village           VARCHAR(191)  NOT NULL,
	state             VARCHAR(64)   NOT NULL,
	sex               VARCHAR(64)   NOT NULL,
	birth_date        BIGINT        NOT NULL,
	stage             VARCHAR(255)  NOT NULL,
	health            VARCHAR(255)  NOT NULL,
	disability_type   VARCHAR(255)  NOT NULL,
	medical_insurance VARCHAR(64)   NOT NULL,
	residence_permit  VARCHAR(64)   NOT NULL,
	economic          VARCHAR(255)  NOT NULL,
	updated_at_us     BIGINT        NOT NULL,
	document          LONGTEXT      NOT NULL,
	sealed            LONGBLOB      NOT NULL,
	PRIMARY KEY (area_code, id),
	UNIQUE INDEX children_id_number (area_code, id_number_key),
	INDEX children_name_birth (area_code, name_birth_key),
	INDEX children_township (area_code, township, id),
	INDEX children_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS key_entries (
	area_code     VARCHAR(64) NOT NULL,
	child_id      BINARY(16)  NOT NULL,
	id            BINARY(16)  NOT NULL,
	version       BIGINT      NOT NULL,
	is_open       SMALLINT    NOT NULL,
	updated_at_us BIGINT      NOT NULL,
	document      LONGTEXT    NOT NULL,
	PRIMARY KEY (area_code, child_id, id),
	INDEX key_entries_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS staff (
	area_code     VARCHAR(64)  NOT NULL,
	id            BINARY(16)   NOT NULL,
	version       BIGINT       NOT NULL,
	staff_role    VARCHAR(255) NOT NULL,
	active        SMALLINT     NOT NULL,
	updated_at_us BIGINT       NOT NULL,
	document      LONGTEXT     NOT NULL,
	sealed        LONGBLOB     NOT NULL,
	PRIMARY KEY (area_code, id),
	INDEX staff_by_id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS access_records (
	area_code     VARCHAR(64)  NOT NULL,
	child_id      BINARY(16)   NOT NULL,
	at_us         BIGINT       NOT NULL,
	seq           BIGINT       NOT NULL,
	id            BINARY(16)   NOT NULL,
	staff_id      BINARY(16)   NOT NULL,
	staff_role    VARCHAR(255) NOT NULL,
	purpose       TEXT         NOT NULL,
	access_action VARCHAR(255) NOT NULL,
	PRIMARY KEY (area_code, child_id, at_us, seq),
	INDEX access_records_by_child (child_id, at_us, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS journal_heads (
	area_code VARCHAR(64) NOT NULL PRIMARY KEY,
	size      BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS journal_records (
	area_code VARCHAR(64) NOT NULL,
	idx       BIGINT      NOT NULL,
	record    BLOB        NOT NULL,
	PRIMARY KEY (area_code, idx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS journal_hashes (
	area_code VARCHAR(64) NOT NULL,
	idx       BIGINT      NOT NULL,
	hash      BINARY(32)  NOT NULL,
	PRIMARY KEY (area_code, idx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
