package visit

import (
	"bytes"
	"cmp"
	"fmt"
	"iter"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/childwelfare/liudong/welfare"
)

// SignalKind names a kind of quality signal.
type SignalKind string

// Signal kinds.
const (
	SignalTooShort            SignalKind = "too_short"              // 时长过短
	SignalOutsideGeofence     SignalKind = "outside_geofence"       // 定位超出住址范围
	SignalRepeatedCoordinates SignalKind = "repeated_coordinates"   // 坐标完全重复
	SignalOverlappingVisits   SignalKind = "overlapping_visits"     // 探访时间重叠
	SignalImpossibleTravel    SignalKind = "impossible_travel"      // 行程速度不可能
	SignalLateEntry           SignalKind = "late_entry"             // 延迟录入
	SignalEntryBurst          SignalKind = "entry_burst"            // 集中录入
	SignalEndOfPeriodBunching SignalKind = "end_of_period_bunching" // 期末突击
	SignalCallNotBacked       SignalKind = "call_not_backed"        // 通话记录不支持
	SignalEvidenceReused      SignalKind = "evidence_reused"        // 佐证材料重复使用
	SignalClonedNotes         SignalKind = "cloned_notes"           // 记录文本雷同
	SignalDurationOutlier     SignalKind = "duration_outlier"       // 时长异常（同行比较）
	SignalAnswersOutlier      SignalKind = "answers_outlier"        // 填报内容异常（同行比较）
)

// SignalKinds lists every kind, in report order.
func SignalKinds() []SignalKind {
	return []SignalKind{SignalTooShort, SignalOutsideGeofence, SignalRepeatedCoordinates,
		SignalOverlappingVisits, SignalImpossibleTravel, SignalLateEntry, SignalEntryBurst,
		SignalEndOfPeriodBunching, SignalCallNotBacked, SignalEvidenceReused,
		SignalClonedNotes, SignalDurationOutlier, SignalAnswersOutlier}
}

// RuleID is the rule ID a signal of this kind carries ("signal/<kind>").
func (k SignalKind) RuleID() string { return "signal/" + string(k) }

// Chinese is the kind's name for reports.
func (k SignalKind) Chinese() string {
	switch k {
	case SignalTooShort:
		return "探访时长过短"
	case SignalOutsideGeofence:
		return "定位超出住址范围"
	case SignalRepeatedCoordinates:
		return "定位坐标完全重复"
	case SignalOverlappingVisits:
		return "探访时间重叠"
	case SignalImpossibleTravel:
		return "行程速度不可能"
	case SignalLateEntry:
		return "延迟录入"
	case SignalEntryBurst:
		return "集中录入"
	case SignalEndOfPeriodBunching:
		return "期末突击探访"
	case SignalCallNotBacked:
		return "通话记录不支持"
	case SignalEvidenceReused:
		return "佐证材料重复使用"
	case SignalClonedNotes:
		return "记录文本雷同"
	case SignalDurationOutlier:
		return "探访时长异常"
	case SignalAnswersOutlier:
		return "填报内容异常"
	}
	return string(k)
}

// Signal is one quality signal: what was seen, on which visits, and why it matters.
// Explanation is Chinese, for the auditor, and holds identifiers and numbers only — no
// names, note text, addresses or coordinates.
type Signal struct {
	Kind        SignalKind     `json:"kind"`
	RuleID      string         `json:"rule_id"` // "signal/<kind>"
	VisitIDs    []uuid.UUID    `json:"visit_ids"`
	ChildIDs    []uuid.UUID    `json:"child_ids,omitempty"`
	WorkerID    uuid.UUID      `json:"worker_id"` // uuid.Nil when the visits are several workers'
	Score       float64        `json:"score"`
	Facts       []welfare.Fact `json:"facts"`
	Explanation string         `json:"explanation"`
}

// String shows the kind, worker and visit count (identifiers only).
func (s Signal) String() string {
	return fmt.Sprintf("Signal{%s worker %s visits %d score %.2f}", s.Kind, s.WorkerID, len(s.VisitIDs), s.Score)
}

// Outlier comparison needs enough data to be meaningful; the rules do not say how much.
const (
	// OutlierMinVisits is the least number of completed visits (of the mode, for
	// durations) a worker needs to be compared with peers.
	OutlierMinVisits = 5
	// OutlierMinPeers is the least number of such workers for a peer comparison.
	OutlierMinPeers = 5
	// BunchingMinVisits is the least number of a worker's completed visits in a month (or
	// the period) for end-of-period bunching to be judged.
	BunchingMinVisits = 10
	sigScoreCap       = 100
	// sigMinScaleMinutes floors the robust scale of median durations (see sigRobustZ).
	sigMinScaleMinutes = 1.0
)

