package welfare

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zapcore"
)

// Role is a staff member's role (TM-1, VS-4, AC-1).
type Role string

// Roles.
const (
	RoleProjectLead  Role = "project_lead"     // 项目负责人
	RoleSocialWorker Role = "social_worker"    // 社会工作者
	RoleCounsellor   Role = "counsellor"       // 心理咨询师
	RoleDirector     Role = "child_director"   // 儿童主任, one per village/community
	RoleSupervisor   Role = "child_supervisor" // 儿童督导员, one per township/street
	RoleStationStaff Role = "station_staff"    // 民政服务站工作人员
	RoleVolunteer    Role = "volunteer"        // e.g. 童伴妈妈
	RoleAuditor      Role = "auditor"          // the purchaser's auditor
)

// Roles lists every role.
func Roles() []Role {
	return []Role{RoleProjectLead, RoleSocialWorker, RoleCounsellor, RoleDirector,
		RoleSupervisor, RoleStationStaff, RoleVolunteer, RoleAuditor}
}

func (r Role) valid() bool { return slices.Contains(Roles(), r) }

// Chinese returns the term used in generated documents.
func (r Role) Chinese() string {
	switch r {
	case RoleProjectLead:
		return "项目负责人"
	case RoleSocialWorker:
		return "社会工作者"
	case RoleCounsellor:
		return "心理咨询师"
	case RoleDirector:
		return "儿童主任"
	case RoleSupervisor:
		return "儿童督导员"
	case RoleStationStaff:
		return "民政服务站工作人员"
	case RoleVolunteer:
		return "童伴妈妈等志愿者"
	case RoleAuditor:
		return "采购人验收人员"
	}
	return string(r)
}

// Staff is a member of the provider's team or a partner (child director, supervisor …).
type Staff struct {
	ID       uuid.UUID `json:"id"`
	Version  int64     `json:"version"`
	AreaCode string    `json:"area_code"`
	Name     string    `json:"name" validate:"required,max=50"`
	Role     Role      `json:"role" validate:"required,oneof=project_lead social_worker counsellor child_director child_supervisor station_staff volunteer auditor"`
	// Scope is the region the member works in: the county for project staff and
	// auditors, a township for supervisors and station staff, a village for directors.
	Scope     string    `json:"scope" validate:"required,regioncode"`
	Phone     string    `json:"phone,omitempty" validate:"omitempty,mobile"`
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Clone returns a copy.
func (s *Staff) Clone() *Staff {
	if s == nil {
		return nil
	}
	d := *s
	return &d
}

// String masks the name.
func (s *Staff) String() string {
	return fmt.Sprintf("Staff{%s %s %s}", s.ID, MaskName(s.Name), s.Role)
}

// Actor is who a service call acts for. Build it from a Staff record with ActorOf.
type Actor struct {
	StaffID uuid.UUID
	Role    Role
	Area    string // county code
	Scope   string // region code the actor may see
}

// ActorOf returns the actor for s.
func ActorOf(s *Staff) Actor {
	return Actor{StaffID: s.ID, Role: s.Role, Area: s.AreaCode, Scope: s.Scope}
}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (a Actor) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("staff", a.StaffID.String())
	enc.AddString("role", string(a.Role))
	enc.AddString("scope", a.Scope)
	return nil
}

// Permission is one thing a role may do.
type Permission string

// Permissions. Later packages add their own (e.g. reading screening answers).
const (
	PermReadChild    Permission = "child.read"
	PermWriteChild   Permission = "child.write"
	PermReadLedger   Permission = "ledger.read"
	PermWriteLedger  Permission = "ledger.write"
	PermReadCensus   Permission = "census.read"
	PermManageStaff  Permission = "staff.manage"
	PermReadStaff    Permission = "staff.read"
	PermMergeRecords Permission = "child.merge"
)

// AccessMatrix maps each role to its permissions. The region a role reaches is the
// staff member's Scope: a director's village, a supervisor's township, the county for
// project staff and auditors. Replaceable data; DefaultAccess is the documented default.
type AccessMatrix map[Role][]Permission

