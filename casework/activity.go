package casework

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// ActivityKind is the kind of a group activity.
type ActivityKind string

// Activity kinds.
const (
	ActivityCare     ActivityKind = "care"        // 关爱服务活动 (CA-1)
	ActivityTalk     ActivityKind = "policy_talk" // 政策宣讲 (PT-1, CA-3)
	ActivityFestival ActivityKind = "festival"    // 节日主题活动 (CA-3), a care activity too
)

// Chinese returns the term used in generated documents.
func (k ActivityKind) Chinese() string {
	switch k {
	case ActivityCare:
		return "关爱服务活动"
	case ActivityTalk:
		return "政策宣讲"
	case ActivityFestival:
		return "节日主题活动"
	}
	return string(k)
}

// Activity forms (CA-4).
const (
	FormCommunity = "community"        // 社区融入
	FormFamily    = "family"           // 家庭融入
	FormSchool    = "school"           // 学校融入
	FormPeer      = "peer_integration" // 同伴融入
)

// Venue kinds.
const (
	VenueSchool      = "school"       // 学校
	VenueCommunity   = "community"    // 社区
	VenueYilaoYixiao = "yilao_yixiao" // "一老一小"幸福院
	VenueStation     = "station"      // 儿童之家、服务站
	VenueOther       = "other"
)

// Participants counts who took part. Children lists registered children by ID;
// OtherChildren counts children not registered; Guardians counts parents and other
// guardians; Others (volunteers, staff, guests) do not count towards CA-2.
type Participants struct {
	Children      []uuid.UUID `json:"children,omitempty"`
	OtherChildren int         `json:"other_children" validate:"gte=0"`
	Guardians     int         `json:"guardians" validate:"gte=0"`
	Others        int         `json:"others" validate:"gte=0"`
}

// Count is the CA-2 count: children (registered and not) and guardians.
func (p Participants) Count() int { return len(p.Children) + p.OtherChildren + p.Guardians }

// ActivityEvidence references a photo, video or sign-in sheet of an activity.
type ActivityEvidence struct {
	Kind   string `json:"kind" validate:"required,oneof=photo video sign_in other"`
	SHA256 string `json:"sha256,omitempty" validate:"omitempty,len=64,hexadecimal"`
	Ref    string `json:"ref,omitempty" validate:"max=200"`
}

// Publicity is the WeChat official-account article about an activity (CA-3).
type Publicity struct {
	URL string    `json:"url" validate:"required,url,max=500"`
	At  time.Time `json:"at" validate:"required"`
}

// Activity is a group activity or policy talk.
type Activity struct {
	ID       uuid.UUID    `json:"id"`
	Version  int64        `json:"version"`
	AreaCode string       `json:"area_code"`
	Kind     ActivityKind `json:"kind"`
	Theme    string       `json:"theme"`
	Forms    []string     `json:"forms,omitempty"`
	// Topics: e.g. safety (安全意识), family_education (家庭教育), culture, integration.
	Topics    []string     `json:"topics,omitempty"`
	VenueKind string       `json:"venue_kind"`
	Venue     string       `json:"venue"`
	Township  string       `json:"township"`
	Village   string       `json:"village,omitempty"`
	Date      welfare.Date `json:"date"`
	// Holidays are the codes of the holidays a festival activity is tied to.
	Holidays     []string           `json:"holidays,omitempty"`
	Participants Participants       `json:"participants"`
	Evidence     []ActivityEvidence `json:"evidence,omitempty"`
	Publicity    *Publicity         `json:"publicity,omitempty"`
	Organiser    uuid.UUID          `json:"organiser"`

	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Clone returns a deep copy.
func (a *Activity) Clone() *Activity {
	if a == nil {
		return nil
	}
	d := *a
	d.Forms = slices.Clone(a.Forms)
	d.Topics = slices.Clone(a.Topics)
	d.Holidays = slices.Clone(a.Holidays)
	d.Participants.Children = slices.Clone(a.Participants.Children)
	d.Evidence = slices.Clone(a.Evidence)
	if a.Publicity != nil {
		p := *a.Publicity
		d.Publicity = &p
	}
	return &d
}
