package screening

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/welfare"
)

// Screening permissions, added to the welfare access matrix.
const (
	// PermRecord: administer and record sessions, and see who is due (PS-1).
	PermRecord welfare.Permission = "screening.write"
	// PermRequest: record a guardian's, school's or child's request for screening.
	PermRequest welfare.Permission = "screening.request"
	// PermReadAnswers: read the psychological archive in full — answers, scores,
	// bands, flags, trends and follow-ups (PS-2). For the roles in
	// Options.CaseWorkerRoles only for children whose case worker the actor is.
	PermReadAnswers welfare.Permission = "screening.answers.read"
	// PermReadLevel: see a child's current risk level and nothing else.
	PermReadLevel welfare.Permission = "screening.level.read"
)

// DefaultAccess is welfare.DefaultAccess with the screening grants:
//
//	role              record  request  answers            level
//	project lead      yes     yes      yes                yes
//	counsellor        yes     yes      yes                yes
//	social worker     yes     yes      case worker only   yes
//	child supervisor  -       yes      -                  yes
//	station staff     -       yes      -                  yes
//	child director    -       yes      -                  yes
//	volunteer         -       -        -                  -
//	auditor           -       -        -                  yes
//
// Archive content is the most sensitive data of the library: only the counsellor, the
// project lead and the child's case worker read answers; others in scope see the risk
// level at most. Every grant is limited to the actor's region scope.
func DefaultAccess() welfare.AccessMatrix {
	m := welfare.DefaultAccess()
	grant := func(r welfare.Role, ps ...welfare.Permission) { m[r] = append(slices.Clone(m[r]), ps...) }
	grant(welfare.RoleProjectLead, PermRecord, PermRequest, PermReadAnswers, PermReadLevel)
	grant(welfare.RoleCounsellor, PermRecord, PermRequest, PermReadAnswers, PermReadLevel)
	grant(welfare.RoleSocialWorker, PermRecord, PermRequest, PermReadAnswers, PermReadLevel)
	grant(welfare.RoleSupervisor, PermRequest, PermReadLevel)
	grant(welfare.RoleStationStaff, PermRequest, PermReadLevel)
	grant(welfare.RoleDirector, PermRequest, PermReadLevel)
	grant(welfare.RoleAuditor, PermReadLevel)
	return m
}

// CaseWorkers decides whether actor is the child's case worker (个案社工), the one
// social worker (by default; see Options.CaseWorkerRoles) who may read the child's
// answers. Until casework assigns cases, the library decides it from records or from an
// explicit list.
type CaseWorkers interface {
	IsCaseWorker(ctx context.Context, store welfare.Store, actor welfare.Actor, child *welfare.Child) (bool, error)
}

// LedgerCaseWorkers, the default, makes a social worker the case worker of the children
// whose open key-care ledger entries (重点台账) they opened: the worker who keeps a key
// child's file follows the child. Children without an open entry have no case worker,
// so only the counsellor and the project lead read their answers.
type LedgerCaseWorkers struct{}

// IsCaseWorker reports whether actor opened one of the child's open ledger entries.
func (LedgerCaseWorkers) IsCaseWorker(ctx context.Context, store welfare.Store, actor welfare.Actor, child *welfare.Child) (bool, error) {
	id := actor.StaffID.String()
	for e, err := range store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: child.AreaCode, ChildID: child.ID, OpenOnly: true}) {
		if err != nil {
			return false, err
		}
		if e.OpenedBy == id {
			return true, nil
		}
	}
	return false, nil
}

// Assignments is an explicit case-worker list: child ID → the staff IDs assigned.
type Assignments map[uuid.UUID][]uuid.UUID

// IsCaseWorker reports whether actor is assigned to the child.
func (a Assignments) IsCaseWorker(_ context.Context, _ welfare.Store, actor welfare.Actor, child *welfare.Child) (bool, error) {
	return slices.Contains(a[child.ID], actor.StaffID), nil
}

// AnyInScope makes every social worker whose scope covers the child a case worker: for
// small teams where all social workers share the caseload.
type AnyInScope struct{}

// IsCaseWorker always reports true (the scope check has already passed).
func (AnyInScope) IsCaseWorker(context.Context, welfare.Store, welfare.Actor, *welfare.Child) (bool, error) {
	return true, nil
}