// DefaultAccess is the default matrix:
//
//	role              child r/w  ledger r/w  census  staff     merge
//	project lead      r w        r w         r       manage    yes
//	social worker     r w        r w         r       read      no
//	counsellor        r          r w         r       read      no
//	child supervisor  r w        r w         r       read      no
//	station staff     r w        r           r       read      no
//	child director    r w        r           -       -         no
//	volunteer         r          -           -       -         no
//	auditor           r          r           r       read      no
//
// Every grant is limited to the actor's scope; auditors write nothing.
func DefaultAccess() AccessMatrix {
	rw := []Permission{PermReadChild, PermWriteChild}
	return AccessMatrix{
		RoleProjectLead:  append(slices.Clone(rw), PermReadLedger, PermWriteLedger, PermReadCensus, PermManageStaff, PermReadStaff, PermMergeRecords),
		RoleSocialWorker: append(slices.Clone(rw), PermReadLedger, PermWriteLedger, PermReadCensus, PermReadStaff),
		RoleCounsellor:   {PermReadChild, PermReadLedger, PermWriteLedger, PermReadCensus, PermReadStaff},
		RoleSupervisor:   append(slices.Clone(rw), PermReadLedger, PermWriteLedger, PermReadCensus, PermReadStaff),
		RoleStationStaff: append(slices.Clone(rw), PermReadLedger, PermReadCensus, PermReadStaff),
		RoleDirector:     append(slices.Clone(rw), PermReadLedger),
		RoleVolunteer:    {PermReadChild},
		RoleAuditor:      {PermReadChild, PermReadLedger, PermReadCensus, PermReadStaff},
	}
}

// Allows reports nil if actor holds perm over region (a county, township or village
// code), or an error wrapping ErrOutOfScope.
func (m AccessMatrix) Allows(actor Actor, perm Permission, region string) error {
	if !slices.Contains(m[actor.Role], perm) {
		return fmt.Errorf("%w: role %s lacks %s", ErrOutOfScope, actor.Role, perm)
	}
	if !regionWithin(actor.Scope, region) {
		return fmt.Errorf("%w: %s outside scope %s", ErrOutOfScope, region, actor.Scope)
	}
	return nil
}

// regionWithin reports whether code lies in scope. Statistical codes nest by prefix
// (county 6, township 9, village 12 digits).
func regionWithin(scope, code string) bool {
	return scope != "" && len(code) >= len(scope) && code[:len(scope)] == scope
}

// AccessRecord is one recorded read of a child's file: who, when, why (DOMAIN §5).
type AccessRecord struct {
	ID      uuid.UUID `json:"id"`
	At      time.Time `json:"at"`
	StaffID uuid.UUID `json:"staff_id"`
	Role    Role      `json:"role"`
	ChildID uuid.UUID `json:"child_id"`
	Purpose string    `json:"purpose"`
	Action  string    `json:"action"` // e.g. "child.read"
}

// TeamCheck is the TM-1 verdict.
type TeamCheck struct {
	Met    bool         `json:"met"`
	RuleID string       `json:"rule_id"`
	Total  int          `json:"total"`
	Counts map[Role]int `json:"counts"`
	Short  map[Role]int `json:"short,omitempty"` // role → how many missing
}

// CheckTeam counts active project staff against rule. Auditors, directors, supervisors,
// station staff and volunteers are partners, not team members.
func CheckTeam(staff []*Staff, rule TeamRule) TeamCheck {
	tc := TeamCheck{RuleID: "TM-1", Counts: map[Role]int{}}
	for _, s := range staff {
		if !s.Active {
			continue
		}
		switch s.Role {
		case RoleProjectLead, RoleSocialWorker, RoleCounsellor:
			tc.Counts[s.Role]++
			tc.Total++
		}
	}
	for role, n := range rule.MinRoles {
		if tc.Counts[role] < n {
			if tc.Short == nil {
				tc.Short = map[Role]int{}
			}
			tc.Short[role] = n - tc.Counts[role]
		}
	}
	tc.Met = tc.Total >= rule.MinTotal && len(tc.Short) == 0
	return tc
}
