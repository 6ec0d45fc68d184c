package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"os"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/audit"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// acceptance is the purchaser's acceptance (验收) part of the report; its fields are
// promoted into the -json object.
type acceptance struct {
	Population   population              `json:"population"`
	Sample       *audit.Sample           `json:"sample"`
	Findings     []audit.KindCount       `json:"findings"`
	FindingList  []audit.Finding         `json:"finding_details"`
	Deductions   deductionsView          `json:"deductions"`
	Payment      paymentView             `json:"payment"`
	Deliverables []audit.Deliverable     `json:"deliverables"`
	Survey       audit.SurveyResult      `json:"survey"`
	Journal      *audit.JournalCheck     `json:"journal"`
	Roster       *audit.RosterReport     `json:"roster,omitempty"`
	Signals      *signalsView            `json:"signals,omitempty"`
	Visits       *audit.VisitProgramme   `json:"visits,omitempty"`
	VisitsNote   string                  `json:"visits_note,omitempty"`
	Subsidies    *audit.SubsidyReport    `json:"subsidies,omitempty"`
	Inputs       []inputFile             `json:"inputs"`
	AuditLog     auditLog                `json:"acceptance_journal"`
	Contract     audit.Contract          `json:"contract"`
	Documents    []audit.DocumentStatus  `json:"documents"`
	LateIncident []casework.LateIncident `json:"-"`
}

type population struct {
	Area           string               `json:"area"`
	CutOff         time.Time            `json:"cut_off"`
	Count          int                  `json:"count"`
	ManifestSHA256 string               `json:"manifest_sha256"`
	Strata         []audit.StratumCount `json:"strata"`
	// ManifestLeaf is the index of the manifest's leaf in the acceptance journal: it was
	// appended before the sample was drawn.
	ManifestLeaf int64 `json:"manifest_leaf"`
}

type deductionsView struct {
	Total         string                   `json:"total"` // yuan, two decimals
	Subtotal      string                   `json:"subtotal"`
	Counting      string                   `json:"counting"`
	Capped        bool                     `json:"capped"`
	Clawback      bool                     `json:"clawback"`
	ByRequirement []audit.RequirementTotal `json:"by_requirement"`
	Lines         []audit.DeductionLine    `json:"lines"`
	Explanations  []string                 `json:"explanations"`
}

type partView struct {
	Name        string   `json:"name"`
	Share       string   `json:"share"`
	Gross       string   `json:"gross"`
	Deduction   string   `json:"deduction"`
	Amount      string   `json:"amount"`
	Paid        string   `json:"paid"`
	TriggerDate string   `json:"trigger_date,omitempty"`
	DueDate     string   `json:"due_date,omitempty"` // YYYY-MM-DD
	Ready       bool     `json:"ready"`
	Withheld    bool     `json:"withheld,omitempty"`
	Pending     []string `json:"pending,omitempty"`
}

type paymentView struct {
	ContractTotal  string     `json:"contract_total"`
	Budget         string     `json:"budget"`
	First          partView   `json:"first"`
	Second         partView   `json:"second"`
	Parts          []partView `json:"parts"`
	OwedByProvider string     `json:"owed_by_provider"`
	Clawback       bool       `json:"clawback"`
	Recoverable    string     `json:"recoverable"`
	Explanations   []string   `json:"explanations"`
}

type signalsView struct {
	audit.SignalReviewSummary
	List []signalLine `json:"list"`
}

type signalLine struct {
	Key      string    `json:"key"`
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	WorkerID uuid.UUID `json:"worker_id"`
	Visits   int       `json:"visits"`
	Review   string    `json:"review"` // confirm, dismiss or pending
	Score    float64   `json:"score"`  // strength, for ranking
	// Explanation says, in Chinese and without personal data, what was seen and why it
	// matters.
	Explanation string `json:"explanation"`
}