// Detect returns the quality signals (质量信号) of perfunctory or fake visits (SR-5, AC-3,
// DOMAIN §7) in visits, ordered by kind (SignalKinds order), then score (strongest
// first), worker and first visit. A Signal is explained evidence for a person to confirm
// or dismiss, never a verdict. Detect is pure (no store, no clock) and deterministic:
// the same visits in any order give the same signals.
//
// children maps a child ID to the child's address point (Child.Residence.Geo); children
// missing from it are not checked against a geofence. Visits may come from a streaming
// scan (use slices.Values for a slice): Detect keeps a compact summary of each record
// and the completed visits' note text, not the *Visit.
//
// Which records: completed visits (Visit.Counts) only, except late_entry and
// entry_burst (every record: they judge how records were entered, and a fabricated
// failed attempt is entered like any other) and evidence_reused (a photo reused on a
// failed attempt is reuse too). Records whose start day (Beijing) lies outside period
// are ignored; a zero Period means no filter and switches end_of_period_bunching off.
// Detect expects the latest version of each visit; if an ID arrives twice the higher
// Version is kept, so one file on two versions of a visit is never "reuse".
//
// The kinds, with their rules (a rule left at zero switches its signal off, except
// CallToleranceSeconds and PerceptualHashMaxBits, where zero means "no tolerance" and
// "identical perceptual hashes only"):
//   - too_short: duration < MinMinutes[mode] (modes not listed are not checked).
//   - outside_geofence: home visits whose fix lies farther than GeofenceMeters plus the
//     fix's accuracy from the child's address point (haversine).
//   - repeated_coordinates: the exact same latitude and longitude (no GPS jitter) on home
//     visits of one worker at RepeatCoordinates or more households.
//   - overlapping_visits: two visits of one worker intersecting ≥ OverlapMinutes.
//   - impossible_travel: consecutive visits of one worker (by start, fixes of any mode:
//     a fix is the worker's position) whose distance less both accuracies, over the gap
//     from the first's end to the second's start (floored at one minute, the resolution
//     of recorded times), exceeds MaxSpeedKmh.
//   - late_entry: ReceivedAt − End > LateEntryHours (device time shown beside it, as an
//     offline sync is a benign cause).
//   - entry_burst: ≥ BurstCount records of one worker received within BurstMinutes;
//     overlapping windows merge into one signal.
//   - end_of_period_bunching: more than EndOfPeriodShare of a worker's visits in the last
//     EndOfPeriodDays, judged for the whole period and for each calendar month in it
//     (clipped to the period); a unit is judged only with ≥ BunchingMinVisits visits and
//     when it is at least twice EndOfPeriodDays long.
//   - call_not_backed: phone and video visits with no call_record evidence, or longer
//     than the call records' CallSeconds (summed: a dropped call redialled) plus
//     CallToleranceSeconds.
//   - evidence_reused: one file (same SHA-256) or perceptual hashes within
//     PerceptualHashMaxBits bits on two or more different visits, of one child or of
//     different children; matches join transitively, one signal per group.
//   - cloned_notes: FindClones over the notes; pairs join transitively, one signal per
//     group; a group about one child (a note copied forward) is reported too, marked.
//   - duration_outlier: per mode, a worker's median duration against other workers'
//     (each with ≥ OutlierMinVisits visits of the mode, ≥ OutlierMinPeers workers) by the
//     modified z-score, |M| > OutlierZ either way (short: perfunctory; long: padded).
//   - answers_outlier: the same over each worker's structured answers — share of visits
//     with a concern observed, share with needs raised, observations, topics and
//     services per visit — one signal per worker and metric.
//
// Households: children whose address points are identical are one household (siblings).
// Same-mode visits of one worker to one household may overlap (one visit, one record per
// child) and a shared exact coordinate counts once per household.
//
// Score ranks signals within one kind (larger is stronger), mostly "times the
// threshold": too_short min/duration; outside_geofence distance/(geofence+accuracy);
// repeated_coordinates households/RepeatCoordinates; overlapping_visits
// overlap/OverlapMinutes; impossible_travel speed/MaxSpeedKmh; late_entry
// delay/LateEntryHours; entry_burst largest window/BurstCount; end_of_period_bunching
// share/EndOfPeriodShare; call_not_backed duration/(call+tolerance); evidence_reused the
// number of visits; cloned_notes visits × best Jaccard/NoteJaccard; outliers |M|/OutlierZ.
// Scores are capped at 100.
func Detect(visits iter.Seq[*Visit], children map[uuid.UUID]*welfare.GeoPoint, period welfare.Period, rules welfare.SignalRules) []Signal {
	d := NewDetector(children, period, rules)
	for v := range visits {
		d.Add(v)
	}
	return d.Signals()
}

// Detector accumulates visits for Detect, for callers that stream records with errors
// (iter.Seq2[*Visit, error]) and want to handle the errors themselves. Not safe for
// concurrent use.
type Detector struct {
	children map[uuid.UUID]*welfare.GeoPoint
	period   welfare.Period
	rules    welfare.SignalRules
	chunks   [][]sigRecord // records in chunks of sigChunk: no copying as the stream grows
	n        int
	byID     map[uuid.UUID]sigSeen
}

// sigSeen is the latest version seen of a visit and its record (-1: outside the period).
type sigSeen struct {
	idx     int
	version int64
}

const sigChunk = 4096

func (d *Detector) rec(i int) *sigRecord { return &d.chunks[i/sigChunk][i%sigChunk] }

// NewDetector returns an empty Detector.
func NewDetector(children map[uuid.UUID]*welfare.GeoPoint, period welfare.Period, rules welfare.SignalRules) *Detector {
	return &Detector{children: children, period: period, rules: rules, byID: map[uuid.UUID]sigSeen{}}
}

// sigRecord is what the signals need of one visit record.
type sigRecord struct {
	id, child, worker uuid.UUID
	dropped           bool // superseded by a later version outside the period
	mode              Mode
	counts            bool
	start, end        time.Time
	received, device  time.Time
	day               welfare.Date
	geo               welfare.GeoPoint
	hasGeo            bool
	accuracy          float64
	callSeconds       int
	hasCall           bool
	evidence          []sigEvidence
	observations      int
	topics            int
	services          int
	concern, needs    bool
	notes             string
}

type sigEvidence struct {
	sha      string
	phash    uint64
	hasPHash bool
}

// Add records one visit (nil is ignored; a second version of a visit replaces the first
// when its Version is higher).
func (d *Detector) Add(v *Visit) {
	if v == nil {
		return
	}
	seen, dup := d.byID[v.ID]
	if dup && v.Version <= seen.version {
		return
	}
	if !d.periodZero() && !d.period.Contains(v.Day()) {
		if dup && seen.idx >= 0 {
			d.rec(seen.idx).dropped = true
		}
		d.byID[v.ID] = sigSeen{idx: -1, version: v.Version}
		return
	}
	r := sigRecord{id: v.ID, child: v.ChildID, worker: v.VisitorID,
		mode: v.Mode, counts: v.Counts(), start: v.Start, end: v.End,
		received: v.ReceivedAt, device: v.DeviceTime, day: v.Day(),
		accuracy: max(v.Location.AccuracyM, 0), observations: len(v.Content.Observe),
		topics: len(v.Content.Talk), services: len(v.Content.Services),
		needs: len(v.Content.Ask.Needs) > 0}
	if g := v.Location.Geo; g != nil {
		r.geo, r.hasGeo = *g, true
	}
	for _, o := range v.Content.Observe {
		r.concern = r.concern || o.Concern
	}
	for _, e := range v.Evidence {
		if e.Kind == EvidenceCallRecord {
			r.hasCall = true
			r.callSeconds += max(e.CallSeconds, 0)
		}
		se := sigEvidence{sha: strings.ToLower(e.SHA256)}
		if e.PHash != nil {
			se.phash, se.hasPHash = *e.PHash, true
		}
		if se.sha != "" || se.hasPHash {
			r.evidence = append(r.evidence, se)
		}
	}
	if r.counts {
		r.notes = v.Notes
	}
	if dup && seen.idx >= 0 {
		*d.rec(seen.idx) = r
		d.byID[v.ID] = sigSeen{idx: seen.idx, version: v.Version}
		return
	}
	if d.n%sigChunk == 0 {
		d.chunks = append(d.chunks, make([]sigRecord, 0, sigChunk))
	}
	last := len(d.chunks) - 1
	d.chunks[last] = append(d.chunks[last], r)
	d.byID[v.ID] = sigSeen{idx: d.n, version: v.Version}
	d.n++
}

func (d *Detector) periodZero() bool { return d.period.Start.IsZero() && d.period.End.IsZero() }

