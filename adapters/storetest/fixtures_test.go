package storetest_test

import (
	"reflect"
	"testing"

	"github.com/childwelfare/liudong/adapters/storetest"
	"github.com/childwelfare/liudong/welfare"
	"github.com/stretchr/testify/require"
)

func TestIDNumbersValidAndUnique(t *testing.T) {
	seen := map[welfare.IDNumber]int{}
	for i := range 30_000 {
		n := storetest.IDNumber(i)
		_, err := welfare.ParseIDNumber(n.Full())
		require.NoError(t, err, "child %d", i)
		sex, ok := n.Sex()
		require.True(t, ok)
		require.Equal(t, storetest.SexOf(i), sex)
		prev, dup := seen[n]
		require.False(t, dup, "children %d and %d share a number", prev, i)
		seen[n] = i
	}
}

func TestFixturesValidate(t *testing.T) {
	v := welfare.NewValidator()
	for i := range 50 {
		require.NoError(t, v.Struct(storetest.NewChild(i)), "NewChild(%d)", i)
		require.NoError(t, v.Struct(storetest.FullChild(i)), "FullChild(%d)", i)
		require.NoError(t, v.Struct(storetest.NewStaff(i, storetest.Area)))
	}
}

func TestFixturesDeterministic(t *testing.T) {
	require.Equal(t, storetest.FullChild(7), storetest.FullChild(7))
	require.NotEqual(t, storetest.ChildID(1), storetest.ChildID(2))
}

func TestWithState(t *testing.T) {
	for _, from := range []welfare.LifecycleState{welfare.StateIdentified, welfare.StateMonitored, welfare.StateExited} {
		for _, to := range []welfare.LifecycleState{welfare.StateIdentified, welfare.StateMonitored, welfare.StateExited} {
			c := storetest.WithState(storetest.WithState(storetest.NewChild(1), from), to)
			require.Equal(t, to, c.State())
			for i := 1; i < len(c.Lifecycle); i++ {
				require.Equal(t, c.Lifecycle[i-1].To, c.Lifecycle[i].From)
			}
		}
	}
}

// TestFullChildSetsEveryField keeps the round-trip tests honest: when a field is added
// to a record type, the full fixture must set it (somewhere, for slice elements and map
// values), or this test names the field.
func TestFullChildSetsEveryField(t *testing.T) {
	c := storetest.FullChild(3)
	c.Version = 1
	requireAllSet(t, "Child", []reflect.Value{reflect.ValueOf(c).Elem()})
	e := storetest.Close(storetest.NewKeyEntry(1, c), welfare.NewDate(2025, 5, 1))
	e.Version = 1
	requireAllSet(t, "KeyEntry", []reflect.Value{reflect.ValueOf(e).Elem()})
	m := storetest.NewStaff(1, storetest.Area)
	m.Version = 1
	requireAllSet(t, "Staff", []reflect.Value{reflect.ValueOf(m).Elem()})
	r := storetest.NewAccessRecord(1, c.ID, storetest.At(1))
	requireAllSet(t, "AccessRecord", []reflect.Value{reflect.ValueOf(r)})
}

// requireAllSet asserts that every field reachable from vs is non-zero in at least one
// of vs (a struct's fields, a pointer's target, slice elements and map values together).
func requireAllSet(t *testing.T, path string, vs []reflect.Value) {
	t.Helper()
	var set []reflect.Value
	for _, v := range vs {
		if !v.IsZero() {
			set = append(set, v)
		}
	}
	require.NotEmpty(t, set, "%s is never set by the fixture", path)
	switch set[0].Kind() {
	case reflect.Pointer:
		var elems []reflect.Value
		for _, v := range set {
			elems = append(elems, v.Elem())
		}
		requireAllSet(t, path, elems)
	case reflect.Slice:
		var elems []reflect.Value
		for _, v := range set {
			for i := range v.Len() {
				elems = append(elems, v.Index(i))
			}
		}
		requireAllSet(t, path+"[]", elems)
	case reflect.Map:
		var elems []reflect.Value
		for _, v := range set {
			for it := v.MapRange(); it.Next(); {
				elems = append(elems, it.Value())
			}
		}
		requireAllSet(t, path+"[]", elems)
	case reflect.Struct:
		typ := set[0].Type()
		if typ.PkgPath() != "" && typ.NumField() > 0 && !typ.Field(0).IsExported() {
			return // opaque types such as time.Time: non-zero is enough
		}
		for i := range typ.NumField() {
			if !typ.Field(i).IsExported() {
				continue
			}
			var fields []reflect.Value
			for _, v := range set {
				fields = append(fields, v.Field(i))
			}
			requireAllSet(t, path+"."+typ.Field(i).Name, fields)
		}
	}
}