type inputFile struct {
	Flag   string `json:"flag"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
	Leaf   int64  `json:"leaf"` // index in the acceptance journal
}

type auditLog struct {
	Size   int64          `json:"size"`
	Root   string         `json:"root"` // base64 tree hash
	Leaves []journal.Leaf `json:"leaves"`
}

// Leaf kinds of the acceptance journal besides the manifest's and the reviews'.
const (
	leafKindSample = "sample"
	leafKindInput  = "acceptance_input"
)

// journaled is a store with a journal read view (memory and sqlstore both have one).
type journaled interface {
	Journal(area string) journal.Storage
}

// evaluate runs the acceptance: manifest (journaled), sample, findings, survey,
// deductions, payments, checklist, journal verification.
func evaluate(ctx context.Context, e *env, cfg config, r *report) (*acceptance, error) {
	prog := e.reg.Programme()
	area := prog.Area.Code
	clock := clockAt(cfg.asOf)
	actor := e.auditor.StaffID.String()
	a := &acceptance{Inputs: []inputFile{}}
	alog := &journal.MemoryStorage{}
	appendLeaf := func(l journal.Leaf) (int64, error) { return journal.Append(ctx, alog, l) }

	// 1. Population manifest, frozen before the seed is used.
	keys, err := audit.KeyChildren(ctx, e.store, area, cfg.asOf)
	if err != nil {
		return nil, err
	}
	cut := cfg.asOf.Start() // the end of the day before the acceptance day
	m, err := audit.BuildManifest(ctx, e.store, area, cut, audit.ManifestOptions{Stratum: audit.ByTownshipAndKey(keys)})
	if err != nil {
		return nil, err
	}
	idx, err := appendLeaf(m.Leaf(clock.Now(), actor))
	if err != nil {
		return nil, err
	}
	a.Population = population{Area: area, CutOff: m.CutOff, Count: m.Len(), ManifestSHA256: m.SHA256.String(), Strata: m.Strata(), ManifestLeaf: idx}

	// Input files (roster, reviews, checkpoint, survey) are hashed and journaled when read.
	readInput := func(flag, path string) ([]byte, error) {
		if path == "" {
			return nil, nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("-%s: %w", flag, err)
		}
		sum := sha256.Sum256(data)
		id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("liudong-input:"+flag+":"+hex.EncodeToString(sum[:])))
		i, err := appendLeaf(journal.Leaf{Kind: leafKindInput, ID: id.String(), Version: 1, RecordSHA256: sum,
			Time: welfare.StoreTime(clock.Now()), Actor: actor})
		if err != nil {
			return nil, err
		}
		a.Inputs = append(a.Inputs, inputFile{Flag: flag, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data), Leaf: i})
		return data, nil
	}

	// 2. Sample.
	s, err := audit.Draw(m, cfg.sampleSeed, audit.SampleOptions{Share: prog.Acceptance.SampleShare})
	if err != nil {
		return nil, err
	}
	a.Sample = s
	sh, err := journal.RecordHash(s)
	if err != nil {
		return nil, err
	}
	if _, err := appendLeaf(journal.Leaf{Kind: leafKindSample, ID: uuid.NewSHA1(uuid.NameSpaceOID, sh[:]).String(), Version: 1,
		RecordSHA256: sh, Time: welfare.StoreTime(clock.Now()), Actor: actor}); err != nil {
		return nil, err
	}

	// 3. Findings.
	var findings []audit.Finding
	findings = append(findings, audit.LedgerFindings(r.LedgerGaps)...) // AC-5

	var typical *casework.TypicalCheck
	var activities *casework.ActivityReport
	if cs, ok := e.store.(casework.Store); ok { // AC-6, CS-2, PT-1, CA-1..CA-3
		svc, err := casework.NewService(cs, prog, casework.Options{Clock: clock, Divisions: e.reg.Divisions()})
		if err != nil {
			return nil, err
		}
		late, err := svc.LateIncidents(ctx, e.auditor, cut)
		if err != nil {
			return nil, fmt.Errorf("late incidents: %w", err)
		}
		a.LateIncident = late
		findings = append(findings, audit.HarmFindings(late)...)
		tc, err := svc.CheckTypical(ctx, e.auditor)
		if err != nil {
			return nil, fmt.Errorf("typical cases: %w", err)
		}
		typical = &tc
		ar, err := svc.CheckActivities(ctx, e.auditor, cfg.asOf)
		if err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		activities = &ar
	}

	if data, err := readInput("roster", cfg.roster); err != nil { // AC-4
		return nil, err
	} else if data != nil {
		rows, err := audit.ParseRoster(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("-roster: %w", err)
		}
		rr, fs, err := audit.MatchRoster(ctx, e.store, area, prog.Eligibility, cfg.asOf, rows)
		if err != nil {
			return nil, err
		}
		rr.SourceHash = a.Inputs[len(a.Inputs)-1].SHA256
		a.Roster = &rr
		findings = append(findings, fs...)
	}

	var reviews *audit.Reviews
	if data, err := readInput("reviews", cfg.reviews); err != nil {
		return nil, err
	} else if data != nil {
		if reviews, err = audit.ParseReviews(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("-reviews: %w", err)
		}
		if _, err := appendLeaf(reviews.Leaf(clock.Now(), actor)); err != nil {
			return nil, err
		}
	}

	// The sampled children's records as stored (the snapshot serves the scan).
	inSample := s.IDSet()
	sampled := make([]*welfare.Child, 0, s.Size)
	for c, err := range e.store.Children(ctx, welfare.ChildFilter{Area: area}) {
		if err != nil {
			return nil, fmt.Errorf("sampled children: %w", err)
		}
		if inSample[c.ID] {
			sampled = append(sampled, c)
		}
	}
	if len(sampled) != s.Size {
		return nil, fmt.Errorf("sampled children: %d of %d found", len(sampled), s.Size)
	}
	subjects, records, err := audit.SubjectsOf(sampled)
	if err != nil {
		return nil, err
	}

	if vs, ok := e.store.(visit.Store); ok { // AC-2, AC-3, VS-1..VS-3, TM-2
		fs, subs, recs, err := evaluateVisits(ctx, e, vs, cfg, s, sampled, reviews, a)
		if err != nil {
			return nil, fmt.Errorf("visits: %w", err)
		}
		findings = append(findings, fs...)
		subjects, records = append(subjects, subs...), append(records, recs...)
	} else {
		a.VisitsNote = fmt.Sprintf("当前存储（%T）尚不保存探访记录：AC-2、AC-3、VS-1～VS-3 与儿童主任补贴待核", e.store)
	}

	// Journal verification of the sampled records (AC-1).
	var kept []journal.KeptCheckpoint
	if cfg.checkpoint != "" {
		data, err := readInput("checkpoint", cfg.checkpoint)
		if err != nil {
			return nil, err
		}
		if kept, err = audit.ReadKeptCheckpoints(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("-checkpoint: %w", err)
		}
	}
	jstore, ok := e.store.(journaled)
	if !ok {
		return nil, fmt.Errorf("the store (%T) has no journal view", e.store)
	}
	jc, jfs, err := audit.CheckJournal(ctx, jstore.Journal(area), records, subjects,
		audit.JournalCheckOptions{Kept: kept, Grace: time.Duration(prog.Visits.Signals.LateEntryHours) * time.Hour})
	if err != nil {
		return nil, err
	}
	a.Journal = jc
	findings = append(findings, jfs...)

	// Satisfaction survey (AC-1).
	var answers []audit.SurveyResponse
	if data, err := readInput("survey", cfg.survey); err != nil {
		return nil, err
	} else if data != nil {
		if answers, err = audit.ParseSurvey(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("-survey: %w", err)
		}
	}
	if a.Survey, err = audit.Survey(s, answers); err != nil {
		return nil, fmt.Errorf("-survey: %w", err)
	}

	// 4–5. Deductions and payments.
	cal := audit.NewCalendar()
	contract := audit.Contract{Amount: cfg.contract, Effective: cfg.effective, InvoiceReceived: cfg.invoice,
		Acceptance: cfg.asOf, Documents: map[audit.DocumentKind]welfare.Date{}}
	if !cfg.docs.IsZero() {
		for _, k := range audit.PY3Documents() {
			contract.Documents[k] = cfg.docs
		}
	}
	if cfg.firstPaid { // the first payment was made on its due date, before the acceptance
		pre, err := audit.Schedule(prog, contract, audit.DeductionReport{}, cal, audit.ScheduleOptions{})
		if err != nil {
			return nil, err
		}
		if first := pre.Parts[0]; first.Ready && first.DueDate.Before(cfg.asOf) {
			contract.Paid = []audit.PaidPart{{Part: first.Name, Amount: first.Gross, On: first.DueDate}}
		}
	}
	st, err := audit.Settle(prog, findings, contract, cal, audit.ScheduleOptions{})
	if err != nil {
		return nil, err
	}
	a.Contract = contract
	a.Documents = st.Schedule.Documents
	a.Findings = st.Counts
	a.FindingList = findings
	audit.SortFindings(a.FindingList)
	d := st.Deductions
	a.Deductions = deductionsView{Total: d.Total.StringFixed(2), Subtotal: d.Subtotal.StringFixed(2), Counting: d.Counting,
		Capped: d.Capped, Clawback: d.Clawback, ByRequirement: d.ByRequirement, Lines: d.Lines, Explanations: d.Explanations}
	a.Payment = paymentOf(st.Schedule)

	// 6. Deliverables checklist.
	in := audit.ChecklistInput{Visits: a.Visits, VisitsNote: a.VisitsNote, Typical: typical, Activities: activities, Team: &r.Team,
		Archive: contract.Documents[audit.DocArchive], PeriodOver: cfg.asOf.After(prog.Period.End)}
	if sc := r.Screening; sc != nil {
		in.Screening = &audit.ScreeningFacts{Screened: sc.Screened, DueFirst: sc.DueFirst, DueRescreen: sc.DueRescreen, Archives: sc.Screened}
	}
	a.Deliverables = audit.Checklist(prog, in)

	tree, err := journal.TreeHead(ctx, alog)
	if err != nil {
		return nil, err
	}
	a.AuditLog = auditLog{Size: tree.N, Root: tree.Hash.String()}
	recs, err := alog.Records(ctx, 0, tree.N)
	if err != nil {
		return nil, err
	}
	for _, b := range recs {
		var l journal.Leaf
		if err := l.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		a.AuditLog.Leaves = append(a.AuditLog.Leaves, l)
	}
	return a, nil
}

func paymentOf(s *audit.PaymentSchedule) paymentView {
	pv := paymentView{ContractTotal: s.ContractTotal.StringFixed(2), Budget: s.Budget.StringFixed(2),
		OwedByProvider: s.OwedByProvider.StringFixed(2), Clawback: s.Clawback, Recoverable: s.Recoverable.StringFixed(2),
		Explanations: s.Explanations}
	for i, p := range s.Parts {
		v := partView{Name: p.Name, Share: p.Share.String(), Gross: p.Gross.StringFixed(2), Deduction: p.Deduction.StringFixed(2),
			Amount: p.Amount.StringFixed(2), Paid: p.Paid.StringFixed(2), Ready: p.Ready, Withheld: p.Withheld, Pending: p.Pending}
		if !p.TriggerDate.IsZero() {
			v.TriggerDate = p.TriggerDate.String()
		}
		if !p.DueDate.IsZero() {
			v.DueDate = p.DueDate.String()
		}
		pv.Parts = append(pv.Parts, v)
		switch i {
		case 0:
			pv.First = v
		case 1:
			pv.Second = v
		}
	}
	return pv
}

// evaluateVisits judges the visits in one merge-join of the children, their ledger
// entries and the county's visits (each streamed in child-ID order, as visit.Service
// does): programme-level compliance (VS-1..VS-3) from every child's verdict
// (visit.Quotas.Evaluate), AC-2 for the sampled children, the quality signals
// (visit.Detector) and their reviews (AC-3), the child directors' work for TM-2, and
// the sampled children's visits as journal subjects. Memory holds one child's records
// at a time, plus the detector's compact summary of each visit.
func evaluateVisits(ctx context.Context, e *env, vs visit.Store, cfg config, s *audit.Sample, sampled []*welfare.Child,
	reviews *audit.Reviews, a *acceptance) ([]audit.Finding, []audit.JournalSubject, []journal.RecordDigest, error) {
	prog := e.reg.Programme()
	area := prog.Area.Code
	q, err := visit.NewQuotas(prog)
	if err != nil {
		return nil, nil, nil, err
	}
	at := cfg.asOf.Start()
	inSample := s.IDSet()
	keyRule := ""
	for _, qq := range prog.Visits.Quotas {
		if qq.Category == "key" {
			keyRule = qq.ID
		}
	}
	vp := &audit.VisitProgramme{HomeShareMin: prog.Visits.HomeShare, KeyRule: keyRule}
	directors := map[uuid.UUID]bool{}
	for st, err := range e.store.StaffMembers(ctx, area) {
		if err != nil {
			return nil, nil, nil, err
		}
		if st.Role == welfare.RoleDirector && st.Active {
			directors[st.ID] = true
		}
	}
	geo := map[uuid.UUID]*welfare.GeoPoint{}
	var (
		short []audit.VisitShortfall
		subs  []audit.JournalSubject
		recs  []journal.RecordDigest
	)
	var det *visit.Detector
	work := map[uuid.UUID]*audit.DirectorWork{}
	from, to := prog.Period.Start.Start(), prog.Period.End.AddDate(0, 0, 1).Start()
	// The detector needs the address points before the visits: collect them first (the
	// snapshot serves the scan from memory).
	for c, err := range e.store.Children(ctx, welfare.ChildFilter{Area: area}) {
		if err != nil {
			return nil, nil, nil, err
		}
		if c.Residence.Geo != nil {
			geo[c.ID] = c.Residence.Geo
		}
	}
	det = visit.NewDetector(geo, prog.Period, prog.Visits.Signals)

	nextV, stopV := iter.Pull2(vs.Visits(ctx, visit.Filter{Area: area}))
	defer stopV()
	nextE, stopE := iter.Pull2(e.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}))
	defer stopE()
	var (
		pv           *visit.Visit
		pe           *welfare.KeyEntry
		vDone, eDone bool
		visits       []*visit.Visit
		entries      []*welfare.KeyEntry
	)
	useVisit := func(v *visit.Visit) error {
		if !v.Start.Before(from) && v.Start.Before(to) {
			det.Add(v)
			if directors[v.VisitorID] && v.Counts() {
				w := work[v.VisitorID]
				if w == nil {
					w = &audit.DirectorWork{StaffID: v.VisitorID}
					work[v.VisitorID] = w
				}
				w.Completed = append(w.Completed, v.ID)
			}
		}
		if inSample[v.ChildID] {
			d, err := journal.NewRecordDigest(visit.EntityVisit, v.ID.String(), v.Version, v)
			if err != nil {
				return err
			}
			subs = append(subs, audit.JournalSubject{Kind: visit.EntityVisit, ID: v.ID.String(), ChildID: v.ChildID, Claimed: v.End})
			recs = append(recs, d)
		}
		return nil
	}
	for c, err := range e.store.Children(ctx, welfare.ChildFilter{Area: area}) {
		if err != nil {
			return nil, nil, nil, err
		}
		visits, entries = visits[:0], entries[:0]
		for !vDone {
			if pv == nil {
				v, err, ok := nextV()
				if !ok {
					vDone = true
					break
				}
				if err != nil {
					return nil, nil, nil, err
				}
				pv = v
			}
			x := bytes.Compare(pv.ChildID[:], c.ID[:])
			if x > 0 {
				break
			}
			if err := useVisit(pv); err != nil {
				return nil, nil, nil, err
			}
			if x == 0 {
				visits = append(visits, pv)
			}
			pv = nil
		}
		for !eDone {
			if pe == nil {
				en, err, ok := nextE()
				if !ok {
					eDone = true
					break
				}
				if err != nil {
					return nil, nil, nil, err
				}
				pe = en
			}
			x := bytes.Compare(pe.ChildID[:], c.ID[:])
			if x > 0 {
				break
			}
			if x == 0 {
				entries = append(entries, pe)
			}
			pe = nil
		}
		cv := q.Evaluate(c, entries, visits, at)
		if cv.Monitored {
			vp.Children++
			if cv.Visited {
				vp.Visited++
			}
			if cv.HomeVisited {
				vp.HomeVisited++
			}
		}
		if rv, ok := cv.Rule(keyRule); ok && keyRule != "" {
			vp.KeyChildren++
			if rv.Status == visit.StatusShort {
				vp.KeyShort++
			}
			vp.KeyMissed += len(rv.Missing)
		}
		if inSample[c.ID] && cv.Short() {
			sf := audit.VisitShortfall{ChildID: c.ID, Rules: map[string][]string{}, Completed: cv.Completed}
			for _, rv := range cv.Rules {
				if rv.Status == visit.StatusShort {
					sf.Rules[rv.RuleID] = rv.Missing
				}
			}
			short = append(short, sf)
		}
	}
	for !vDone { // visits of children not in the stream still feed the signals
		v, err, ok := nextV()
		if !ok {
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if pv != nil {
			if err := useVisit(pv); err != nil {
				return nil, nil, nil, err
			}
			pv = nil
		}
		if err := useVisit(v); err != nil {
			return nil, nil, nil, err
		}
	}
	if pv != nil {
		if err := useVisit(pv); err != nil {
			return nil, nil, nil, err
		}
	}
	a.Visits = vp
	findings := audit.VisitFindings(short, s)

	var signals []audit.QualitySignal
	detected := det.Signals()
	for _, sg := range detected {
		signals = append(signals, audit.QualitySignal{Kind: string(sg.Kind), KindName: sg.Kind.Chinese(), RuleID: sg.RuleID,
			VisitIDs: sg.VisitIDs, ChildIDs: sg.ChildIDs, WorkerID: sg.WorkerID, Facts: sg.Facts, Explanation: sg.Explanation})
	}
	sfs, sum := audit.SignalFindings(signals, reviews)
	findings = append(findings, sfs...)
	sv := &signalsView{SignalReviewSummary: sum}
	decided := map[string]string{}
	if reviews != nil {
		for _, r := range reviews.Reviews {
			decided[r.Signal] = r.Decision
		}
	}
	var confirmed []audit.QualitySignal
	for i, sg := range signals {
		k := sg.Key()
		d := decided[k]
		if d == "" {
			d = "pending"
		}
		if d == audit.DecisionConfirm {
			confirmed = append(confirmed, sg)
		}
		sv.List = append(sv.List, signalLine{Key: k, Kind: sg.Kind, Name: sg.KindName, WorkerID: sg.WorkerID,
			Visits: len(sg.VisitIDs), Review: d, Score: detected[i].Score, Explanation: sg.Explanation})
	}
	a.Signals = sv

	ws := make([]audit.DirectorWork, 0, len(directors))
	for id := range directors {
		if w := work[id]; w != nil {
			ws = append(ws, *w)
		} else {
			ws = append(ws, audit.DirectorWork{StaffID: id})
		}
	}
	slices.SortFunc(ws, func(x, y audit.DirectorWork) int { return bytes.Compare(x.StaffID[:], y.StaffID[:]) })
	sub, err := audit.Subsidies(audit.DefaultSubsidyRules(), ws, confirmed)
	if err != nil {
		return nil, nil, nil, err
	}
	a.Subsidies = &sub
	return findings, subs, recs, nil
}
