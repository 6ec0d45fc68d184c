package storetest

import (
	"testing"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

// scribble changes every part of c reachable through slices, maps and pointers.
func scribble(c *welfare.Child) {
	c.Name = "测试涂改"
	if len(c.Guardians) > 0 {
		c.Guardians[0].Name = "测试涂改"
	}
	c.Guardians = append(c.Guardians, welfare.Guardian{Name: "测试涂改", Relationship: "other"})
	if c.Status != nil {
		for a, o := range c.Status {
			o.Value = "测试涂改"
			c.Status[a] = o
		}
		c.Status[welfare.AspectSafety] = welfare.Observation{Value: "测试涂改", Date: welfare.NewDate(2025, time.July, 1)}
	}
	if len(c.Lifecycle) > 0 {
		c.Lifecycle[0].Note = "测试涂改"
	}
	if c.Residence.Geo != nil {
		c.Residence.Geo.Lat = -1
	}
	if c.Disability != nil {
		c.Disability.Grade = 4
	}
	if c.HelpRequested != nil {
		*c.HelpRequested = welfare.NewDate(2000, time.January, 1)
	}
	if c.MergedInto != nil {
		c.MergedInto[0] ^= 0xff
	}
}

func testCopiesChild(t *testing.T, s welfare.Store) {
	ctx := bg()
	c := FullChild(1)
	want := c.Clone()
	mustCreate(t, s, c)
	want.Version = 1
	scribble(c)
	requireStored(t, s, want) // the caller's value is not aliased by the store

	got, err := s.GetChild(ctx, want.ID)
	require.NoError(t, err)
	scribble(got)
	requireStored(t, s, want) // nor is a returned value

	byNumber, err := s.ChildByIDNumber(ctx, Area, want.IDNumber)
	require.NoError(t, err)
	scribble(byNumber)
	byName, err := s.ChildrenByNameBirth(ctx, Area, want.Name, want.BirthDate)
	require.NoError(t, err)
	require.Len(t, byName, 1)
	scribble(byName[0])
	for c, err := range s.Children(ctx, welfare.ChildFilter{Area: Area}) {
		require.NoError(t, err)
		scribble(c)
	}
	requireStored(t, s, want)

	u, err := s.GetChild(ctx, want.ID)
	require.NoError(t, err)
	u.Ethnicity = "测试族"
	want = u.Clone()
	require.NoError(t, s.UpdateChild(ctx, u))
	want.Version = 2
	scribble(u)
	requireStored(t, s, want) // nor is the value passed to UpdateChild

	batch := []*welfare.Child{FullChild(2), FullChild(3)}
	wants := []*welfare.Child{batch[0].Clone(), batch[1].Clone()}
	require.NoError(t, s.CreateChildren(ctx, batch))
	for i := range batch {
		scribble(batch[i])
		wants[i].Version = 1
		requireStored(t, s, wants[i]) // nor are the values passed to CreateChildren
	}

	require.NoError(t, s.Atomically(ctx, func(tx welfare.Store) error {
		c := FullChild(4)
		wants = append(wants, c.Clone())
		if err := tx.CreateChild(ctx, c); err != nil {
			return err
		}
		scribble(c)
		got, err := tx.GetChild(ctx, c.ID)
		if err != nil {
			return err
		}
		scribble(got)
		return nil
	}))
	wants[2].Version = 1
	requireStored(t, s, wants[2]) // nor are values inside a transaction
}

func testCopiesEntryAndStaff(t *testing.T, s welfare.Store) {
	ctx := bg()
	child := NewChild(1)
	mustCreate(t, s, child)
	scribbleEntry := func(e *welfare.KeyEntry) {
		e.Tier = "测试涂改"
		if len(e.Evidence) > 0 {
			e.Evidence[0] = "测试涂改"
		}
		e.Evidence = append(e.Evidence, "测试涂改")
		if len(e.Reviews) > 0 {
			e.Reviews[0] = welfare.NewDate(2000, time.January, 1)
		}
		if e.Closed != nil {
			*e.Closed = welfare.NewDate(2000, time.January, 1)
		}
	}
	requireEntry := func(want *welfare.KeyEntry) {
		t.Helper()
		got, err := s.GetKeyEntry(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, NormalizeKeyEntry(want), NormalizeKeyEntry(got))
	}
	e := Close(NewKeyEntry(1, child), welfare.NewDate(2025, time.May, 1))
	want := e.Clone()
	require.NoError(t, s.CreateKeyEntry(ctx, e))
	want.Version = 1
	scribbleEntry(e)
	requireEntry(want)
	got, err := s.GetKeyEntry(ctx, want.ID)
	require.NoError(t, err)
	scribbleEntry(got)
	for e, err := range s.KeyEntries(ctx, welfare.KeyEntryFilter{Area: Area}) {
		require.NoError(t, err)
		scribbleEntry(e)
	}
	requireEntry(want)
	u, err := s.GetKeyEntry(ctx, want.ID)
	require.NoError(t, err)
	u.CloseNote = "测试：复核"
	want = u.Clone()
	require.NoError(t, s.UpdateKeyEntry(ctx, u))
	want.Version = 2
	scribbleEntry(u)
	requireEntry(want)

	m := NewStaff(1, Area)
	wantStaff := m.Clone()
	require.NoError(t, s.CreateStaff(ctx, m))
	wantStaff.Version = 1
	m.Name = "测试涂改"
	gotStaff, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, wantStaff, gotStaff)
	gotStaff.Name = "测试涂改"
	for m, err := range s.StaffMembers(ctx, Area) {
		require.NoError(t, err)
		m.Name = "测试涂改"
	}
	gotStaff, err = s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, wantStaff, gotStaff)
}
