package journaltest_test

import (
	"testing"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/audit/journal/journaltest"
)

func TestMemoryStorage(t *testing.T) {
	journaltest.Run(t, func(*testing.T) journal.Storage { return new(journal.MemoryStorage) })
}
