-- liudong schema version 5 for MySQL 8 / MariaDB 10.5+: the projections visit
-- compliance reads from plain columns (visit.Store.ChildRows and
-- VisitRows), so that a county-wide compliance report decodes no
-- record and unseals nothing.
--   children.lifecycle    the lifecycle's (effective day, state entered) as
--                         "YYYYMMDD state" items joined by ";"
--   visits.visitor_role   the visitor's role
--   visits.evidence_kinds the kinds of the visit's attachments, as bits: 1 photo,
--                         2 video, 4 audio, 8 call record, 16 signature
-- Rows written before this version keep NULL in these columns and are decoded when
-- read (the stores fall back to the document); every write fills them. MySQL 8 has no
-- ADD COLUMN IF NOT EXISTS: each table gains its columns in one ALTER TABLE (atomic DDL),
-- so a second opener racing the first one's migration fails once and succeeds when
-- opened again.

ALTER TABLE children ADD COLUMN lifecycle TEXT NULL;
ALTER TABLE visits ADD COLUMN visitor_role VARCHAR(64) NULL,
	ADD COLUMN evidence_kinds SMALLINT NULL;