// Signals computes the signals of the visits added so far.
func (d *Detector) Signals() []Signal {
	s := &sigRun{d: d, rules: d.rules}
	s.groupWorkers()
	for _, i := range s.live {
		s.tooShort(i)
		s.geofence(i)
		s.callNotBacked(i)
		s.lateEntry(i)
	}
	for _, w := range s.workers {
		s.overlaps(w)
		s.travel(w)
		s.repeatedCoordinates(w)
		s.bursts(w)
		s.bunching(w)
	}
	s.evidenceReuse()
	s.clonedNotes()
	s.durationOutliers()
	s.answersOutliers()
	order := map[SignalKind]int{}
	for i, k := range SignalKinds() {
		order[k] = i
	}
	slices.SortFunc(s.out, func(a, b Signal) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(b.Score, a.Score),
			bytes.Compare(a.WorkerID[:], b.WorkerID[:]), sigCompareIDs(a.VisitIDs, b.VisitIDs),
			strings.Compare(a.Explanation, b.Explanation))
	})
	return s.out
}

func sigCompareIDs(a, b []uuid.UUID) int {
	for i := range min(len(a), len(b)) {
		if c := bytes.Compare(a[i][:], b[i][:]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// sigRun is one Signals computation.
type sigRun struct {
	d       *Detector
	rules   welfare.SignalRules
	workers []sigWorker
	live    []int // records not dropped, in arrival order
	out     []Signal
}

type sigWorker struct {
	id   uuid.UUID
	recs []int // record indexes, by start then ID
}

func (s *sigRun) rec(i int) *sigRecord { return s.d.rec(i) }

func (s *sigRun) groupWorkers() {
	idx := map[uuid.UUID]int{}
	for i := range s.d.n {
		if s.rec(i).dropped {
			continue
		}
		s.live = append(s.live, i)
		w := s.rec(i).worker
		j, ok := idx[w]
		if !ok {
			j = len(s.workers)
			idx[w] = j
			s.workers = append(s.workers, sigWorker{id: w})
		}
		s.workers[j].recs = append(s.workers[j].recs, i)
	}
	slices.SortFunc(s.workers, func(a, b sigWorker) int { return bytes.Compare(a.id[:], b.id[:]) })
	for _, w := range s.workers {
		slices.SortFunc(w.recs, s.byStart)
	}
}

func (s *sigRun) byStart(a, b int) int {
	ra, rb := s.rec(a), s.rec(b)
	return cmp.Or(ra.start.Compare(rb.start), bytes.Compare(ra.id[:], rb.id[:]))
}

// emit appends a signal over records idx (in the order given).
func (s *sigRun) emit(kind SignalKind, worker uuid.UUID, idx []int, score float64, facts []welfare.Fact, expl string) {
	sg := Signal{Kind: kind, RuleID: kind.RuleID(), WorkerID: worker, Facts: facts, Explanation: expl,
		Score: min(score, sigScoreCap)}
	if math.IsNaN(sg.Score) {
		sg.Score = sigScoreCap
	}
	seen := map[uuid.UUID]bool{}
	for _, i := range idx {
		r := s.rec(i)
		sg.VisitIDs = append(sg.VisitIDs, r.id)
		if !seen[r.child] {
			seen[r.child] = true
			sg.ChildIDs = append(sg.ChildIDs, r.child)
		}
	}
	s.out = append(s.out, sg)
}

// household is the key under which a child's visits are grouped: its address point
// when known, otherwise the child.
type sigHousehold struct {
	geo   welfare.GeoPoint
	child uuid.UUID
}

func (s *sigRun) household(child uuid.UUID) sigHousehold {
	if g := s.d.children[child]; g != nil {
		return sigHousehold{geo: *g}
	}
	return sigHousehold{child: child}
}

func (s *sigRun) sameHousehold(a, b *sigRecord) bool {
	ga, gb := s.d.children[a.child], s.d.children[b.child]
	return ga != nil && gb != nil && *ga == *gb
}

// --- per visit --------------------------------------------------------------------

func (s *sigRun) tooShort(i int) {
	r := s.rec(i)
	minM, ok := s.rules.MinMinutes[string(r.mode)]
	if !r.counts || !ok || minM <= 0 {
		return
	}
	limit := time.Duration(minM) * time.Minute
	dur := max(r.end.Sub(r.start), 0)
	if dur >= limit {
		return
	}
	s.emit(SignalTooShort, r.worker, []int{i}, limit.Seconds()/max(dur.Seconds(), 1),
		[]welfare.Fact{{Name: "mode", Value: string(r.mode)}, {Name: "minutes", Value: sigMinutes(dur)},
			{Name: "min_minutes", Value: strconv.Itoa(minM)}},
		fmt.Sprintf("%s探访时长 %s 分钟，短于该方式的最短时长 %d 分钟。时长过短可能意味着探访走过场，请核对记录与佐证材料。",
			sigModeName(r.mode), sigMinutes(dur), minM))
}

func (s *sigRun) geofence(i int) {
	r := s.rec(i)
	if !r.counts || r.mode != ModeHome || !r.hasGeo || s.rules.GeofenceMeters <= 0 {
		return
	}
	home := s.d.children[r.child]
	if home == nil {
		return
	}
	dist := Haversine(r.geo, *home)
	allow := s.rules.GeofenceMeters + r.accuracy
	if dist <= allow {
		return
	}
	s.emit(SignalOutsideGeofence, r.worker, []int{i}, dist/allow,
		[]welfare.Fact{{Name: "distance_m", Value: sigF(dist, 0)}, {Name: "geofence_m", Value: sigF(s.rules.GeofenceMeters, 0)},
			{Name: "accuracy_m", Value: sigF(r.accuracy, 0)}},
		fmt.Sprintf("上门探访的定位点距儿童住址 %s 米，超出允许范围 %s 米（地理围栏 %s 米 + 定位精度 %s 米）。工作人员可能并未到户，请核实。",
			sigF(dist, 0), sigF(allow, 0), sigF(s.rules.GeofenceMeters, 0), sigF(r.accuracy, 0)))
}

func (s *sigRun) callNotBacked(i int) {
	r := s.rec(i)
	if !r.counts || (r.mode != ModePhone && r.mode != ModeVideo) {
		return
	}
	dur := max(r.end.Sub(r.start), 0)
	tol := time.Duration(max(s.rules.CallToleranceSeconds, 0)) * time.Second
	backed := time.Duration(r.callSeconds) * time.Second
	if r.hasCall && dur <= backed+tol {
		return
	}
	facts := []welfare.Fact{{Name: "mode", Value: string(r.mode)}, {Name: "minutes", Value: sigMinutes(dur)},
		{Name: "tolerance_seconds", Value: strconv.Itoa(max(s.rules.CallToleranceSeconds, 0))}}
	var expl string
	if r.hasCall {
		facts = append(facts, welfare.Fact{Name: "call_seconds", Value: strconv.Itoa(r.callSeconds)})
		expl = fmt.Sprintf("%s探访记录时长 %s 分钟，而通话记录仅 %d 秒（容差 %d 秒）。记录的探访时长没有通话记录支持，请核实。",
			sigModeName(r.mode), sigMinutes(dur), r.callSeconds, max(s.rules.CallToleranceSeconds, 0))
	} else {
		facts = append(facts, welfare.Fact{Name: "call_record", Value: "none"})
		expl = fmt.Sprintf("%s探访记录时长 %s 分钟，但没有附通话记录。无法证实通话确实发生及其时长，请核实。",
			sigModeName(r.mode), sigMinutes(dur))
	}
	s.emit(SignalCallNotBacked, r.worker, []int{i}, dur.Seconds()/max((backed+tol).Seconds(), 1), facts, expl)
}

func (s *sigRun) lateEntry(i int) {
	r := s.rec(i)
	if s.rules.LateEntryHours <= 0 || r.received.IsZero() {
		return
	}
	end := r.end
	if end.IsZero() {
		end = r.start
	}
	limit := time.Duration(s.rules.LateEntryHours) * time.Hour
	lag := r.received.Sub(end)
	if lag <= limit {
		return
	}
	facts := []welfare.Fact{{Name: "delay_hours", Value: sigF(lag.Hours(), 1)},
		{Name: "late_entry_hours", Value: strconv.Itoa(s.rules.LateEntryHours)},
		{Name: "outcome_completed", Value: strconv.FormatBool(r.counts)}}
	expl := fmt.Sprintf("记录在探访结束 %s 小时后才提交到系统（阈值 %d 小时）。事后补录的记录准确性存疑，请核实。",
		sigF(lag.Hours(), 1), s.rules.LateEntryHours)
	if !r.device.IsZero() {
		dl := r.device.Sub(end)
		facts = append(facts, welfare.Fact{Name: "device_delay_hours", Value: sigF(dl.Hours(), 1)})
		if dl <= limit {
			expl += fmt.Sprintf("设备记录时间为结束后 %s 小时，可能是离线后延迟同步。", sigF(dl.Hours(), 1))
		}
	}
	s.emit(SignalLateEntry, r.worker, []int{i}, lag.Hours()/float64(s.rules.LateEntryHours), facts, expl)
}

// --- per worker -------------------------------------------------------------------

// overlaps: two completed visits of one worker intersecting for at least OverlapMinutes
// (sweep over visits sorted by start). Same-mode visits of siblings (one household) are a
// joint visit and exempt; two overlapping records of one child are reported (a
// duplicate entry).
func (s *sigRun) overlaps(w sigWorker) {
	if s.rules.OverlapMinutes <= 0 {
		return
	}
	limit := time.Duration(s.rules.OverlapMinutes) * time.Minute
	recs := s.countingOf(w)
	for p, i := range recs {
		a := s.rec(i)
		for _, j := range recs[p+1:] {
			b := s.rec(j)
			if !b.start.Before(a.end) {
				break
			}
			end := a.end
			if b.end.Before(end) {
				end = b.end
			}
			ov := end.Sub(b.start)
			if ov < limit {
				continue
			}
			if a.child != b.child && a.mode == b.mode && s.sameHousehold(a, b) {
				continue
			}
			facts := []welfare.Fact{{Name: "overlap_minutes", Value: sigMinutes(ov)},
				{Name: "overlap_min_minutes", Value: strconv.Itoa(s.rules.OverlapMinutes)},
				{Name: "same_child", Value: strconv.FormatBool(a.child == b.child)}}
			expl := fmt.Sprintf("同一工作人员的两次探访（%s、%s）在时间上重叠 %s 分钟（阈值 %d 分钟）。一人不能同时进行两次探访，请核实。",
				sigModeName(a.mode), sigModeName(b.mode), sigMinutes(ov), s.rules.OverlapMinutes)
			if a.child == b.child {
				expl += "两条记录属于同一名儿童，可能是重复录入。"
			}
			s.emit(SignalOverlappingVisits, w.id, []int{i, j}, ov.Minutes()/float64(s.rules.OverlapMinutes), facts, expl)
		}
	}
}

// countingOf returns the worker's completed visits, by start.
func (s *sigRun) countingOf(w sigWorker) []int {
	var out []int
	for _, i := range w.recs {
		if s.rec(i).counts {
			out = append(out, i)
		}
	}
	return out
}

// travel: consecutive completed visits of a worker with a fix (any mode: a fix is the
// worker's position) whose distance, less both fixes' accuracy, over the gap between
// the first's end and the second's start exceeds MaxSpeedKmh. Gaps are floored at one
// minute, the resolution of recorded times, so touching or overlapping visits at
// different places are judged as if one minute apart.
func (s *sigRun) travel(w sigWorker) {
	if s.rules.MaxSpeedKmh <= 0 {
		return
	}
	prev := -1
	for _, i := range w.recs {
		b := s.rec(i)
		if !b.counts || !b.hasGeo {
			continue
		}
		cur := prev
		prev = i
		if cur < 0 {
			continue
		}
		a := s.rec(cur)
		dist := max(Haversine(a.geo, b.geo)-a.accuracy-b.accuracy, 0)
		if dist == 0 {
			continue
		}
		gap := b.start.Sub(a.end)
		km := dist / 1000
		speed := km / max(gap, time.Minute).Hours()
		if speed <= s.rules.MaxSpeedKmh {
			continue
		}
		facts := []welfare.Fact{{Name: "distance_km", Value: sigF(km, 2)}, {Name: "gap_minutes", Value: sigMinutes(gap)},
			{Name: "max_speed_kmh", Value: sigF(s.rules.MaxSpeedKmh, 0)}}
		if gap < time.Minute {
			facts = append(facts, welfare.Fact{Name: "speed_kmh_at_least", Value: sigF(speed, 0)})
			s.emit(SignalImpossibleTravel, w.id, []int{cur, i}, speed/s.rules.MaxSpeedKmh, facts,
				fmt.Sprintf("同一工作人员的两次相邻探访在时间上间隔不足 1 分钟（或重叠），定位却相距 %s 公里（已扣除定位精度），按 1 分钟计时速至少 %s 公里，超过上限 %s 公里。一人不可能同时出现在两地，请核实。",
					sigF(km, 2), sigF(speed, 0), sigF(s.rules.MaxSpeedKmh, 0)))
			continue
		}
		facts = append(facts, welfare.Fact{Name: "speed_kmh", Value: sigF(speed, 0)})
		s.emit(SignalImpossibleTravel, w.id, []int{cur, i}, speed/s.rules.MaxSpeedKmh, facts,
			fmt.Sprintf("同一工作人员相邻两次探访的定位相距 %s 公里（已扣除定位精度），间隔仅 %s 分钟，折合时速 %s 公里，超过上限 %s 公里。行程不可能完成，请核实。",
				sigF(km, 2), sigMinutes(gap), sigF(speed, 0), sigF(s.rules.MaxSpeedKmh, 0)))
	}
}

// repeatedCoordinates: the exact same latitude and longitude (no GPS jitter) on completed
// home visits of one worker at RepeatCoordinates or more households.
func (s *sigRun) repeatedCoordinates(w sigWorker) {
	if s.rules.RepeatCoordinates < 2 {
		return
	}
	type point struct{ lat, lng uint64 }
	byPoint := map[point][]int{}
	var order []point
	for _, i := range w.recs {
		r := s.rec(i)
		if !r.counts || r.mode != ModeHome || !r.hasGeo {
			continue
		}
		p := point{math.Float64bits(r.geo.Lat), math.Float64bits(r.geo.Lng)}
		if _, ok := byPoint[p]; !ok {
			order = append(order, p)
		}
		byPoint[p] = append(byPoint[p], i)
	}
	for _, p := range order {
		idx := byPoint[p]
		if len(idx) < s.rules.RepeatCoordinates {
			continue
		}
		homes := map[sigHousehold]bool{}
		children := map[uuid.UUID]bool{}
		for _, i := range idx {
			homes[s.household(s.rec(i).child)] = true
			children[s.rec(i).child] = true
		}
		if len(homes) < s.rules.RepeatCoordinates {
			continue
		}
		s.emit(SignalRepeatedCoordinates, w.id, idx, float64(len(homes))/float64(s.rules.RepeatCoordinates),
			[]welfare.Fact{{Name: "visits", Value: strconv.Itoa(len(idx))}, {Name: "children", Value: strconv.Itoa(len(children))},
				{Name: "households", Value: strconv.Itoa(len(homes))}, {Name: "repeat_coordinates", Value: strconv.Itoa(s.rules.RepeatCoordinates)}},
			fmt.Sprintf("同一工作人员的 %d 次上门探访（%d 名儿童、%d 个不同住址，阈值 %d）记录了完全相同的经纬度。真实定位总有漂移，坐标可能是复制或伪造的，请核实。",
				len(idx), len(children), len(homes), s.rules.RepeatCoordinates))
	}
}

// bursts: BurstCount or more records of one worker received within BurstMinutes.
// Overlapping windows merge into one cluster, reported once.
func (s *sigRun) bursts(w sigWorker) {
	if s.rules.BurstCount < 2 || s.rules.BurstMinutes <= 0 {
		return
	}
	var recs []int
	for _, i := range w.recs {
		if !s.rec(i).received.IsZero() {
			recs = append(recs, i)
		}
	}
	slices.SortFunc(recs, func(a, b int) int {
		ra, rb := s.rec(a), s.rec(b)
		return cmp.Or(ra.received.Compare(rb.received), bytes.Compare(ra.id[:], rb.id[:]))
	})
	window := time.Duration(s.rules.BurstMinutes) * time.Minute
	cs, ce, best := -1, -1, 0
	flush := func() {
		if cs < 0 {
			return
		}
		idx := recs[cs : ce+1]
		first, last := s.rec(idx[0]).received, s.rec(idx[len(idx)-1]).received
		facts := []welfare.Fact{{Name: "records", Value: strconv.Itoa(len(idx))}, {Name: "max_in_window", Value: strconv.Itoa(best)},
			{Name: "span_minutes", Value: sigMinutes(last.Sub(first))},
			{Name: "burst_count", Value: strconv.Itoa(s.rules.BurstCount)}, {Name: "burst_minutes", Value: strconv.Itoa(s.rules.BurstMinutes)}}
		expl := fmt.Sprintf("同一工作人员在 %d 分钟内提交了 %d 条记录（阈值：%d 分钟内 %d 条），本次集中录入共 %d 条、历时 %s 分钟。集中补录可能意味着凭记忆或编造录入，请核实。",
			s.rules.BurstMinutes, best, s.rules.BurstMinutes, s.rules.BurstCount, len(idx), sigMinutes(last.Sub(first)))
		var dmin, dmax time.Time
		for _, i := range idx {
			if d := s.rec(i).device; !d.IsZero() {
				if dmin.IsZero() || d.Before(dmin) {
					dmin = d
				}
				if d.After(dmax) {
					dmax = d
				}
			}
		}
		if !dmin.IsZero() {
			facts = append(facts, welfare.Fact{Name: "device_span_minutes", Value: sigMinutes(dmax.Sub(dmin))})
			expl += fmt.Sprintf("这些记录的设备记录时间跨度为 %s 分钟（跨度大说明可能是离线后集中同步）。", sigMinutes(dmax.Sub(dmin)))
		}
		s.emit(SignalEntryBurst, w.id, idx, float64(best)/float64(s.rules.BurstCount), facts, expl)
		cs, ce, best = -1, -1, 0
	}
	lo := 0
	for hi := range recs {
		for s.rec(recs[hi]).received.Sub(s.rec(recs[lo]).received) > window {
			lo++
		}
		n := hi - lo + 1
		if n < s.rules.BurstCount {
			continue
		}
		if cs >= 0 && lo > ce {
			flush()
		}
		if cs < 0 {
			cs = lo
		}
		ce = hi
		best = max(best, n)
	}
	flush()
}

// bunching: more than EndOfPeriodShare of a worker's completed visits in the last
// EndOfPeriodDays of the period, judged for the whole period and for each calendar month
// in it (clipped to the period). A unit is judged only with at least BunchingMinVisits
// visits and when it is at least twice EndOfPeriodDays long (otherwise its last days are
// most of it).
func (s *sigRun) bunching(w sigWorker) {
	days := s.rules.EndOfPeriodDays
	if days <= 0 || !s.rules.EndOfPeriodShare.IsPositive() || s.d.periodZero() {
		return
	}
	num, den := cloneRational(s.rules.EndOfPeriodShare)
	recs := s.countingOf(w)
	judge := func(unit welfare.Period, label string, monthly bool) {
		if sigDays(unit) < 2*days {
			return
		}
		tail := welfare.Period{Start: unit.End.AddDate(0, 0, -(days - 1)), End: unit.End}
		var all, late []int
		for _, i := range recs {
			day := s.rec(i).day
			if unit.Contains(day) {
				all = append(all, i)
				if tail.Contains(day) {
					late = append(late, i)
				}
			}
		}
		if len(all) < BunchingMinVisits || int64(len(late))*den <= num*int64(len(all)) {
			return
		}
		share := float64(len(late)) / float64(len(all))
		scope := "period"
		if monthly {
			scope = "month"
		}
		s.emit(SignalEndOfPeriodBunching, w.id, late, share/s.rules.EndOfPeriodShare.InexactFloat64(),
			[]welfare.Fact{{Name: "scope", Value: scope}, {Name: "from", Value: unit.Start.String()}, {Name: "to", Value: unit.End.String()},
				{Name: "visits", Value: strconv.Itoa(len(all))}, {Name: "in_last_days", Value: strconv.Itoa(len(late))},
				{Name: "end_of_period_days", Value: strconv.Itoa(days)}, {Name: "share", Value: sigF(share, 3)},
				{Name: "end_of_period_share", Value: s.rules.EndOfPeriodShare.String()}},
			fmt.Sprintf("该工作人员在%s（%s 至 %s）的 %d 次探访中，有 %d 次（%s%%）集中在最后 %d 天，超过阈值 %s%%。期末突击探访可能是为完成指标凑数，请核实。",
				label, unit.Start, unit.End, len(all), len(late), sigF(share*100, 1), days,
				s.rules.EndOfPeriodShare.Mul(decimal.NewFromInt(100)).String()))
	}
	p := s.d.period
	judge(p, "整个服务期", false)
	for m := (welfare.Date{Year: p.Start.Year, Month: p.Start.Month, Day: 1}); !m.After(p.End); m = m.AddDate(0, 1, 0) {
		unit := welfare.Period{Start: m, End: m.AddDate(0, 1, -1)}
		if unit.Start.Before(p.Start) {
			unit.Start = p.Start
		}
		if unit.End.After(p.End) {
			unit.End = p.End
		}
		if unit == p {
			continue // the period is one month: judged once above
		}
		judge(unit, fmt.Sprintf(" %d 年 %d 月", m.Year, int(m.Month)), true)
	}
}

// sigDays is the number of days in p (inclusive).
func sigDays(p welfare.Period) int {
	return int(p.End.Start().Sub(p.Start.Start()).Hours()/24+0.5) + 1
}

// --- across workers ----------------------------------------------------------------

// evidenceReuse: the same file (SHA-256) or a perceptual hash within
// PerceptualHashMaxBits bits on two or more different visits. Near-duplicate perceptual
// hashes are found by the pigeonhole principle: with k+1 bit bands, two hashes within k
// bits agree exactly on at least one band, so only hashes sharing a band value are
// compared (each pair once, in the first band they share). Matches are joined
// transitively (union-find); each group spanning two or more visits is one signal.
func (s *sigRun) evidenceReuse() {
	type occ struct {
		rec int
		ev  *sigEvidence
	}
	var occs []occ
	for _, i := range s.live {
		r := s.rec(i)
		for e := range r.evidence {
			occs = append(occs, occ{i, &r.evidence[e]})
		}
	}
	uf := newSigUnion(len(occs))
	firstBySHA := map[string]int{}
	var ph []int // occurrences with a perceptual hash
	for o := range occs {
		if sha := occs[o].ev.sha; sha != "" {
			if f, ok := firstBySHA[sha]; ok {
				uf.union(f, o)
			} else {
				firstBySHA[sha] = o
			}
		}
		if occs[o].ev.hasPHash {
			ph = append(ph, o)
		}
	}
	k := max(s.rules.PerceptualHashMaxBits, 0)
	nearMatched := make([]bool, len(occs)) // joined by a perceptual hash to a different file
	near := func(a, b int) {
		uf.union(a, b)
		if sa, sb := occs[a].ev.sha, occs[b].ev.sha; sa != sb || sa == "" {
			nearMatched[a], nearMatched[b] = true, true
		}
	}
	if k < 64 && len(ph) > 1 {
		nb := k + 1
		widths := make([]uint, nb)
		offs := make([]uint, nb)
		for b := range nb {
			widths[b] = uint(64 / nb)
			if b < 64%nb {
				widths[b]++
			}
			if b > 0 {
				offs[b] = offs[b-1] + widths[b-1]
			}
		}
		band := func(h uint64, b int) uint64 {
			if widths[b] == 64 {
				return h
			}
			return (h >> offs[b]) & (1<<widths[b] - 1)
		}
		type entry struct {
			key, full uint64
			o         int
		}
		entries := make([]entry, len(ph))
		for b := range nb {
			for i, o := range ph {
				h := occs[o].ev.phash
				entries[i] = entry{band(h, b), h, o}
			}
			slices.SortFunc(entries, func(x, y entry) int {
				return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.full, y.full), cmp.Compare(x.o, y.o))
			})
			for lo := 0; lo < len(entries); {
				hi := lo + 1
				for hi < len(entries) && entries[hi].key == entries[lo].key {
					hi++
				}
				// distinct full hashes in the bucket; equal ones join their representative
				var reps []entry
				for _, e := range entries[lo:hi] {
					if len(reps) > 0 && reps[len(reps)-1].full == e.full {
						near(reps[len(reps)-1].o, e.o)
						continue
					}
					reps = append(reps, e)
				}
				for p := range reps {
					for q := p + 1; q < len(reps); q++ {
						x, y := reps[p].full, reps[q].full
						if bits.OnesCount64(x^y) > k {
							continue
						}
						shared := false
						for eb := range b {
							if band(x, eb) == band(y, eb) {
								shared = true
								break
							}
						}
						if !shared {
							near(reps[p].o, reps[q].o)
						}
					}
				}
				lo = hi
			}
		}
	}
	size := make([]int32, len(occs))
	for o := range occs {
		size[uf.find(o)]++
	}
	groups := map[int][]int{} // only the groups of two or more occurrences
	var roots []int
	for o := range occs {
		r := uf.find(o)
		if size[r] < 2 {
			continue
		}
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], o)
	}
	for _, root := range roots {
		g := groups[root]
		visits := map[int]bool{}
		var idx []int
		shaVisits := map[string]map[int]bool{}
		perceptual := false
		for _, o := range g {
			oc := occs[o]
			if !visits[oc.rec] {
				visits[oc.rec] = true
				idx = append(idx, oc.rec)
			}
			if oc.ev.sha != "" {
				if shaVisits[oc.ev.sha] == nil {
					shaVisits[oc.ev.sha] = map[int]bool{}
				}
				shaVisits[oc.ev.sha][oc.rec] = true
			}
			perceptual = perceptual || nearMatched[o]
		}
		if len(idx) < 2 {
			continue
		}
		slices.SortFunc(idx, s.byStart)
		identical := 0
		for _, vs := range shaVisits {
			if len(vs) > 1 {
				identical++
			}
		}
		children := map[uuid.UUID]bool{}
		workers := map[uuid.UUID]bool{}
		for _, i := range idx {
			children[s.rec(i).child] = true
			workers[s.rec(i).worker] = true
		}
		worker := uuid.Nil
		if len(workers) == 1 {
			worker = s.rec(idx[0]).worker
		}
		how := "同一文件（SHA-256 相同）"
		if identical == 0 {
			how = fmt.Sprintf("感知哈希相差不超过 %d 位的近似图片", k)
		} else if perceptual {
			how = fmt.Sprintf("同一文件（SHA-256 相同）及感知哈希相差不超过 %d 位的近似图片", k)
		}
		s.emit(SignalEvidenceReused, worker, idx, float64(len(idx)),
			[]welfare.Fact{{Name: "visits", Value: strconv.Itoa(len(idx))}, {Name: "children", Value: strconv.Itoa(len(children))},
				{Name: "workers", Value: strconv.Itoa(len(workers))}, {Name: "identical_files", Value: strconv.Itoa(identical)},
				{Name: "perceptual_match", Value: strconv.FormatBool(perceptual)},
				{Name: "perceptual_hash_max_bits", Value: strconv.Itoa(k)}},
			fmt.Sprintf("%s出现在 %d 条不同的探访记录中，涉及 %d 名儿童、%d 名工作人员。佐证材料可能被重复使用，请核实。",
				how, len(idx), len(children), len(workers)))
	}
}

