package welfare

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.uber.org/zap/zapcore"
)

// Flag is a survey answer that may be unknown: a child with no answer recorded for
// "has a residence permit" is counted apart from one recorded as having none.
type Flag string

// Flag values. The zero value means not recorded.
const (
	FlagUnknown Flag = ""
	FlagYes     Flag = "yes"
	FlagNo      Flag = "no"
)

// GeoPoint is a WGS-84 position.
type GeoPoint struct {
	Lat float64 `json:"lat" validate:"gte=-90,lte=90"`
	Lng float64 `json:"lng" validate:"gte=-180,lte=180"`
}

// Place is a household-registration place (户籍地): a region code and a free-text address.
type Place struct {
	RegionCode string `json:"region_code" validate:"omitempty,regioncode"`
	Address    string `json:"address,omitempty" validate:"max=200"`
}

// Residence is where the child lives now (现居住地).
type Residence struct {
	Township string    `json:"township" validate:"required,regioncode"` // 9-digit township/street code
	Village  string    `json:"village" validate:"omitempty,regioncode"` // 12-digit village/community code
	Address  string    `json:"address,omitempty" validate:"max=200"`
	Geo      *GeoPoint `json:"geo,omitempty"`
}

// GuardianCapacity records whether a guardian can actually look after the child
// (监护能力). "none" for every guardian means no capable guardian (监护缺失).
type GuardianCapacity string

// Guardian capacities.
const (
	CapacityUnknown GuardianCapacity = ""
	CapacityFull    GuardianCapacity = "full"
	CapacityLimited GuardianCapacity = "limited" // e.g. serious illness, elderly
	CapacityNone    GuardianCapacity = "none"    // e.g. detained, missing, severe disability
)

// Guardian is a parent or other guardian (监护人) or entrusted carer (受委托监护人).
type Guardian struct {
	Name         string           `json:"name" validate:"required,max=50"`
	Relationship string           `json:"relationship" validate:"required,oneof=father mother grandparent sibling relative entrusted other"`
	Phone        string           `json:"phone,omitempty" validate:"omitempty,mobile"`
	Capacity     GuardianCapacity `json:"capacity,omitempty" validate:"omitempty,oneof=full limited none"`
	LivesWith    bool             `json:"lives_with"`
	Occupation   string           `json:"occupation,omitempty" validate:"max=50"` // parents' work
	WorkRegion   string           `json:"work_region,omitempty" validate:"omitempty,regioncode"`
}

// Schooling is the child's enrolment (入学入园).
type Schooling struct {
	Stage    string `json:"stage,omitempty" validate:"omitempty,oneof=preschool_home kindergarten primary junior senior vocational not_enrolled dropped_out"`
	School   string `json:"school,omitempty" validate:"max=100"`
	Boarding bool   `json:"boarding,omitempty"`
}

// Disability of the child (残疾类别与等级, grades 1–4 as on the disability certificate).
type Disability struct {
	Type  string `json:"type" validate:"required,oneof=visual hearing speech physical intellectual mental multiple"`
	Grade int    `json:"grade" validate:"gte=1,lte=4"`
}

// Economic is the family's economic status.
type Economic string

// Economic statuses (Dibao 低保, Tekun 特困, low-income edge 低保边缘).
const (
	EconomicUnknown   Economic = ""
	EconomicOrdinary  Economic = "ordinary"
	EconomicLowIncome Economic = "low_income"
	EconomicDibao     Economic = "dibao"
	EconomicTekun     Economic = "tekun"
)

// Migration holds the facts that eligibility (识别认定) is decided from.
type Migration struct {
	// WithGuardian: the child left the registration place with a parent or other guardian.
	WithGuardian Flag `json:"with_guardian,omitempty" validate:"omitempty,oneof=yes no"`
	// ReturnedHome: the child has gone back to the registration county.
	ReturnedHome bool `json:"returned_home,omitempty"`
}

