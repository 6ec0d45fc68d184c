package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/childwelfare/liudong/adapters/sqlstore"
	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

// sensitive lists the personal data of the sealing fixtures that must never be stored
// in the clear: names, identity numbers, phones, addresses, the position.
func sensitive(cs []*welfare.Child, ms []*welfare.Staff) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name, c.IDNumber.Full(), c.Hukou.Address, c.Residence.Address,
			fmt.Sprint(c.Residence.Geo.Lat), fmt.Sprint(c.Residence.Geo.Lng))
		for _, g := range c.Guardians {
			out = append(out, g.Name)
			if g.Phone != "" {
				out = append(out, g.Phone)
			}
		}
	}
	for _, m := range ms {
		out = append(out, m.Name, m.Phone)
	}
	return out
}

func sealingFixtures() ([]*welfare.Child, []*welfare.Staff) {
	cs := []*welfare.Child{storetest.FullChild(1), storetest.FullChild(2)}
	return cs, []*welfare.Staff{storetest.NewStaff(1, storetest.Area)}
}

func writeFixtures(t *testing.T, s *sqlstore.Store, cs []*welfare.Child, ms []*welfare.Staff) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.CreateChild(ctx, cs[0]))
	require.NoError(t, s.CreateChildren(ctx, cs[1:]))
	for _, m := range ms {
		require.NoError(t, s.CreateStaff(ctx, m))
	}
	require.NoError(t, s.CreateKeyEntry(ctx, storetest.NewKeyEntry(1, cs[0])))
	require.NoError(t, s.RecordAccess(ctx, storetest.NewAccessRecord(1, cs[0].ID, storetest.At(1))))
	cs[0].Guardians[0].Phone = "13900008888" // an update seals again
	require.NoError(t, s.UpdateChild(ctx, cs[0]))
}

// TestSealing: with a Sealer no name, identity number, phone, address or position
// appears in any column of any table, lookups by identity number and by name and birth
// date still work, and a wrong or missing key fails with ErrUnseal.
func TestSealing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s, db := e.open(t, sqlstore.Options{Sealer: testSealer(t, 7)})
		cs, ms := sealingFixtures()
		writeFixtures(t, s, cs, ms)

		dump := dumpTables(t, db)
		require.NotEmpty(t, dump["children"])
		for _, secret := range sensitive(cs, ms) {
			for table, rows := range dump {
				for _, row := range rows {
					require.NotContains(t, row, secret, "table %s holds personal data in the clear", table)
				}
			}
		}

		for _, c := range cs {
			want := c.Clone()
			got, err := s.GetChild(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, storetest.NormalizeChild(want), storetest.NormalizeChild(got))
			byNumber, err := s.ChildByIDNumber(ctx, storetest.Area, c.IDNumber)
			require.NoError(t, err, "lookup by identity number through the blind index")
			require.Equal(t, c.ID, byNumber.ID)
			byName, err := s.ChildrenByNameBirth(ctx, storetest.Area, c.Name, c.BirthDate)
			require.NoError(t, err)
			require.Len(t, byName, 1, "lookup by name and birth date through the blind index")
			require.Equal(t, c.ID, byName[0].ID)
		}
		none, err := s.ChildrenByNameBirth(ctx, storetest.Area, cs[0].Name, cs[0].BirthDate.AddDate(0, 0, 1))
		require.NoError(t, err)
		require.Empty(t, none)
		rows := collect(t, s.CensusRows(ctx, storetest.Area))
		require.Len(t, rows, len(cs), "census rows need no key")

		wrong, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{Sealer: testSealer(t, 8)})
		require.NoError(t, err)
		_, err = wrong.GetChild(ctx, cs[0].ID)
		require.ErrorIs(t, err, sqlstore.ErrUnseal, "a wrong key fails to open")
		require.NotContains(t, err.Error(), cs[0].Name)
		t.Logf("engine %s: wrong key: %v", e.name, err)
		_, err = wrong.GetStaff(ctx, ms[0].ID)
		require.ErrorIs(t, err, sqlstore.ErrUnseal)
		_, err = wrong.ChildByIDNumber(ctx, storetest.Area, cs[0].IDNumber)
		require.ErrorIs(t, err, welfare.ErrNotFound, "a wrong index key finds nothing")

		plain, err := sqlstore.Open(ctx, db, s.Dialect(), sqlstore.Options{})
		require.NoError(t, err)
		_, err = plain.GetChild(ctx, cs[0].ID)
		require.ErrorIs(t, err, sqlstore.ErrUnseal, "sealed data without a Sealer")
	})
}

// TestSealingOff shows the dump sees plain data: without a Sealer the names are
// stored (in the sealed column, as JSON), so TestSealing's check is meaningful.
func TestSealingOff(t *testing.T) {
	s, db := sqliteEngine.open(t, sqlstore.Options{})
	cs, ms := sealingFixtures()
	writeFixtures(t, s, cs, ms)
	dump := strings.Join(dumpTables(t, db)["children"], "\n")
	require.Contains(t, dump, cs[0].Name)
	require.Contains(t, dump, cs[0].IDNumber.Full())

	_, err := sqlstore.Open(context.Background(), db, sqlstore.SQLite, sqlstore.Options{Sealer: testSealer(t, 1)})
	require.NoError(t, err)
	sealed, err := sqlstore.Open(context.Background(), db, sqlstore.SQLite, sqlstore.Options{Sealer: testSealer(t, 1)})
	require.NoError(t, err)
	_, err = sealed.GetChild(context.Background(), cs[0].ID)
	require.ErrorIs(t, err, sqlstore.ErrUnseal, "plain data read with a Sealer")
}

func TestAESGCMSealer(t *testing.T) {
	s := testSealer(t, 3)
	ct, err := s.Seal([]byte("测试"), []byte("children\x00a"))
	require.NoError(t, err)
	ct2, err := s.Seal([]byte("测试"), []byte("children\x00a"))
	require.NoError(t, err)
	require.NotEqual(t, ct, ct2, "random nonces")
	p, err := s.Open(ct, []byte("children\x00a"))
	require.NoError(t, err)
	require.Equal(t, "测试", string(p))
	_, err = s.Open(ct, []byte("children\x00b"))
	require.Error(t, err, "another row's aad")
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	_, err = s.Open(bad, []byte("children\x00a"))
	require.Error(t, err)
	_, err = s.Open([]byte("{}"), nil)
	require.Error(t, err)

	require.Equal(t, s.BlindIndex("k", []byte("v")), s.BlindIndex("k", []byte("v")))
	require.NotEqual(t, s.BlindIndex("k", []byte("v")), s.BlindIndex("j", []byte("v")), "kinds separate domains")
	require.NotEqual(t, s.BlindIndex("k", []byte("v")), testSealer(t, 4).BlindIndex("k", []byte("v")))

	for _, keys := range [][2][]byte{{make([]byte, 16), make([]byte, 32)}, {make([]byte, 32), make([]byte, 8)}, {bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{1}, 32)}} {
		_, err := sqlstore.NewAESGCMSealer(keys[0], keys[1])
		require.Error(t, err)
	}
}
