package democounty

import (
	"context"
	"fmt"

	"github.com/childwelfare/liudong/welfare"
)

// LoadBatch is the number of children written per CreateChildren call.
const LoadBatch = 1000

// Load writes the county into store as one atomic unit: staff, children (in batches of
// LoadBatch) and ledger entries. A store that already holds children of the county's
// area is left as it is, so loading twice never duplicates anything; loaded reports
// whether this call wrote. The county's values are not modified.
func Load(ctx context.Context, store welfare.Store, c *County) (loaded bool, err error) {
	area := c.Programme.Area.Code
	for _, err := range store.Children(ctx, welfare.ChildFilter{Area: area, Limit: 1}) {
		if err != nil {
			return false, err
		}
		return false, nil
	}
	err = store.Atomically(ctx, func(tx welfare.Store) error {
		for _, s := range c.Staff {
			if err := tx.CreateStaff(ctx, s.Clone()); err != nil {
				return fmt.Errorf("democounty: staff: %w", err)
			}
		}
		batch := make([]*welfare.Child, 0, LoadBatch)
		for i, ch := range c.Children {
			batch = append(batch, ch.Clone())
			if len(batch) == LoadBatch || i == len(c.Children)-1 {
				if err := tx.CreateChildren(ctx, batch); err != nil {
					return fmt.Errorf("democounty: children: %w", err)
				}
				batch = batch[:0]
			}
		}
		for _, e := range c.KeyEntries {
			if err := tx.CreateKeyEntry(ctx, e.Clone()); err != nil {
				return fmt.Errorf("democounty: key entries: %w", err)
			}
		}
		return nil
	})
	return err == nil, err
}
