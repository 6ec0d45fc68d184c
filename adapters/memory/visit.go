package memory

// visitTables holds the visit domain's records (filled in by the visit store).
type visitTables struct{}
