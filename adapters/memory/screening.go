package memory

// screeningTables holds the screening domain's records (filled in by the screening store).
type screeningTables struct{}
