// Package sqlstore implements the library's store ports (welfare.Store) on
// database/sql for three engines: SQLite (the embedded default, modernc.org/sqlite),
// PostgreSQL (pgx) and MySQL/MariaDB (go-sql-driver/mysql). It passes the conformance
// suite of adapters/storetest on all three.
//
// # Opening
//
// The host owns the *sql.DB: it registers the driver, opens the database, and passes it
// to [Open] with the [Dialect] ([SQLite], [Postgres], [MySQL]; [DialectFor] maps a
// driver name). [OpenDSN] is the convenience path: it picks the engine from the DSN
// ("postgres://…", a go-sql-driver DSN with "@tcp(", else a SQLite file) and opens it;
// the file holding it imports the three drivers, so importing this package registers
// "sqlite", "pgx" and "mysql" with database/sql.
//
// Open applies the embedded, numbered migrations (migrations/<dialect>/NNNN_*.sql) the
// database lacks, in a transaction, recording each in liudong_schema_migrations
// (version, applied_at); reopening a current database is a no-op, and a database whose
// recorded version is newer than the code fails with [ErrSchemaTooNew]. (MySQL commits
// DDL implicitly, so there every migration statement is idempotent instead.)
//
// # Schema
//
// Every table carries area_code, the county code that is the shard key, and it leads
// the primary key, so the schema distributes unchanged on Citus, TiDB, OceanBase and
// the like (no unique index omits it; IDs are unique across areas by a check in the
// writing transaction):
//
//	children        (area_code, id) + version, lookup keys, census columns, document, sealed
//	key_entries     (area_code, child_id, id) + version, is_open, document
//	staff           (area_code, id) + version, staff_role, active, document, sealed
//	access_records  (area_code, child_id, at_us, seq) + id, staff_id, role, purpose, action
//	journal_heads   (area_code) + size
//	journal_records (area_code, idx) + record     the encoded journal leaves
//	journal_hashes  (area_code, idx) + hash       tlog hashes by storage index
//
// UUIDs are 16-byte binary columns, so byte order is SQL order and "ID order" scans are
// keyset-paginated (WHERE area_code = ? AND id > ? ORDER BY id LIMIT PageSize): memory
// is bounded by the page, never the table, and a loop body may write to the store.
// Times are BIGINT microseconds in UTC (welfare.StoreTime), inside documents RFC 3339
// with microseconds; records round-trip exactly. children also holds the columns of
// welfare.CensusRow, so CensusRows reads no document and unseals nothing. Identity
// numbers are unique per area through a unique index on (area_code, id_number_key),
// NULL for children without a number.
//
// # Sealing at rest
//
// A record is stored as a JSON document without its sensitive fields (the child's and
// guardians' names, the identity number, phones, the household and residence
// addresses, the position; a staff member's name and phone), which go to the sealed
// column. With Options.Sealer (e.g. [NewAESGCMSealer]: AES-256-GCM, random nonce,
// associated data = table and record ID so ciphertexts cannot be swapped between rows)
// the sealed column holds ciphertext and the lookup keys for identity number and for
// name and birth date are blind indexes (HMAC-SHA256 under a separate key, separated
// by kind); no name, number, phone or address is stored in the clear. Without a Sealer
// the sealed column is plain JSON and the keys are the values themselves (the
// name-and-birth key is the JSON array ["name","YYYY-MM-DD"], so no two pairs share a
// key). Opening sealed data with a wrong key, or without one, fails with [ErrUnseal].
// Blind indexes are deterministic: equal values have equal keys, which is what makes
// lookups work.
//
// # Journal
//
// Every write (child create, update and bulk create; key entry; staff; access record)
// appends a journal.Leaf in the same transaction: Kind is the welfare.Entity* constant,
// ID the record's ID, Version the version written (1 for access records),
// RecordSHA256 journal.RecordHash of the record exactly as Get returns it, Time the
// clock's now in UTC microseconds, Actor the record's UpdatedBy (an access record's
// StaffID). Each area has its own log; a transaction's leaves are appended per area
// with one journal.Append call just before COMMIT, the area's journal_heads row locked
// (SELECT … FOR UPDATE semantics) so appends are serialised, with multi-row INSERTs
// for leaves and hashes. A rolled-back write leaves no leaf. [Store.Journal] is the
// read view auditors export and verify (journal.Export, journal.Verify). Access
// records of a child the store does not hold are journaled under the area "".
//
// # Transactions and concurrency
//
// Updates are optimistic: UPDATE … SET version = version + 1 WHERE area_code = ? AND
// id = ? AND version = ?; when no row changes, the store tells welfare.ErrNotFound,
// welfare.ErrConflict (stale version) and welfare.ErrInvalid (a changed area code)
// apart. [Store.Atomically] runs a function in one transaction (nested calls are
// savepoints); callers' Version fields are restored if it rolls back.
//
// SQLite allows one writer at a time. Rather than SetMaxOpenConns(1), which would also
// serialise readers, every write transaction pins a connection and runs BEGIN
// IMMEDIATE, taking the write lock before its first statement and waiting up to
// Options.BusyTimeout for it; readers are never blocked in WAL mode, which OpenDSN
// sets (a host opening SQLite itself should set WAL and a busy_timeout too). A
// transaction therefore never fails half-way with "database is locked", and concurrent
// updates of one record see a clean welfare.ErrConflict. On PostgreSQL (READ
// COMMITTED) and MySQL (REPEATABLE READ) row locks order concurrent updates; a write
// the store runs in its own transaction is retried after a deadlock, serialisation
// failure or busy database (Options.Retries), and one that still loses, or one inside
// Atomically, fails with an error wrapping welfare.ErrConflict.
//
// # Errors
//
// Not found, stale versions, duplicates and invalid input wrap the welfare sentinels;
// a closed database is [ErrClosed], a finished transaction [ErrTxDone], cancelled
// contexts wrap context.Canceled. Driver messages are passed on with quoted parts
// removed, since some engines quote the offending values; no error carries personal
// data.
//
// # Performance notes
//
// OpenDSN's SQLite pragmas keep full durability (synchronous FULL): each commit syncs
// the file. Hosts that accept losing the last commits on power loss (never corruption)
// add _pragma=synchronous(NORMAL). For MySQL OpenDSN adds interpolateParams=true,
// saving two round trips per statement. Bulk loads should use CreateChildren: one
// transaction, 500-row INSERTs, one journal append (≈ 24,000 children with their
// leaves per second on SQLite on a small machine; the journal alone appends well over
// 100,000 leaves per second).
package sqlstore