// Child is a migrant child's record (流动儿童信息), with the survey's fields (DOMAIN §1).
// Identity never depends on IDNumber: many children have none recorded.
type Child struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"` // county code: the shard key of every store

	Name        string    `json:"name" validate:"required,max=50"`
	Sex         Sex       `json:"sex" validate:"required,oneof=male female"`
	BirthDate   Date      `json:"birth_date" validate:"required"`
	Ethnicity   string    `json:"ethnicity,omitempty" validate:"max=20"`
	IDNumber    IDNumber  `json:"id_number,omitempty" validate:"omitempty,idnumber"`
	Hukou       Place     `json:"hukou"`
	Residence   Residence `json:"residence"`
	ArrivalDate Date      `json:"arrival_date"`
	Migration   Migration `json:"migration"`

	Guardians        []Guardian  `json:"guardians,omitempty" validate:"dive"`
	Schooling        Schooling   `json:"schooling"`
	ResidencePermit  Flag        `json:"residence_permit,omitempty" validate:"omitempty,oneof=yes no"`
	MedicalInsurance Flag        `json:"medical_insurance,omitempty" validate:"omitempty,oneof=yes no"`
	Health           string      `json:"health,omitempty" validate:"omitempty,oneof=good chronic serious"`
	Disability       *Disability `json:"disability,omitempty"`
	Economic         Economic    `json:"economic,omitempty" validate:"omitempty,oneof=ordinary low_income dibao tekun"`
	Vagrant          bool        `json:"vagrant,omitempty"`        // 流浪
	HelpRequested    *Date       `json:"help_requested,omitempty"` // 主动提出救助帮扶需求, the day asked

	Status    StatusSnapshot   `json:"status" validate:"dive"`
	Lifecycle []LifecycleEvent `json:"lifecycle"`
	// MergedInto is set on a record found to duplicate another; both histories are kept.
	MergedInto *uuid.UUID `json:"merged_into,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"` // staff ID of the last writer
}

// State returns the current lifecycle state, the last event's.
func (c *Child) State() LifecycleState {
	if len(c.Lifecycle) == 0 {
		return StateIdentified
	}
	return c.Lifecycle[len(c.Lifecycle)-1].To
}

// AgeOn returns the child's age in whole years on day.
func (c *Child) AgeOn(day Date) int { return c.BirthDate.YearsOn(day) }

// Clone returns a deep copy: stores hand out copies, never aliases.
func (c *Child) Clone() *Child {
	if c == nil {
		return nil
	}
	d := *c
	d.Guardians = append([]Guardian(nil), c.Guardians...)
	d.Lifecycle = append([]LifecycleEvent(nil), c.Lifecycle...)
	d.Status = c.Status.Clone()
	if c.Residence.Geo != nil {
		g := *c.Residence.Geo
		d.Residence.Geo = &g
	}
	if c.Disability != nil {
		v := *c.Disability
		d.Disability = &v
	}
	if c.HelpRequested != nil {
		v := *c.HelpRequested
		d.HelpRequested = &v
	}
	if c.MergedInto != nil {
		v := *c.MergedInto
		d.MergedInto = &v
	}
	return &d
}

// String shows the record's ID and state with the name masked; fmt never prints
// personal data.
func (c *Child) String() string {
	return fmt.Sprintf("Child{%s v%d %s %s}", c.ID, c.Version, MaskName(c.Name), c.State())
}

// MarshalLogObject implements zapcore.ObjectMarshaler with no personal data.
func (c *Child) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", c.ID.String())
	enc.AddInt64("version", c.Version)
	enc.AddString("area", c.AreaCode)
	enc.AddString("township", c.Residence.Township)
	enc.AddString("state", string(c.State()))
	return nil
}

// MaskName keeps a name's first character: 张** for 张小明.
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	out := []rune{r}
	for i := 1; i < max(n, 2); i++ {
		out = append(out, '*')
	}
	return string(out)
}

// MaskPhone keeps the first 3 and last 4 digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return "****"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// CensusRow is the projection of a child that census statistics read. Stores produce it
// without decoding the whole record (and without unsealing personal fields).
type CensusRow struct {
	ID               uuid.UUID
	Township         string
	Village          string
	Sex              Sex
	BirthDate        Date
	Stage            string
	Health           string
	DisabilityType   string
	MedicalInsurance Flag
	ResidencePermit  Flag
	Economic         Economic
	State            LifecycleState
}

// CensusRowOf projects c.
func CensusRowOf(c *Child) CensusRow {
	r := CensusRow{
		ID: c.ID, Township: c.Residence.Township, Village: c.Residence.Village, Sex: c.Sex,
		BirthDate: c.BirthDate, Stage: c.Schooling.Stage, Health: c.Health,
		MedicalInsurance: c.MedicalInsurance, ResidencePermit: c.ResidencePermit,
		Economic: c.Economic, State: c.State(),
	}
	if c.Disability != nil {
		r.DisabilityType = c.Disability.Type
	}
	return r
}