// clonedNotes: FindClones over the completed visits' notes; pairs joined transitively,
// one signal per group (see clones.go).
func (s *sigRun) clonedNotes() {
	var notes []Note
	var recOf []int
	for _, i := range s.live {
		r := s.rec(i)
		if r.counts && r.notes != "" {
			notes = append(notes, Note{VisitID: r.id, ChildID: r.child, WorkerID: r.worker, Text: r.notes})
			recOf = append(recOf, i)
		}
	}
	pairs := FindClones(notes, s.rules)
	if len(pairs) == 0 {
		return
	}
	uf := newSigUnion(len(notes))
	for _, p := range pairs {
		uf.union(p.I, p.J)
	}
	type group struct {
		notes          []int
		pairs, sameKid int
		minJ, maxJ     float64
	}
	groups := map[int]*group{}
	var roots []int
	for _, p := range pairs {
		r := uf.find(p.I)
		g := groups[r]
		if g == nil {
			g = &group{minJ: 1}
			groups[r] = g
			roots = append(roots, r)
		}
		g.pairs++
		if p.SameChild {
			g.sameKid++
		}
		g.minJ, g.maxJ = min(g.minJ, p.Jaccard), max(g.maxJ, p.Jaccard)
	}
	for n := range notes {
		if g := groups[uf.find(n)]; g != nil {
			g.notes = append(g.notes, recOf[n])
		}
	}
	t := s.rules.NoteJaccard.InexactFloat64()
	for _, root := range roots {
		g := groups[root]
		idx := g.notes
		slices.SortFunc(idx, s.byStart)
		children := map[uuid.UUID]bool{}
		workers := map[uuid.UUID]bool{}
		for _, i := range idx {
			children[s.rec(i).child] = true
			workers[s.rec(i).worker] = true
		}
		worker := uuid.Nil
		if len(workers) == 1 {
			worker = s.rec(idx[0]).worker
		}
		expl := fmt.Sprintf("%d 条探访记录的文字内容高度相似（按 %d 字片段计算的 Jaccard 相似度 %s–%s，阈值 %s），涉及 %d 名儿童、%d 名工作人员。可能是复制粘贴的记录，请核实。",
			len(idx), s.rules.NoteShingle, sigF(g.minJ, 2), sigF(g.maxJ, 2), s.rules.NoteJaccard.String(), len(children), len(workers))
		if len(children) == 1 {
			expl += "这些记录属于同一名儿童：沿用上次记录而未如实记录本次探访，同样属于走过场。"
		}
		s.emit(SignalClonedNotes, worker, idx, float64(len(idx))*g.maxJ/t,
			[]welfare.Fact{{Name: "visits", Value: strconv.Itoa(len(idx))}, {Name: "children", Value: strconv.Itoa(len(children))},
				{Name: "workers", Value: strconv.Itoa(len(workers))}, {Name: "pairs", Value: strconv.Itoa(g.pairs)},
				{Name: "same_child_pairs", Value: strconv.Itoa(g.sameKid)},
				{Name: "jaccard_min", Value: sigF(g.minJ, 3)}, {Name: "jaccard_max", Value: sigF(g.maxJ, 3)},
				{Name: "note_shingle", Value: strconv.Itoa(s.rules.NoteShingle)}, {Name: "note_jaccard", Value: s.rules.NoteJaccard.String()}},
			expl)
	}
}

