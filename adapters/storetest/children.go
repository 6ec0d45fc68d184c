package storetest

import (
	"testing"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// mustCreate creates each child, failing the test on error.
func mustCreate(t *testing.T, s welfare.Store, cs ...*welfare.Child) {
	t.Helper()
	for _, c := range cs {
		require.NoError(t, s.CreateChild(bg(), c))
	}
}

// requireStored asserts that the stored child equals want (normalised).
func requireStored(t *testing.T, s welfare.Store, want *welfare.Child) {
	t.Helper()
	got, err := s.GetChild(bg(), want.ID)
	require.NoError(t, err)
	require.Equal(t, NormalizeChild(want), NormalizeChild(got))
}

func testChildRoundTripFull(t *testing.T, s welfare.Store) {
	c := FullChild(1)
	want := c.Clone()
	require.NoError(t, s.CreateChild(bg(), c))
	require.EqualValues(t, 1, c.Version, "CreateChild sets Version 1 on the caller's value")
	want.Version = 1

	got, err := s.GetChild(bg(), c.ID)
	require.NoError(t, err)
	require.Equal(t, want, got, "a fully populated child must round-trip exactly")

	byNumber, err := s.ChildByIDNumber(bg(), Area, c.IDNumber)
	require.NoError(t, err)
	require.Equal(t, want, byNumber)

	byName, err := s.ChildrenByNameBirth(bg(), Area, c.Name, c.BirthDate)
	require.NoError(t, err)
	require.Equal(t, []*welfare.Child{want}, byName)

	scanned, err := Collect(s.Children(bg(), welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Equal(t, []*welfare.Child{want}, scanned)

	// Change every kind of field and update.
	got.Name = "测试儿童改名"
	got.Guardians[1].Phone = "13900009999"
	got.Guardians = append(got.Guardians, welfare.Guardian{Name: "测试舅舅", Relationship: "relative"})
	got.Status[welfare.AspectSafety] = welfare.Observation{Value: "测试：安全", Date: welfare.NewDate(2025, time.March, 2),
		Source: welfare.Source{Kind: "visit", Ref: "v-1"}}
	delete(got.Status, welfare.AspectEducation)
	got.Disability.Grade = 2
	got.Residence.Geo = nil
	got.HelpRequested = nil
	got.Lifecycle = append(got.Lifecycle, welfare.LifecycleEvent{From: welfare.StateExited, To: welfare.StateIdentified,
		On: welfare.NewDate(2025, time.May, 1), Note: "测试：重新流入", Actor: StaffID(3).String(), Recorded: At(500)})
	got.UpdatedAt = At(600)
	want = got.Clone()
	require.NoError(t, s.UpdateChild(bg(), got))
	require.EqualValues(t, 2, got.Version, "UpdateChild sets Version+1 on the caller's value")
	want.Version = 2
	requireStored(t, s, want)
	again, err := s.GetChild(bg(), c.ID)
	require.NoError(t, err)
	require.Equal(t, want, again, "an updated child must round-trip exactly")
}

func testChildRoundTripMinimal(t *testing.T, s welfare.Store) {
	c := &welfare.Child{ID: ChildID(1), AreaCode: Area, Name: "测试儿童1", Sex: welfare.SexFemale,
		BirthDate: welfare.NewDate(2015, time.June, 30)}
	mustCreate(t, s, c)
	got, err := s.GetChild(bg(), c.ID)
	require.NoError(t, err)
	require.Equal(t, NormalizeChild(c), NormalizeChild(got))
	require.True(t, got.IDNumber.IsZero())
	require.True(t, got.ArrivalDate.IsZero(), "the zero date means not recorded and must stay zero")
	require.Nil(t, got.Residence.Geo)
	require.Nil(t, got.Disability)
	require.Nil(t, got.HelpRequested)
	require.Nil(t, got.MergedInto)
	require.Equal(t, welfare.FlagUnknown, got.ResidencePermit)
	require.True(t, got.CreatedAt.IsZero())
	require.Equal(t, welfare.StateIdentified, got.State())
}

func testChildNilVersusEmpty(t *testing.T, s welfare.Store) {
	nilColl := NewChild(1)
	nilColl.Guardians, nilColl.Lifecycle, nilColl.Status = nil, nil, nil
	empty := NewChild(2)
	empty.Guardians, empty.Lifecycle, empty.Status = []welfare.Guardian{}, []welfare.LifecycleEvent{}, welfare.StatusSnapshot{}
	mustCreate(t, s, nilColl, empty)
	for _, want := range []*welfare.Child{nilColl, empty} {
		got, err := s.GetChild(bg(), want.ID)
		require.NoError(t, err)
		require.Empty(t, got.Guardians)
		require.Empty(t, got.Lifecycle)
		require.Empty(t, got.Status)
		require.Equal(t, NormalizeChild(want), NormalizeChild(got))
	}
	e := NewKeyEntry(1, nilColl)
	e.Evidence, e.Reviews = []string{}, nil
	require.NoError(t, s.CreateKeyEntry(bg(), e))
	got, err := s.GetKeyEntry(bg(), e.ID)
	require.NoError(t, err)
	require.Empty(t, got.Evidence)
	require.Empty(t, got.Reviews)
	require.Equal(t, NormalizeKeyEntry(e), NormalizeKeyEntry(got))
}

func testChildRequiresIDAndArea(t *testing.T, s welfare.Store) {
	noID := NewChild(1)
	noID.ID = uuid.Nil
	require.ErrorIs(t, s.CreateChild(bg(), noID), welfare.ErrInvalid)
	noArea := NewChild(2)
	noArea.AreaCode = ""
	require.ErrorIs(t, s.CreateChild(bg(), noArea), welfare.ErrInvalid)
	require.ErrorIs(t, s.CreateChildren(bg(), []*welfare.Child{NewChild(3), noArea}), welfare.ErrInvalid)
	_, err := s.GetChild(bg(), ChildID(3))
	require.ErrorIs(t, err, welfare.ErrNotFound, "an invalid batch inserts nothing")
	require.EqualValues(t, 0, noArea.Version)
}

func testChildNotFound(t *testing.T, s welfare.Store) {
	withoutNumber := NewChild(5) // multiples of 5 have no identity number
	require.True(t, withoutNumber.IDNumber.IsZero())
	mustCreate(t, s, withoutNumber, NewChild(1))

	_, err := s.GetChild(bg(), ChildID(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	missing := NewChild(2)
	missing.Version = 1
	require.ErrorIs(t, s.UpdateChild(bg(), missing), welfare.ErrNotFound)
	require.EqualValues(t, 1, missing.Version)

	_, err = s.ChildByIDNumber(bg(), Area, IDNumber(2))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	_, err = s.ChildByIDNumber(bg(), OtherArea, IDNumber(1))
	require.ErrorIs(t, err, welfare.ErrNotFound, "identity numbers are looked up within an area")
	_, err = s.ChildByIDNumber(bg(), Area, "")
	require.ErrorIs(t, err, welfare.ErrNotFound, "the zero number never matches children without one")

	none, err := s.ChildrenByNameBirth(bg(), Area, "测试儿童2", BirthDate(2))
	require.NoError(t, err)
	require.Empty(t, none)
	none, err = s.ChildrenByNameBirth(bg(), OtherArea, withoutNumber.Name, withoutNumber.BirthDate)
	require.NoError(t, err)
	require.Empty(t, none)

	_, err = s.GetKeyEntry(bg(), EntryID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	e := NewKeyEntry(1, withoutNumber)
	e.Version = 1
	require.ErrorIs(t, s.UpdateKeyEntry(bg(), e), welfare.ErrNotFound)
	_, err = s.GetStaff(bg(), StaffID(1))
	require.ErrorIs(t, err, welfare.ErrNotFound)
	m := NewStaff(1, Area)
	m.Version = 1
	require.ErrorIs(t, s.UpdateStaff(bg(), m), welfare.ErrNotFound)
}

func testChildCreateExistingID(t *testing.T, s welfare.Store) {
	c := NewChild(1)
	mustCreate(t, s, c)
	again := NewChild(1)
	again.Name = "测试儿童另一"
	again.IDNumber = ""
	require.ErrorIs(t, s.CreateChild(bg(), again), welfare.ErrConflict)
	require.EqualValues(t, 0, again.Version)
	requireStored(t, s, c)
}

func testChildStaleVersion(t *testing.T, s welfare.Store) {
	c := NewChild(1)
	mustCreate(t, s, c)
	a, err := s.GetChild(bg(), c.ID)
	require.NoError(t, err)
	b, err := s.GetChild(bg(), c.ID)
	require.NoError(t, err)

	a.Name = "测试儿童甲"
	require.NoError(t, s.UpdateChild(bg(), a))
	require.EqualValues(t, 2, a.Version)

	b.Name = "测试儿童乙"
	require.ErrorIs(t, s.UpdateChild(bg(), b), welfare.ErrConflict)
	require.EqualValues(t, 1, b.Version, "a failed update leaves the caller's version")
	requireStored(t, s, a)

	ahead := a.Clone()
	ahead.Version = 7
	require.ErrorIs(t, s.UpdateChild(bg(), ahead), welfare.ErrConflict, "a version ahead of the stored one is stale too")
	requireStored(t, s, a)

	e := NewKeyEntry(1, c)
	require.NoError(t, s.CreateKeyEntry(bg(), e))
	e1 := e.Clone()
	require.NoError(t, s.UpdateKeyEntry(bg(), e))
	require.ErrorIs(t, s.UpdateKeyEntry(bg(), e1), welfare.ErrConflict)
	require.EqualValues(t, 1, e1.Version)

	m := NewStaff(1, Area)
	require.NoError(t, s.CreateStaff(bg(), m))
	m1 := m.Clone()
	require.NoError(t, s.UpdateStaff(bg(), m))
	require.ErrorIs(t, s.UpdateStaff(bg(), m1), welfare.ErrConflict)
	require.EqualValues(t, 1, m1.Version)
}

func testChildDuplicateIDNumber(t *testing.T, s welfare.Store) {
	a := NewChild(1)
	mustCreate(t, s, a)

	dup := NewChild(2)
	dup.IDNumber = a.IDNumber
	require.ErrorIs(t, s.CreateChild(bg(), dup), welfare.ErrDuplicate)
	require.EqualValues(t, 0, dup.Version)
	_, err := s.GetChild(bg(), dup.ID)
	require.ErrorIs(t, err, welfare.ErrNotFound, "a rejected duplicate is not stored")

	elsewhere := NewChild(3)
	elsewhere.AreaCode = OtherArea
	elsewhere.IDNumber = a.IDNumber
	require.NoError(t, s.CreateChild(bg(), elsewhere), "the same number in another area is a different registration")

	b := NewChild(4)
	mustCreate(t, s, b)
	bNumber := b.IDNumber
	b.IDNumber = a.IDNumber
	require.ErrorIs(t, s.UpdateChild(bg(), b), welfare.ErrDuplicate, "changing to a number another child holds")
	require.EqualValues(t, 1, b.Version)
	b.IDNumber = bNumber
	requireStored(t, s, b)

	// Keeping one's own number is no duplicate.
	a.Name = "测试儿童改名"
	require.NoError(t, s.UpdateChild(bg(), a))

	// The number moves: a gives it up, then b takes it (the order a merge uses).
	number := a.IDNumber
	a.IDNumber = ""
	require.NoError(t, s.UpdateChild(bg(), a))
	b.IDNumber = number
	require.NoError(t, s.UpdateChild(bg(), b))
	got, err := s.ChildByIDNumber(bg(), Area, number)
	require.NoError(t, err)
	require.Equal(t, b.ID, got.ID)
	_, err = s.ChildByIDNumber(bg(), Area, bNumber)
	require.ErrorIs(t, err, welfare.ErrNotFound, "a number given up is free")

	// Children without a number never collide.
	n1, n2 := NewChild(10), NewChild(15)
	require.True(t, n1.IDNumber.IsZero() && n2.IDNumber.IsZero())
	mustCreate(t, s, n1, n2)
}

func testChildLookups(t *testing.T, s welfare.Store) {
	birth := welfare.NewDate(2016, time.May, 4)
	same := func(i int, area string) *welfare.Child {
		c := NewChild(i)
		c.AreaCode, c.Name, c.BirthDate = area, "测试同名", birth
		return c
	}
	x, y, z := same(1, Area), same(2, Area), same(3, OtherArea)
	otherBirth := same(4, Area)
	otherBirth.BirthDate = birth.AddDate(0, 0, 1)
	otherName := same(6, Area)
	otherName.Name = "测试同名二"
	mustCreate(t, s, x, y, z, otherBirth, otherName)

	got, err := s.ChildrenByNameBirth(bg(), Area, "测试同名", birth)
	require.NoError(t, err)
	want := sortedByID(x, y)
	require.Equal(t, ids(want), ids(got), "matches of the area, in ID order")
	for i := range want {
		require.Equal(t, NormalizeChild(want[i]), NormalizeChild(got[i]))
	}

	for _, c := range []*welfare.Child{x, y, otherBirth, otherName} {
		byNumber, err := s.ChildByIDNumber(bg(), Area, c.IDNumber)
		require.NoError(t, err)
		require.Equal(t, c.ID, byNumber.ID)
	}
	byNumber, err := s.ChildByIDNumber(bg(), OtherArea, z.IDNumber)
	require.NoError(t, err)
	require.Equal(t, z.ID, byNumber.ID)

	// Lookups follow updates.
	y.Name = "测试改名"
	require.NoError(t, s.UpdateChild(bg(), y))
	got, err = s.ChildrenByNameBirth(bg(), Area, "测试同名", birth)
	require.NoError(t, err)
	require.Equal(t, ids([]*welfare.Child{x}), ids(got))
	got, err = s.ChildrenByNameBirth(bg(), Area, "测试改名", birth)
	require.NoError(t, err)
	require.Equal(t, ids([]*welfare.Child{y}), ids(got))
}

func testCreateChildren(t *testing.T, s welfare.Store) {
	require.NoError(t, s.CreateChildren(bg(), nil), "an empty batch is a no-op")
	batch := make([]*welfare.Child, 50)
	for i := range batch {
		batch[i] = NewChild(i + 1)
	}
	batch[7] = FullChild(8)
	want := make([]*welfare.Child, len(batch))
	for i, c := range batch {
		want[i] = c.Clone()
		want[i].Version = 1
	}
	require.NoError(t, s.CreateChildren(bg(), batch))
	for i, c := range batch {
		require.EqualValues(t, 1, c.Version, "CreateChildren sets Version 1 on every caller's value")
		requireStored(t, s, want[i])
	}
	got, err := Collect(s.Children(bg(), welfare.ChildFilter{Area: Area}))
	require.NoError(t, err)
	require.Equal(t, ids(sortedByID(want...)), ids(got))
}

func testCreateChildrenAtomic(t *testing.T, s welfare.Store) {
	existing := NewChild(1)
	mustCreate(t, s, existing)

	build := func(from int) []*welfare.Child {
		b := make([]*welfare.Child, 10)
		for i := range b {
			b[i] = NewChild(from + i)
		}
		return b
	}
	requireNone := func(b []*welfare.Child) {
		t.Helper()
		for _, c := range b {
			if c.ID == existing.ID {
				continue
			}
			_, err := s.GetChild(bg(), c.ID)
			require.ErrorIs(t, err, welfare.ErrNotFound, "a failed batch inserts nothing")
		}
		n, err := Collect(s.Children(bg(), welfare.ChildFilter{Area: Area}))
		require.NoError(t, err)
		require.Len(t, n, 1)
	}

	withStoredNumber := build(100)
	withStoredNumber[7].IDNumber = existing.IDNumber
	require.ErrorIs(t, s.CreateChildren(bg(), withStoredNumber), welfare.ErrDuplicate)
	requireNone(withStoredNumber)

	numberTwice := build(200)
	numberTwice[9].IDNumber = numberTwice[3].IDNumber
	require.ErrorIs(t, s.CreateChildren(bg(), numberTwice), welfare.ErrDuplicate)
	requireNone(numberTwice)

	withStoredID := build(300)
	withStoredID[5] = NewChild(1)
	withStoredID[5].IDNumber = ""
	require.ErrorIs(t, s.CreateChildren(bg(), withStoredID), welfare.ErrConflict)
	requireNone(withStoredID)

	idTwice := build(400)
	idTwice[8] = NewChild(402)
	idTwice[8].IDNumber = ""
	require.ErrorIs(t, s.CreateChildren(bg(), idTwice), welfare.ErrConflict)
	requireNone(idTwice)

	ok := build(500)
	require.NoError(t, s.CreateChildren(bg(), ok))
}

// testTimesNormalised stores times with nanoseconds in Beijing time and expects them back
// as welfare.StoreTime keeps them: UTC, truncated to microseconds.
func testTimesNormalised(t *testing.T, s welfare.Store) {
	ctx := bg()
	odd := time.Date(2025, time.March, 1, 16, 30, 15, 123456789, welfare.Beijing())
	c := FullChild(1)
	c.CreatedAt, c.UpdatedAt = odd, odd.Add(time.Hour)
	for i := range c.Lifecycle {
		c.Lifecycle[i].Recorded = odd.Add(time.Duration(i) * time.Minute)
	}
	want := c.Clone()
	want.Version = 1
	want.CreatedAt, want.UpdatedAt = welfare.StoreTime(c.CreatedAt), welfare.StoreTime(c.UpdatedAt)
	for i := range want.Lifecycle {
		want.Lifecycle[i].Recorded = welfare.StoreTime(c.Lifecycle[i].Recorded)
	}
	mustCreate(t, s, c)
	got, err := s.GetChild(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, time.UTC, got.CreatedAt.Location())

	e := NewKeyEntry(1, c)
	e.UpdatedAt = odd
	require.NoError(t, s.CreateKeyEntry(ctx, e))
	ge, err := s.GetKeyEntry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, welfare.StoreTime(odd), ge.UpdatedAt)

	m := NewStaff(1, Area)
	m.UpdatedAt = odd
	require.NoError(t, s.CreateStaff(ctx, m))
	gm, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, welfare.StoreTime(odd), gm.UpdatedAt)

	r := NewAccessRecord(1, c.ID, odd)
	require.NoError(t, s.RecordAccess(ctx, r))
	recs, err := Collect(s.AccessRecords(ctx, c.ID))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r.At = welfare.StoreTime(odd)
	require.Equal(t, r, recs[0])
}

// testAreaImmutable: the area code is every store's shard key; an update that changes it
// fails with ErrInvalid and changes nothing.
func testAreaImmutable(t *testing.T, s welfare.Store) {
	ctx := bg()
	c := NewChild(1)
	mustCreate(t, s, c)
	moved := c.Clone()
	moved.AreaCode = OtherArea
	require.ErrorIs(t, s.UpdateChild(ctx, moved), welfare.ErrInvalid)
	require.EqualValues(t, 1, moved.Version)
	requireStored(t, s, c)

	e := NewKeyEntry(1, c)
	require.NoError(t, s.CreateKeyEntry(ctx, e))
	me := e.Clone()
	me.AreaCode = OtherArea
	require.ErrorIs(t, s.UpdateKeyEntry(ctx, me), welfare.ErrInvalid)
	ge, err := s.GetKeyEntry(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, Area, ge.AreaCode)
	require.EqualValues(t, 1, ge.Version)

	m := NewStaff(1, Area)
	require.NoError(t, s.CreateStaff(ctx, m))
	mm := m.Clone()
	mm.AreaCode = OtherArea
	require.ErrorIs(t, s.UpdateStaff(ctx, mm), welfare.ErrInvalid)
	gm, err := s.GetStaff(ctx, m.ID)
	require.NoError(t, err)
	require.Equal(t, m, gm)
}
