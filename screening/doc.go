// Package screening is psychological screening (心理健康筛查, PS-1, PS-2, CS-1): validated
// instruments as data, scoring with versioned norm sets, risk levels, flags that cannot
// be suppressed, who should be screened, and the one-file-per-child psychological
// archive (心理健康档案, 一人一档).
//
// # Instruments as data
//
// An Instrument holds items, the response scale, reverse-scored items, subscales and the
// total, missing-answer rules (SDQ: a scale with at least 3 of 5 items answered is
// prorated to round-half-up(mean × 5)), gates (the SDQ impact supplement scores 0 when
// the child has no difficulties), norm sets with bands per informant and age, validity
// rules (MHT lie scale), flag rules and the default mapping of bands to risk levels.
// LoadInstrument reads one from JSON or YAML, strictly, and Validate rejects a definition
// with a field-naming *welfare.ValidationError. The built-ins are embedded JSON files
// under instruments/ (BuiltinIDs lists them); a county adds its own with Catalogue.With.
//
// # Licences
//
// Item texts are embedded only where the licence allows (DOMAIN §10), and Validate
// enforces it: a definition whose licence does not allow texts may carry no item text,
// instructions or response labels.
//
//   - PHQ-9, PHQ-A, GAD-7 (Pfizer, free to reproduce): item texts and labels embedded.
//   - NIMH ASQ (free for non-profit use): question texts embedded.
//   - SCARED, CES-DC (free for non-profit use): scored by item number with response
//     labels only; the item wording could not be verified for the library, and an
//     inexact text is worse than none.
//   - SDQ, MHT (copyrighted): item number only, no text anywhere in code or data.
//
// # Flags
//
// PHQ-9 and PHQ-A item 9 above 0, a yes to either PHQ-A suicide question (items 12 and
// 13), an ASQ yes or refusal to questions 1–4 (positive) and a yes to question 5
// (acute), and any flag rule a county's instrument defines, raise a welfare.ConcernUrgent
// through the service's concern sink whatever the scores, and give the session the
// highest risk level. No option disables a flag: the programme's risk-level overrides
// map bands, never flags, and a definition of phq9, phqa or asq without its mandatory
// flags is rejected. A flag is raised even when the session that carries it is rejected
// as invalid. The library treats a refused PHQ item 9 or PHQ-A suicide question as a
// positive flag too (a conservative rule of its own, not the published key).
//
// # Risk levels
//
// A session's level is the highest of its flags' levels and of its bands mapped to
// levels (the programme's ScreeningRules.RiskLevels first, then the instrument's
// defaults); a complete, valid session where nothing maps is at the lowest level; an
// invalid or incomplete one has no level (retest). Built-in defaults on the levels green
// < yellow < orange < red:
//
//	PHQ-9/PHQ-A total  minimal green, mild yellow, moderate and moderately severe orange, severe red
//	GAD-7 total        minimal green, mild yellow, moderate orange, severe red
//	SCARED             total positive (≥ 25) orange; a subscale at its cut-off yellow
//	CES-DC total       positive (≥ 15) orange
//	SDQ                total borderline yellow, abnormal orange; any scale abnormal yellow
//	MHT total          56–64 attention yellow, ≥ 65 key attention orange; lie ≥ 7 invalid
//	ASQ                by its flags only: positive or acute red, else green
//
// A level at or above ScreeningRules.AbnormalFrom (orange in Nanchang2025) is abnormal:
// Service.Record raises welfare.ConcernReferral to the counsellor, due within
// ScreeningRules.ReferralDays, and welfare.ConcernKeyEligible for the ledger category
// 心理和行为异常 when the child has no open entry of it (CS-1, MS-2).
//
// # Sessions, the store and the archive
//
// Service.Record validates and scores a session and stores it, together with the child's
// mental-state observation (welfare.AspectMental, source "screening", the level only), in
// one transaction of the Store port (welfare.Store plus session and request storage,
// journaled as "screening" and "screening_request"). Sessions are immutable records.
// Service.Due lists who should be screened (key children, mental-state concerns seen by
// anything but a screening, open guardian or school requests, rescreens after
// ScreeningRules.RescreenMonths); Service.Archive returns a child's archive: every
// session, score trends per scale, the change since the previous session (improved or
// worsened by at least the minimal change, else unchanged), the current level, open
// follow-ups and proposals.
//
// # Access
//
// Archive content is the most sensitive data of the library. The counsellor, the project
// lead and the child's case worker read answers (PermReadAnswers); other staff in scope
// with PermReadLevel see the current risk level only; every read is recorded in the
// access log. Until casework assigns cases, the case worker is decided by a CaseWorkers
// policy: by default (LedgerCaseWorkers) the social worker who opened one of the child's
// open key-care ledger entries; Assignments takes an explicit list; AnyInScope lets every
// social worker in scope read. Logs and errors carry identifiers and codes, never
// answers, scores or names.
package screening