// durationOutliers: per mode, each worker's median duration of completed visits (workers
// with at least OutlierMinVisits visits of the mode) against the other workers', by the
// modified z-score; |M| > OutlierZ in either direction is reported (short: perfunctory;
// long: possibly padded).
func (s *sigRun) durationOutliers() {
	z := s.rules.OutlierZ.InexactFloat64()
	if z <= 0 {
		return
	}
	byMode := map[Mode]map[int][]float64{} // mode → worker ordinal → minutes
	for wi, w := range s.workers {
		for _, i := range w.recs {
			r := s.rec(i)
			if !r.counts {
				continue
			}
			if byMode[r.mode] == nil {
				byMode[r.mode] = map[int][]float64{}
			}
			byMode[r.mode][wi] = append(byMode[r.mode][wi], max(r.end.Sub(r.start), 0).Minutes())
		}
	}
	modes := slices.Sorted(maps.Keys(byMode))
	for _, m := range modes {
		var ws []int
		var med []float64
		for wi := range s.workers {
			if d := byMode[m][wi]; len(d) >= OutlierMinVisits {
				ws = append(ws, wi)
				med = append(med, sigMedian(d))
			}
		}
		if len(ws) < OutlierMinPeers {
			continue
		}
		scores := sigRobustZ(med, sigMinScaleMinutes)
		peer := sigMedian(med)
		for n, wi := range ws {
			if math.Abs(scores[n]) <= z {
				continue
			}
			w := s.workers[wi]
			var idx []int
			for _, i := range w.recs {
				if r := s.rec(i); r.counts && r.mode == m {
					idx = append(idx, i)
				}
			}
			dir := "high"
			if scores[n] < 0 {
				dir = "low"
			}
			s.emit(SignalDurationOutlier, w.id, idx, math.Abs(scores[n])/z,
				[]welfare.Fact{{Name: "mode", Value: string(m)}, {Name: "median_minutes", Value: sigF(med[n], 1)},
					{Name: "peer_median_minutes", Value: sigF(peer, 1)}, {Name: "peers", Value: strconv.Itoa(len(ws))},
					{Name: "visits", Value: strconv.Itoa(len(idx))}, {Name: "modified_z", Value: sigF(scores[n], 2)},
					{Name: "direction", Value: dir}, {Name: "outlier_z", Value: s.rules.OutlierZ.String()}},
				fmt.Sprintf("该工作人员%s探访时长的中位数为 %s 分钟，同方式 %d 名工作人员的中位数为 %s 分钟，修正 z 分数 %s（阈值 ±%s）。%s请核实。",
					sigModeName(m), sigF(med[n], 1), len(ws), sigF(peer, 1), sigF(scores[n], 2), s.rules.OutlierZ.String(),
					map[string]string{"low": "明显短于同行，可能走过场。", "high": "明显长于同行，时长可能被虚报。"}[dir]))
		}
	}
}

