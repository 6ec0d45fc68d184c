package storetest

import (
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Synthetic data. Every record built here is made up: names such as 测试儿童17, phone
// numbers of the reserved-looking form 1390000xxxx, identity numbers generated with a
// valid check character for a birth date derived from the index. IDs are name-based
// (version 5) UUIDs, so records built from the same index are identical in every run and
// their byte order differs from the index order.

// Area codes used by the fixtures: Nanchang County (南昌县) and a second county whose
// records every area-scoped query must leave out.
const (
	Area      = "360121"
	OtherArea = "360124"
)

// Townships are the township codes (9 digits) synthetic children of Area live in; each
// has Villages villages whose codes are the township code and 201…
var Townships = []string{"360121100", "360121101", "360121102", "360121103"}

// Villages is the number of villages per township the fixtures use.
const Villages = 3

// BaseTime is the instant every fixture time is derived from: UTC with microsecond
// precision, the precision every store must keep.
var BaseTime = time.Date(2025, 3, 1, 8, 30, 15, 123456000, time.UTC)

var namespace = uuid.MustParse("6b1f2c4e-1d2a-4c8e-9a57-3f0e2b7c9d10")

func nameID(kind string, i int) uuid.UUID {
	return uuid.NewSHA1(namespace, []byte(kind+"/"+strconv.Itoa(i)))
}

// ChildID returns the ID of synthetic child i.
func ChildID(i int) uuid.UUID { return nameID("child", i) }

// EntryID returns the ID of synthetic key-care ledger entry i.
func EntryID(i int) uuid.UUID { return nameID("entry", i) }

// StaffID returns the ID of synthetic staff member i.
func StaffID(i int) uuid.UUID { return nameID("staff", i) }

// AccessID returns the ID of synthetic access record i.
func AccessID(i int) uuid.UUID { return nameID("access", i) }

// At returns BaseTime plus minutes.
func At(minutes int) time.Time { return BaseTime.Add(time.Duration(minutes) * time.Minute) }

// BirthDate returns the birth date of synthetic child i (2010-01-01 onwards, cycling
// every 5,000 days).
func BirthDate(i int) welfare.Date { return welfare.NewDate(2010, time.January, 1+i%5000) }

// SexOf returns the sex of synthetic child i.
func SexOf(i int) welfare.Sex {
	if i%2 == 1 {
		return welfare.SexMale
	}
	return welfare.SexFemale
}

// IDNumber returns a valid 18-character resident identity number for synthetic child i:
// address code of Area, the child's birth date and sex, a sequence making it unique for
// i < 2,500,000, and the MOD 11-2 check character.
func IDNumber(i int) welfare.IDNumber {
	b := BirthDate(i)
	seq := 2 * ((i / 5000) % 500)
	if SexOf(i) == welfare.SexMale {
		seq++
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", Area, b.Year, int(b.Month), b.Day, seq)
	check, ok := welfare.CheckCharacter(first17)
	if !ok {
		panic("storetest: bad synthetic identity number")
	}
	return welfare.IDNumber(first17 + string(check))
}

// Township returns the township of synthetic child i.
func Township(i int) string { return Townships[i%len(Townships)] }

// Village returns the village of synthetic child i.
func Village(i int) string {
	return Township(i) + strconv.Itoa(201+(i/len(Townships))%Villages)
}

// NewChild returns synthetic child i of Area: the fields a registration records, one
// "identified" lifecycle event, and an identity number unless i is a multiple of 5
// (many children have none). Version is 0, ready for CreateChild.
func NewChild(i int) *welfare.Child {
	c := &welfare.Child{
		ID:        ChildID(i),
		AreaCode:  Area,
		Name:      fmt.Sprintf("测试儿童%d", i),
		Sex:       SexOf(i),
		BirthDate: BirthDate(i),
		Residence: welfare.Residence{Township: Township(i), Village: Village(i)},
		Lifecycle: []welfare.LifecycleEvent{{
			To: welfare.StateIdentified, On: welfare.NewDate(2025, time.February, 1+i%28),
			Actor: StaffID(1).String(), Recorded: At(i),
		}},
		CreatedAt: At(i),
		UpdatedAt: At(i),
		UpdatedBy: StaffID(1).String(),
	}
	if i%5 != 0 {
		c.IDNumber = IDNumber(i)
	}
	return c
}

// FullChild returns synthetic child i with every field set, including each optional
// pointer, two guardians, two status observations and three lifecycle events.
func FullChild(i int) *welfare.Child {
	c := NewChild(i)
	c.IDNumber = IDNumber(i)
	c.Ethnicity = "汉族"
	c.Hukou = welfare.Place{RegionCode: "360421", Address: fmt.Sprintf("测试户籍地址%d号", i)}
	c.Residence.Address = fmt.Sprintf("测试小区%d栋", i)
	c.Residence.Geo = &welfare.GeoPoint{Lat: 28.546612, Lng: 115.944137}
	c.ArrivalDate = welfare.NewDate(2023, time.September, 1)
	c.Migration = welfare.Migration{WithGuardian: welfare.FlagYes, ReturnedHome: true}
	c.Guardians = []welfare.Guardian{
		{Name: fmt.Sprintf("测试父亲%d", i), Relationship: "father", Phone: fmt.Sprintf("1390000%04d", i%10000),
			Capacity: welfare.CapacityFull, LivesWith: true, Occupation: "测试职业", WorkRegion: "360121"},
		{Name: fmt.Sprintf("测试祖母%d", i), Relationship: "grandparent", Capacity: welfare.CapacityLimited},
	}
	c.Schooling = welfare.Schooling{Stage: "primary", School: "测试小学", Boarding: true}
	c.ResidencePermit = welfare.FlagYes
	c.MedicalInsurance = welfare.FlagNo
	c.Health = "chronic"
	c.Disability = &welfare.Disability{Type: "hearing", Grade: 3}
	c.Economic = welfare.EconomicDibao
	c.Vagrant = true
	help := welfare.NewDate(2025, time.January, 20)
	c.HelpRequested = &help
	c.Status = welfare.StatusSnapshot{
		welfare.AspectHealth: {Value: "测试：慢性病随访中", Concern: true, Date: welfare.NewDate(2025, time.February, 10),
			Source: welfare.Source{Kind: "visit", Ref: EntryID(900000 + i).String()}},
		welfare.AspectEducation: {Value: "测试：正常入学", Date: welfare.NewDate(2025, time.February, 11),
			Source: welfare.Source{Kind: "survey"}},
	}
	c.Lifecycle = append(c.Lifecycle,
		welfare.LifecycleEvent{From: welfare.StateIdentified, To: welfare.StateMonitored,
			On: welfare.NewDate(2025, time.March, 1), Note: "测试备注", Actor: StaffID(2).String(), Recorded: At(60 + i)},
		welfare.LifecycleEvent{From: welfare.StateMonitored, To: welfare.StateExited,
			On: welfare.NewDate(2025, time.April, 1), Reason: welfare.ExitReturned, Actor: StaffID(2).String(), Recorded: At(120 + i)},
	)
	merged := ChildID(1_000_000 + i)
	c.MergedInto = &merged
	c.UpdatedAt = At(180 + i)
	c.UpdatedBy = StaffID(2).String()
	return c
}

// WithState returns c with a lifecycle ending in state s (appending the events that lead
// there from the current state along identified → monitored → exited).
func WithState(c *welfare.Child, s welfare.LifecycleState) *welfare.Child {
	for c.State() != s {
		from, to := c.State(), s
		switch from {
		case welfare.StateMonitored:
			to = welfare.StateExited
		case welfare.StateExited:
			to = welfare.StateIdentified
		}
		ev := welfare.LifecycleEvent{From: from, To: to, On: welfare.NewDate(2025, time.March, 1),
			Actor: StaffID(1).String(), Recorded: At(30)}
		if to == welfare.StateExited {
			ev.Reason = welfare.ExitOther
		}
		c.Lifecycle = append(c.Lifecycle, ev)
	}
	return c
}

// NewKeyEntry returns synthetic ledger entry i for child (of the child's area), open
// since 2025-03-01, with evidence and one review.
func NewKeyEntry(i int, child *welfare.Child) *welfare.KeyEntry {
	return &welfare.KeyEntry{
		ID:        EntryID(i),
		AreaCode:  child.AreaCode,
		ChildID:   child.ID,
		Category:  welfare.KeyFamilyHardship,
		Tier:      "yellow",
		Opened:    welfare.NewDate(2025, time.March, 1),
		OpenedBy:  StaffID(1).String(),
		Evidence:  []string{"visit:" + EntryID(800000+i).String()},
		ReviewDue: welfare.NewDate(2025, time.June, 1),
		Reviews:   []welfare.Date{welfare.NewDate(2025, time.March, 15)},
		UpdatedAt: At(i),
		UpdatedBy: StaffID(1).String(),
	}
}

// Close marks e closed on day with a note and returns e.
func Close(e *welfare.KeyEntry, day welfare.Date) *welfare.KeyEntry {
	e.Closed = &day
	e.CloseNote = "测试：已结案"
	return e
}

// NewStaff returns synthetic staff member i of area, a social worker scoped to the area.
func NewStaff(i int, area string) *welfare.Staff {
	return &welfare.Staff{
		ID:        StaffID(i),
		AreaCode:  area,
		Name:      fmt.Sprintf("测试社工%d", i),
		Role:      welfare.RoleSocialWorker,
		Scope:     area,
		Phone:     fmt.Sprintf("1390001%04d", i%10000),
		Active:    true,
		UpdatedAt: At(i),
		UpdatedBy: StaffID(0).String(),
	}
}

// NewAccessRecord returns synthetic access record i: staff member 1 read child at at.
func NewAccessRecord(i int, child uuid.UUID, at time.Time) welfare.AccessRecord {
	return welfare.AccessRecord{
		ID: AccessID(i), At: at, StaffID: StaffID(1), Role: welfare.RoleSocialWorker,
		ChildID: child, Purpose: "测试：定期探访", Action: string(welfare.PermReadChild),
	}
}

// Collect drains seq, stopping at the first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// NormalizeChild returns a copy of c with empty slices and maps set to nil. Stores may
// return an empty collection as nil or as empty: the two mean the same, callers test
// len, and the suite compares normalised records.
func NormalizeChild(c *welfare.Child) *welfare.Child {
	if c == nil {
		return nil
	}
	d := c.Clone()
	if len(d.Guardians) == 0 {
		d.Guardians = nil
	}
	if len(d.Lifecycle) == 0 {
		d.Lifecycle = nil
	}
	if len(d.Status) == 0 {
		d.Status = nil
	}
	return d
}

// NormalizeKeyEntry returns a copy of e with empty slices set to nil.
func NormalizeKeyEntry(e *welfare.KeyEntry) *welfare.KeyEntry {
	if e == nil {
		return nil
	}
	d := e.Clone()
	if len(d.Evidence) == 0 {
		d.Evidence = nil
	}
	if len(d.Reviews) == 0 {
		d.Reviews = nil
	}
	return d
}
