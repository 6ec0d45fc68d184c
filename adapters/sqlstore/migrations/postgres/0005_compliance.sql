-- liudong schema version 5 for PostgreSQL: the projections visit compliance reads from
-- plain columns (visit.Store.ChildRows and VisitRows), so that a
-- county-wide compliance report decodes no record and unseals nothing.
--   children.lifecycle    the lifecycle's (effective day, state entered) as
--                         "YYYYMMDD state" items joined by ";"
--   visits.visitor_role   the visitor's role
--   visits.evidence_kinds the kinds of the visit's attachments, as bits: 1 photo,
--                         2 video, 4 audio, 8 call record, 16 signature
-- Rows written before this version keep NULL in these columns and are decoded when
-- read (the stores fall back to the document); every write fills them.

ALTER TABLE children ADD COLUMN IF NOT EXISTS lifecycle TEXT;
ALTER TABLE visits ADD COLUMN IF NOT EXISTS visitor_role TEXT,
	ADD COLUMN IF NOT EXISTS evidence_kinds SMALLINT;
