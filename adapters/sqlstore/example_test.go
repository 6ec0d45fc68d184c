package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/audit/journal"
)

// ExampleOpenDSN opens an embedded SQLite database, stores a (synthetic) child, and
// reads the area's journal, which holds one leaf per write.
func ExampleOpenDSN() {
	dir, _ := os.MkdirTemp("", "liudong-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, db, err := sqlstore.OpenDSN(ctx, filepath.Join(dir, "county.db"), sqlstore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	c := storetest.NewChild(1)
	if err := s.CreateChild(ctx, c); err != nil {
		fmt.Println(err)
		return
	}
	c.Ethnicity = "汉族"
	if err := s.UpdateChild(ctx, c); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := s.GetChild(ctx, c.ID)
	head, _ := journal.TreeHead(ctx, s.Journal(c.AreaCode))
	fmt.Println(s.Dialect(), got.Version, got.Ethnicity, head.N)
	// Output: sqlite 2 汉族 2
}
