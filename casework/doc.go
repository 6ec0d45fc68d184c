// Package casework is case service (个案服务, CS-1, CS-2), referrals (转介), urgent
// incidents and mandatory reports (紧急事件与强制报告, SR-2, SR-3, AC-6), and group
// activities and policy talks (关爱服务活动与政策宣讲, CA-1..CA-4, PT-1).
//
// # Cases
//
// A Case (个案) is opened for a child from a key-ledger entry, a screening result, a
// visit follow-up, an incident or a request. Its workflow state is never set by hand:
// State derives it from what has been recorded —
//
//	new         opened (or reopened), no assessment in the current cycle
//	assessment  assessed across the six needs, no intervention plan yet
//	plan        a plan submitted and awaiting approval, or rejected and awaiting revision
//	in_service  the latest plan approved; actions being carried out
//	review      every action of the plan done, a review recommending closure, or a
//	            closure awaiting approval
//	closed      closure approved by the project lead
//
// Reopen starts a new cycle (back to new); everything recorded before stays. Notes are
// append-only; nothing is overwritten. Plans and closures are approved by the roles
// Rules.Approvers names (default the project lead, 项目负责人); whether the approver may
// approve their own submission is Rules.SelfApproval (default no).
//
// # Tasks
//
// Tasks (assessment, plan, action and review due, approvals waiting, referral and
// report overdue) are computed by Service.Tasks from the records, the rules and an asOf
// instant, never stored. Due days are Beijing days: a task due on a day is overdue from
// 00:00 Beijing time (UTC+8) of the next day, whatever zone asOf arrives in.
//
// # Typical cases
//
// A closed case may be designated typical (典型案例, CS-2): the library writes a
// structured narrative (background, assessment, intervention, outcome, reflection)
// from the case's codes and the worker's texts, de-identified for publication — the
// child's and guardians' names, identity number, phone numbers, addresses, school and
// village are replaced, every run of digits and house number removed, and ages given
// as bands. CheckTypical counts them against the programme's minimum.
//
// # Incidents and mandatory reports
//
// An Incident (紧急事件) is raised by anyone, or by a welfare.Concern of kind urgent
// (Service implements welfare.ConcernSink). Each kind has report targets with a
// deadline in hours from discovery (Rules.Reports; harm, suspected harm and danger go to
// the police and civil affairs immediately, DOMAIN §5). Service.Dispatch sends the
// reports through a Notifier, records every attempt and acknowledgement, and escalates
// reports that are overdue or unacknowledged. LateIncidents lists incidents recorded or
// reported late: the AC-6 evidence.
//
// # Activities
//
// Activities (care activities, policy talks, festival activities) record kind, theme,
// form, venue, date, participants, evidence and WeChat publicity. CheckActivities tests
// them against the programme: at least MinActivities activities with at least
// MinParticipants each (CA-1, CA-2), PolicyTalksPerQuarter talks in every Beijing
// quarter of the period (PT-1, CA-3), a festival activity for every major holiday in the
// period (CA-3; lunar festival dates from github.com/6tail/lunar-go) and publicity within
// PublicityWithinDays (CA-3). Each failed check says which quarter, holiday or activity
// is missing.
//
// # Rules not (yet) in the Programme
//
// welfare.Programme carries the activity minimums and the typical-case minimum. The
// other numbers casework needs — assessment, plan and review deadlines, referral
// deadlines per target, incident report targets and deadlines per kind, escalation,
// the self-approval rule, the holiday list — are in Rules, whose DefaultRules documents
// each default. They belong in the Programme and should move there.
package casework