// sigAnswerMetrics are the structured answers compared between workers.
// minScale is the least robust scale (see sigRobustZ): two percentage points for shares,
// a tenth for counts per visit.
var sigAnswerMetrics = []struct {
	name, label string
	minScale    float64
	of          func(*sigRecord) float64
}{
	{"concern_share", "发现需关注问题的探访占比", 0.02, func(r *sigRecord) float64 { return sigB(r.concern) }},
	{"needs_share", "记录了需求困难（一问）的探访占比", 0.02, func(r *sigRecord) float64 { return sigB(r.needs) }},
	{"observations_per_visit", "每次探访的观察项数（二看）", 0.1, func(r *sigRecord) float64 { return float64(r.observations) }},
	{"topics_per_visit", "每次探访的宣讲主题数（三讲）", 0.1, func(r *sigRecord) float64 { return float64(r.topics) }},
	{"services_per_visit", "每次探访提供的服务数（四服务）", 0.1, func(r *sigRecord) float64 { return float64(r.services) }},
}

func sigB(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// answersOutliers: per metric of the structured content (share of visits with a concern
// observed, with needs raised; observations, topics and services per visit), each
// worker's mean over their completed visits (at least OutlierMinVisits) against the
// other workers', by the modified z-score; |M| > OutlierZ is reported, one signal per
// worker and metric.
func (s *sigRun) answersOutliers() {
	z := s.rules.OutlierZ.InexactFloat64()
	if z <= 0 {
		return
	}
	var ws []int
	var counting [][]int
	for wi, w := range s.workers {
		if c := s.countingOf(w); len(c) >= OutlierMinVisits {
			ws = append(ws, wi)
			counting = append(counting, c)
		}
	}
	if len(ws) < OutlierMinPeers {
		return
	}
	for _, m := range sigAnswerMetrics {
		vals := make([]float64, len(ws))
		for n := range ws {
			sum := 0.0
			for _, i := range counting[n] {
				sum += m.of(s.rec(i))
			}
			vals[n] = sum / float64(len(counting[n]))
		}
		scores := sigRobustZ(vals, m.minScale)
		peer := sigMedian(vals)
		for n, wi := range ws {
			if math.Abs(scores[n]) <= z {
				continue
			}
			dir := "high"
			if scores[n] < 0 {
				dir = "low"
			}
			s.emit(SignalAnswersOutlier, s.workers[wi].id, counting[n], math.Abs(scores[n])/z,
				[]welfare.Fact{{Name: "metric", Value: m.name}, {Name: "value", Value: sigF(vals[n], 3)},
					{Name: "peer_median", Value: sigF(peer, 3)}, {Name: "peers", Value: strconv.Itoa(len(ws))},
					{Name: "visits", Value: strconv.Itoa(len(counting[n]))}, {Name: "modified_z", Value: sigF(scores[n], 2)},
					{Name: "direction", Value: dir}, {Name: "outlier_z", Value: s.rules.OutlierZ.String()}},
				fmt.Sprintf("该工作人员的「%s」为 %s，%d 名工作人员的中位数为 %s，修正 z 分数 %s（阈值 ±%s）。填报内容与同行差异显著，可能未如实记录探访内容，请核实。",
					m.label, sigF(vals[n], 2), len(ws), sigF(peer, 2), sigF(scores[n], 2), s.rules.OutlierZ.String()))
		}
	}
}

// --- helpers ----------------------------------------------------------------------

// sigEarthRadiusM is the mean Earth radius (IUGG), in metres.
const sigEarthRadiusM = 6371008.8

// Haversine returns the great-circle distance between a and b in metres (spherical
// Earth, mean radius 6,371,008.8 m; error under 0.5% against the WGS-84 ellipsoid).
func Haversine(a, b welfare.GeoPoint) float64 {
	const rad = math.Pi / 180
	la1, la2 := a.Lat*rad, b.Lat*rad
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * sigEarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ModifiedZScores returns the modified z-score of each value (Iglewicz and Hoaglin):
// M = 0.6745·(x − median)/MAD, MAD the median absolute deviation from the median.
// When MAD is 0 (half the values or more equal) it falls back to
// M = (x − median)/(1.253314·MeanAD), MeanAD the mean absolute deviation from the median;
// when that is 0 too, every score is 0. The input is not modified.
func ModifiedZScores(xs []float64) []float64 { return sigRobustZ(xs, 0) }

// sigRobustZ is ModifiedZScores with the robust scale (MAD/0.6745, or 1.253314·MeanAD)
// floored at minScale: differences smaller than the data's resolution (a minute of
// duration, a tenth of an observation per visit) never make an outlier on their own, as
// they would when nearly every peer has the same value and the scale is almost 0.
func sigRobustZ(xs []float64, minScale float64) []float64 {
	out := make([]float64, len(xs))
	if len(xs) == 0 {
		return out
	}
	med := sigMedian(xs)
	dev := make([]float64, len(xs))
	meanAD := 0.0
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
		meanAD += dev[i]
	}
	meanAD /= float64(len(xs))
	scale := 0.0
	if mad := sigMedian(dev); mad > 0 {
		scale = mad / 0.6745
	} else {
		scale = 1.253314 * meanAD
	}
	scale = max(scale, minScale)
	if scale == 0 {
		return out
	}
	for i, x := range xs {
		out[i] = (x - med) / scale
	}
	return out
}

// sigMedian returns the median of xs (the mean of the middle two for an even count);
// xs is not modified.
func sigMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

func sigF(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }

func sigMinutes(d time.Duration) string { return sigF(d.Minutes(), 1) }

func sigModeName(m Mode) string {
	switch m {
	case ModeHome:
		return "上门"
	case ModePhone:
		return "电话"
	case ModeVideo:
		return "视频"
	case "school":
		return "学校"
	case "community":
		return "社区"
	}
	return "「" + string(m) + "」方式"
}

// sigUnion is a union-find over 0..n-1.
type sigUnion struct{ parent, rank []int32 }

func newSigUnion(n int) *sigUnion {
	u := &sigUnion{parent: make([]int32, n), rank: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
	}
	return u
}

func (u *sigUnion) find(x int) int {
	for int(u.parent[x]) != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = int(u.parent[x])
	}
	return x
}

func (u *sigUnion) union(a, b int) {
	a, b = u.find(a), u.find(b)
	if a == b {
		return
	}
	if u.rank[a] < u.rank[b] {
		a, b = b, a
	}
	u.parent[b] = int32(a)
	if u.rank[a] == u.rank[b] {
		u.rank[a]++
	}
}
