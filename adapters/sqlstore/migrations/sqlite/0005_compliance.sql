-- liudong schema version 5 for SQLite: the projections visit compliance reads from plain
-- columns (visit.Store.ChildRows and VisitRows), so that a county-wide
-- compliance report decodes no record and unseals nothing.
--   children.lifecycle    the lifecycle's (effective day, state entered) as
--                         "YYYYMMDD state" items joined by ";"
--   visits.visitor_role   the visitor's role
--   visits.evidence_kinds the kinds of the visit's attachments, as bits: 1 photo,
--                         2 video, 4 audio, 8 call record, 16 signature
-- Rows written before this version keep NULL in these columns and are decoded when
-- read (the stores fall back to the document); every write fills them.
--   children_rows, visits_rows  covering indexes in the scan orders of ChildRows
--                         (area, ID) and VisitRows (area, child, start, ID): SQLite
--                         keeps a table's rows next to their documents, so without them
--                         every projected row costs a table lookup through those pages.

ALTER TABLE children ADD COLUMN lifecycle TEXT;
ALTER TABLE visits ADD COLUMN visitor_role TEXT;
ALTER TABLE visits ADD COLUMN evidence_kinds INTEGER;
CREATE INDEX IF NOT EXISTS children_rows ON children (area_code, id, township, village, lifecycle);
CREATE INDEX IF NOT EXISTS visits_rows ON visits (area_code, child_id, start_us, id, version, visitor_id,
	visitor_role, mode, outcome, evidence_kinds);
