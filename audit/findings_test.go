package audit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/welfare"
)

// idNumber returns a valid resident identity number for region, birth date and sequence.
func idNumber(t testing.TB, region, birth, seq string) string {
	t.Helper()
	first := region + strings.ReplaceAll(birth, "-", "") + seq
	c, ok := welfare.CheckCharacter(first)
	require.True(t, ok)
	return first + string(c)
}

const rosterHeader = "source,id_number,name,birth_date,sex,hukou_region,residence_township,arrival_date,with_guardian,returned_home\n"

func TestParseRoster(t *testing.T) {
	id := idNumber(t, "361102", "2015-03-02", "123")
	in := "\ufeff" + rosterHeader +
		"school," + id + ",甲,,男,361102,360121100,2023-05-01,yes,\n" +
		"居住证,,乙,2016-07-08,女,361102000000,360121101,2024-01-01,是,否\n"
	rows, err := ParseRoster(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, 2, rows[0].Line)
	assert.Equal(t, "school", rows[0].Source)
	assert.Equal(t, welfare.NewDate(2015, 3, 2), rows[0].BirthDate, "from the identity number")
	assert.Equal(t, welfare.SexMale, rows[0].Sex)
	assert.Equal(t, "residence_permit", rows[1].Source)
	assert.Equal(t, welfare.FlagYes, rows[1].WithGuardian)

	for name, tc := range map[string]struct {
		in, want string
	}{
		"unknown column":   {"source,name,birth_date,hukou_region,residence_township,arrival_date,colour\n", `unknown column "colour"`},
		"missing column":   {"source,name,birth_date,hukou_region,residence_township\n", "arrival_date: required column missing"},
		"twice":            {"source,name,name,birth_date,hukou_region,residence_township,arrival_date\n", "name: column named twice"},
		"empty":            {"", "no header line"},
		"bad check":        {rosterHeader + "school,361102201503021230,甲,,男,361102,360121100,2023-05-01,yes,\n", "line 2, id_number: invalid identity number"},
		"bad date":         {rosterHeader + "school,,甲,2015-02-30,男,361102,360121100,2023-05-01,yes,\n", "line 2, birth_date: not a YYYY-MM-DD date"},
		"birth mismatch":   {rosterHeader + "school," + id + ",甲,2015-03-03,男,361102,360121100,2023-05-01,yes,\n", "differs from the identity number"},
		"fields":           {rosterHeader + "school,,甲\n", "line 2: 3 fields, the header has 10"},
		"source":           {rosterHeader + "church,,甲,2015-03-02,,361102,360121100,2023-05-01,,\n", "line 2, source: unknown source"},
		"township":         {rosterHeader + "school,,甲,2015-03-02,,361102,3601211,2023-05-01,,\n", "residence_township: not a region code"},
		"flag":             {rosterHeader + "school,,甲,2015-03-02,,361102,360121100,2023-05-01,maybe,\n", "with_guardian: want yes or no"},
		"quote":            {rosterHeader + "school,,\"甲,2015-03-02,,361102,360121100,2023-05-01,,\n", "malformed CSV"},
		"not utf8":         {rosterHeader + "school,,\xff,2015-03-02,,361102,360121100,2023-05-01,,\n", "not UTF-8"},
		"control":          {rosterHeader + "school,,甲\x01,2015-03-02,,361102,360121100,2023-05-01,,\n", "control character"},
		"required missing": {rosterHeader + "school,,,2015-03-02,,361102,360121100,,,\n", "line 2, arrival_date: empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRoster(strings.NewReader(tc.in))
			require.ErrorIs(t, err, ErrBadRoster)
			var re *RosterError
			require.True(t, errors.As(err, &re))
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "甲", "no personal data in errors")
		})
	}

	// Every bad row is reported, not only the first.
	bad := rosterHeader + "school,,甲,2015-02-30,,361102,360121100,2023-05-01,,\n" + "x,,乙,2015-02-01,,361102,360121100,2023-05-01,,\n"
	_, err = ParseRoster(strings.NewReader(bad))
	var re *RosterError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, 2, re.Total)
	assert.Equal(t, []int{2, 3}, []int{re.Rows[0].Line, re.Rows[1].Line})
}

func FuzzParseRoster(f *testing.F) {
	f.Add(rosterHeader + "school,,甲,2015-03-02,男,361102,360121100,2023-05-01,yes,\n")
	f.Add("source,name,birth_date,hukou_region,residence_township,arrival_date\n")
	f.Add("\"")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseRoster(strings.NewReader(in))
		if err != nil {
			require.ErrorIs(t, err, ErrBadRoster)
			require.Nil(t, rows)
			return
		}
		for _, r := range rows {
			require.NotEmpty(t, r.Source)
			require.NotEmpty(t, r.Name)
			require.False(t, r.BirthDate.IsZero())
			require.False(t, r.ArrivalDate.IsZero())
			require.Len(t, r.ResidenceTownship, 9)
		}
	})
}

// lookupStore answers the roster's point lookups.
type lookupStore struct {
	welfare.ChildStore
	children []*welfare.Child
}

func (s *lookupStore) ChildByIDNumber(_ context.Context, area string, n welfare.IDNumber) (*welfare.Child, error) {
	for _, c := range s.children {
		if c.AreaCode == area && c.IDNumber == n {
			return c.Clone(), nil
		}
	}
	return nil, welfare.ErrNotFound
}

func (s *lookupStore) ChildrenByNameBirth(_ context.Context, area, name string, birth welfare.Date) ([]*welfare.Child, error) {
	var out []*welfare.Child
	for _, c := range s.children {
		if c.AreaCode == area && c.Name == name && c.BirthDate == birth {
			out = append(out, c.Clone())
		}
	}
	return out, nil
}

func TestMatchRoster(t *testing.T) {
	asOf := welfare.NewDate(2025, 12, 1)
	rule := welfare.Nanchang2025().Eligibility
	idA := idNumber(t, "361102", "2015-03-02", "123")
	idB := idNumber(t, "361102", "2014-01-05", "246")
	idC := idNumber(t, "361102", "2013-06-06", "135")
	monitored := []welfare.LifecycleEvent{{To: welfare.StateMonitored, On: welfare.NewDate(2025, 2, 1)}}
	exited := append(monitored, welfare.LifecycleEvent{To: welfare.StateExited, On: welfare.NewDate(2025, 5, 1)})
	store := &lookupStore{children: []*welfare.Child{
		{ID: testID(1), AreaCode: "360121", Name: "甲", BirthDate: welfare.NewDate(2015, 3, 2), IDNumber: welfare.IDNumber(idA), Lifecycle: monitored},
		{ID: testID(2), AreaCode: "360121", Name: "乙", BirthDate: welfare.NewDate(2016, 7, 8), Lifecycle: monitored},
		{ID: testID(3), AreaCode: "360121", Name: "丙", BirthDate: welfare.NewDate(2014, 1, 5), IDNumber: welfare.IDNumber(idB), Lifecycle: exited},
		// Same name and birth as a roster row but another identity number: another child.
		{ID: testID(4), AreaCode: "360121", Name: "丁", BirthDate: welfare.NewDate(2013, 6, 6), IDNumber: welfare.IDNumber(idNumber(t, "361102", "2013-06-06", "999")), Lifecycle: monitored},
	}}
	csv := rosterHeader +
		"school," + idA + ",甲,,,361102,360121100,2023-05-01,yes,\n" + // found by number
		"police,,乙,2016-07-08,,361102,360121100,2023-05-01,yes,\n" + // found by name and birth
		"school,,乙,2016-07-08,,361102,360121100,2023-05-01,yes,\n" + // the same child again
		"government," + idB + ",丙,,,361102,360121100,2023-05-01,yes,\n" + // exited: missing
		"school," + idC + ",丁,,,361102,360121100,2023-05-01,yes,\n" + // another child: missing
		"school,,戊,2018-01-01,,361102,360121100,2025-11-01,yes,\n" + // one month here: not eligible
		"school,,己,2005-01-01,,361102,360121100,2020-11-01,yes,\n" + // too old
		"school,,庚,2018-01-01,,360121,360121100,2020-11-01,yes,\n" + // registered here: not a migrant
		"school,,辛,2018-01-01,,361102,360121100,2020-11-01,,\n" // moved with a guardian? unknown
	rows, err := ParseRoster(strings.NewReader(csv))
	require.NoError(t, err)
	rep, fs, err := MatchRoster(context.Background(), store, "360121", rule, asOf, rows)
	require.NoError(t, err)
	assert.Equal(t, 9, rep.Rows)
	assert.Equal(t, 8, rep.Children)
	assert.Equal(t, 4, rep.Eligible)
	assert.Equal(t, 2, rep.Matched)
	assert.Equal(t, 1, rep.ByMethod[MatchIDNumber])
	assert.Equal(t, 1, rep.ByMethod[MatchNameBirth])
	assert.Equal(t, 2, rep.Missing)
	assert.Equal(t, 1, rep.Exited)
	assert.Equal(t, 3, rep.NotEligib)
	assert.Equal(t, 1, rep.Undecided)
	require.Len(t, fs, 2)
	for _, f := range fs {
		assert.Equal(t, ReqMissed, f.Requirement)
		assert.Equal(t, uuid.Nil, f.ChildID)
		assert.NotContains(t, f.Explanation, "丙")
		assert.NotContains(t, f.Explanation, idB)
	}
	assert.Contains(t, fs[0].Explanation, "第 5 行")
	assert.Contains(t, fs[0].Explanation, "已退出监测")

	// Two missed children cost two deductions (child-less findings are separate lines).
	d, err := Deductions(fs, welfare.Nanchang2025().Acceptance)
	require.NoError(t, err)
	assert.Equal(t, "1000.00", d.Total.StringFixed(2))
}

func TestSurvey(t *testing.T) {
	m, err := NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a"}, {testID(2), "a"}, {testID(3), "a"}, {testID(4), "a"}, {testID(5), "a"}})
	require.NoError(t, err)
	s, err := Draw(m, "7", SampleOptions{Share: decimal.NewFromInt(1)})
	require.NoError(t, err)

	res, err := Survey(s, nil)
	require.NoError(t, err)
	assert.True(t, res.Pending)
	assert.Contains(t, res.Explanation, "待开展")

	in := "child_id,answer,method,date\n" +
		testID(1).String() + ",very_satisfied,phone,2025-12-02\n" +
		testID(2).String() + ",满意,入户,\n" +
		testID(3).String() + ",neutral,,\n" +
		testID(4).String() + ",未回答,phone,\n"
	answers, err := ParseSurvey(strings.NewReader(in))
	require.NoError(t, err)
	res, err = Survey(s, answers)
	require.NoError(t, err)
	assert.False(t, res.Pending)
	assert.Equal(t, 4, res.Responses)
	assert.Equal(t, 3, res.Valid)
	assert.Equal(t, 1, res.NotAsked)
	assert.Equal(t, "0.6667", res.Rate.String(), "(1 + 1) ÷ 3")

	_, err = Survey(s, []SurveyResponse{{Line: 2, ChildID: testID(99), Answer: Satisfied}})
	require.ErrorIs(t, err, ErrNotSampled)

	for name, bad := range map[string]string{
		"answer":  "child_id,answer\n" + testID(1).String() + ",great\n",
		"dup":     "child_id,answer\n" + testID(1).String() + ",satisfied\n" + testID(1).String() + ",neutral\n",
		"id":      "child_id,answer\nnot-a-uuid,satisfied\n",
		"column":  "child_id,answer,phone\n",
		"missing": "child_id\n",
		"method":  "child_id,answer,method\n" + testID(1).String() + ",satisfied,fax\n",
	} {
		_, err := ParseSurvey(strings.NewReader(bad))
		assert.ErrorIs(t, err, ErrBadSurvey, name)
	}
}

func FuzzParseSurvey(f *testing.F) {
	f.Add("child_id,answer\n" + testID(1).String() + ",satisfied\n")
	f.Add("child_id,answer,method,date\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseSurvey(strings.NewReader(in))
		if err != nil {
			require.ErrorIs(t, err, ErrBadSurvey)
			return
		}
		seen := map[uuid.UUID]bool{}
		for _, r := range rs {
			require.False(t, seen[r.ChildID])
			seen[r.ChildID] = true
			_, ok := parseAnswer(string(r.Answer))
			require.True(t, ok)
		}
	})
}

func TestSignalReviews(t *testing.T) {
	worker := testID(50)
	sigs := []QualitySignal{
		{Kind: "cloned_notes", RuleID: "signal/cloned_notes", WorkerID: worker, VisitIDs: []uuid.UUID{testID(2), testID(1)}},
		{Kind: "too_short", RuleID: "signal/too_short", WorkerID: worker, VisitIDs: []uuid.UUID{testID(3)}},
		{Kind: "geofence", RuleID: "signal/geofence", WorkerID: worker, VisitIDs: []uuid.UUID{testID(4)}},
	}
	// The key does not depend on the order of the visits.
	assert.Equal(t, sigs[0].Key(), QualitySignal{Kind: "cloned_notes", WorkerID: worker, VisitIDs: []uuid.UUID{testID(1), testID(2)}}.Key())
	at := time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := `[{"signal":"` + sigs[0].Key() + `","decision":"confirm","note":"回访核实","reviewer":"a1","at":"2025-12-01T10:00:00Z"},
	{"signal":"` + sigs[1].Key() + `","decision":"dismiss","note":"合理","reviewer":"a1","at":"2025-12-01T10:00:00Z"},
	{"signal":"sig-000000000000000000000000","decision":"dismiss","note":"旧信号","reviewer":"a1","at":"2025-12-01T10:00:00Z"}]`
	rv, err := ParseReviews(strings.NewReader(doc))
	require.NoError(t, err)
	fs, sum := SignalFindings(sigs, rv)
	require.Len(t, fs, 1)
	assert.Equal(t, ReqPerfunctory, fs[0].Requirement)
	assert.Equal(t, 1, sum.Confirmed)
	assert.Equal(t, 1, sum.Dismissed)
	assert.Equal(t, 1, sum.Pending)
	assert.Equal(t, 1, sum.Unknown)
	leaf := rv.Leaf(at, "a1")
	assert.Equal(t, LeafKindReviews, leaf.Kind)
	assert.Equal(t, [32]byte(rv.SHA256), leaf.RecordSHA256)
	_, err = leaf.MarshalBinary()
	require.NoError(t, err)

	fs, sum = SignalFindings(sigs, nil)
	assert.Empty(t, fs, "only confirmed signals are findings")
	assert.Equal(t, 3, sum.Pending)

	for name, bad := range map[string]string{
		"decision": `[{"signal":"sig-1","decision":"maybe","note":"x","reviewer":"a","at":"2025-12-01T10:00:00Z"}]`,
		"note":     `[{"signal":"sig-1","decision":"confirm","note":" ","reviewer":"a","at":"2025-12-01T10:00:00Z"}]`,
		"field":    `[{"signal":"sig-1","decision":"confirm","note":"x","reviewer":"a","at":"2025-12-01T10:00:00Z","x":1}]`,
		"twice":    `[{"signal":"sig-1","decision":"confirm","note":"x","reviewer":"a","at":"2025-12-01T10:00:00Z"},{"signal":"sig-1","decision":"dismiss","note":"x","reviewer":"a","at":"2025-12-01T10:00:00Z"}]`,
		"trailing": `[] []`,
		"key":      `[{"signal":"1","decision":"confirm","note":"x","reviewer":"a","at":"2025-12-01T10:00:00Z"}]`,
	} {
		_, err := ParseReviews(strings.NewReader(bad))
		assert.ErrorIs(t, err, ErrBadReviews, name)
	}
}

func TestFindingsFromChecks(t *testing.T) {
	gaps := []welfare.LedgerGap{{ChildID: testID(1), Township: "360121100", Missing: []welfare.KeyDerivation{{Category: welfare.KeyDisability}}}}
	fs := LedgerFindings(gaps)
	require.Len(t, fs, 1)
	assert.Equal(t, ReqLedger, fs[0].Requirement)
	assert.Contains(t, fs[0].Explanation, "disability")

	disc := time.Date(2025, 6, 18, 10, 0, 0, 0, time.UTC)
	late := []casework.LateIncident{{RuleID: "AC-6", IncidentID: testID(9), ChildID: testID(2), Kind: casework.KindDanger, Discovered: disc,
		Reasons: []casework.Lateness{{What: "report_late", Due: disc.Add(time.Hour), Explain: "向公安机关报告迟了"}}}}
	hf := HarmFindings(late)
	require.Len(t, hf, 1)
	assert.Equal(t, ReqHarm, hf[0].Requirement)
	d, err := Deductions(hf, welfare.Nanchang2025().Acceptance)
	require.NoError(t, err)
	assert.True(t, d.Clawback, "AC-6 is the clawback clause")

	m, err := NewManifest("360121", cutOff, []ManifestEntry{{testID(1), "a"}, {testID(2), "a"}})
	require.NoError(t, err)
	s, err := Draw(m, "7", SampleOptions{Share: decimal.RequireFromString("0.5")})
	require.NoError(t, err)
	in, out := s.IDs[0], testID(1)
	if in == out {
		out = testID(2)
	}
	vf := VisitFindings([]VisitShortfall{
		{ChildID: in, Rules: map[string][]string{"VS-3": {"2025-03", "2025-04"}, "VS-1": {"project"}}},
		{ChildID: out, Rules: map[string][]string{"VS-1": {"project"}}},
	}, s)
	require.Len(t, vf, 1, "AC-2 judges the sampled children only, once each")
	assert.Equal(t, "VS-1+VS-3", vf[0].RuleID)

	all := append(append(vf, hf...), fs...)
	all = append(all, Finding{Requirement: ReqSampleCheck, ChildID: in, RuleID: "journal/changed"})
	ded, rep := SplitDeductible(all, welfare.Nanchang2025().Acceptance)
	assert.Len(t, ded, 3)
	assert.Len(t, rep, 1, "no deduction rule for AC-1 in the preset")
	counts := CountFindings(all, welfare.Nanchang2025().Acceptance)
	assert.Equal(t, []string{"AC-1", "AC-2", "AC-3", "AC-4", "AC-5", "AC-6"}, kindsOf(counts))
	assert.False(t, counts[0].Deductible)
	SortFindings(all)
	assert.Equal(t, ReqSampleCheck, all[0].Requirement)
	assert.Equal(t, ReqHarm, all[len(all)-1].Requirement)
}

func kindsOf(cs []KindCount) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

func TestCheckJournal(t *testing.T) {
	ctx := context.Background()
	js := &journal.MemoryStorage{}
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var children []*welfare.Child
	for i := 1; i <= 4; i++ {
		c := &welfare.Child{ID: testID(i), Version: 1, AreaCode: "360121", Name: "x", BirthDate: welfare.NewDate(2015, 1, i)}
		h, err := journal.RecordHash(c)
		require.NoError(t, err)
		_, err = journal.Append(ctx, js, journal.Leaf{Kind: welfare.EntityChild, ID: c.ID.String(), Version: 1, RecordSHA256: h, Time: t0.Add(time.Duration(i) * 24 * time.Hour), Actor: "w"})
		require.NoError(t, err)
		children = append(children, c)
	}
	// An unrelated leaf is not judged.
	_, err := journal.Append(ctx, js, journal.Leaf{Kind: "visit", ID: testID(77).String(), Version: 1, Time: t0, Actor: "w"})
	require.NoError(t, err)

	subs, recs, err := SubjectsOf(children[:3])
	require.NoError(t, err)
	jc, fs, err := CheckJournal(ctx, js, recs, subs, JournalCheckOptions{})
	require.NoError(t, err)
	assert.True(t, jc.OK)
	assert.Empty(t, fs)
	assert.Equal(t, 3, jc.Children)

	// A record changed behind the journal's back.
	children[1].Name = "y"
	subs, recs, err = SubjectsOf(children[:3])
	require.NoError(t, err)
	jc, fs, err = CheckJournal(ctx, js, recs, subs, JournalCheckOptions{})
	require.NoError(t, err)
	assert.False(t, jc.OK)
	assert.Equal(t, 1, jc.Changed)
	require.Len(t, fs, 1)
	assert.Equal(t, testID(2), fs[0].ChildID)
	assert.Equal(t, "journal/changed", fs[0].RuleID)
	children[1].Name = "x"

	// The purchaser kept a checkpoint of 2 leaves on 10 March: the third child's leaf
	// (claiming 4 March) is not in it and was recorded late; the first two are in it.
	tree, err := journal.TreeHead(ctx, js)
	require.NoError(t, err)
	_ = tree
	head2 := keptAt(t, js, 2, time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC))
	subs, recs, err = SubjectsOf(children[:3])
	require.NoError(t, err)
	jc, fs, err = CheckJournal(ctx, js, recs, subs, JournalCheckOptions{Kept: []journal.KeptCheckpoint{head2}})
	require.NoError(t, err)
	assert.True(t, jc.Consistent)
	assert.Equal(t, 1, jc.Late)
	require.Len(t, fs, 1)
	assert.Equal(t, testID(3), fs[0].ChildID)
	assert.Equal(t, "journal/recorded_late", fs[0].RuleID)

	// Within the grace period it is not late.
	jc, _, err = CheckJournal(ctx, js, recs, subs, JournalCheckOptions{Kept: []journal.KeptCheckpoint{head2}, Grace: 30 * 24 * time.Hour})
	require.NoError(t, err)
	assert.Zero(t, jc.Late)

	// A kept checkpoint the log does not extend: the history was rewritten.
	bad := head2
	bad.Hash[0] ^= 1
	jc, fs, err = CheckJournal(ctx, js, recs, subs, JournalCheckOptions{Kept: []journal.KeptCheckpoint{bad}})
	require.NoError(t, err)
	assert.False(t, jc.Consistent)
	assert.False(t, jc.OK)
	assert.NotEmpty(t, fs)

	// Kept checkpoints read from JSON.
	var buf bytes.Buffer
	buf.WriteString(`{"origin":"","size":2,"hash":"` + head2.Hash.String() + `","kept_at":"2025-03-10T00:00:00Z"}`)
	kept, err := ReadKeptCheckpoints(&buf)
	require.NoError(t, err)
	require.Len(t, kept, 1)
	assert.Equal(t, head2.Hash, kept[0].Hash)
	_, err = ReadKeptCheckpoints(strings.NewReader(`{"size":2}`))
	assert.ErrorIs(t, err, journal.ErrBadCheckpoint)
}

// keptAt returns the checkpoint of the log's first n leaves, kept at t.
func keptAt(t *testing.T, js *journal.MemoryStorage, n int64, at time.Time) journal.KeptCheckpoint {
	t.Helper()
	recs, err := js.Records(context.Background(), 0, n)
	require.NoError(t, err)
	prefix := &journal.MemoryStorage{}
	_, err = journal.AppendRecords(context.Background(), prefix, recs...)
	require.NoError(t, err)
	tree, err := journal.TreeHead(context.Background(), prefix)
	require.NoError(t, err)
	return journal.KeptCheckpoint{Checkpoint: journal.Checkpoint{Size: tree.N, Hash: tree.Hash}, KeptAt: at}
}

func TestChecklist(t *testing.T) {
	p := welfare.Nanchang2025()
	in := ChecklistInput{
		Visits:    &VisitProgramme{Children: 100, Visited: 100, HomeVisited: 49, HomeShareMin: decimal.RequireFromString("0.5"), KeyRule: "VS-3", KeyChildren: 10, KeyShort: 2, KeyMissed: 3},
		Screening: &ScreeningFacts{Screened: 20, DueFirst: 0, DueRescreen: 4, Archives: 20},
		Typical:   &casework.TypicalCheck{RuleID: "CS-2", Met: true, Min: 5, Count: 6},
		Activities: &casework.ActivityReport{Checks: []casework.ActivityCheck{
			{RuleID: "PT-1", Met: false, Missing: []casework.Gap{{What: "2025Q3", Explain: "第3季度无宣讲"}}},
			{RuleID: "CA-1", Met: true}, {RuleID: "CA-2", Met: true},
			{RuleID: "CA-3/festival", Met: true}, {RuleID: "CA-3/publicity", Met: false, Pending: []casework.Gap{{What: "x", Explain: "待发布"}}},
		}},
		Team:       &welfare.TeamCheck{Met: true, Total: 6},
		Archive:    welfare.NewDate(2025, 12, 1),
		PeriodOver: true,
	}
	got := map[string]DeliverableStatus{}
	var order []string
	for _, d := range Checklist(p, in) {
		got[d.Requirement] = d.Status
		order = append(order, d.Requirement)
		assert.NotEmpty(t, d.Evidence, d.Requirement)
	}
	assert.Equal(t, []string{"VS-1", "VS-2", "VS-3", "PS-1", "PS-2", "CS-2", "PT-1", "CA-1", "CA-2", "CA-3", "TM-1", "SR-4"}, order)
	assert.Equal(t, StatusMet, got["VS-1"])
	assert.Equal(t, StatusShort, got["VS-2"], "49% < 50%")
	assert.Equal(t, StatusShort, got["VS-3"])
	assert.Equal(t, StatusMet, got["PS-1"])
	assert.Equal(t, StatusShort, got["PT-1"])
	assert.Equal(t, StatusShort, got["CA-3"], "pending publicity after the period is short")
	assert.Equal(t, StatusMet, got["SR-4"])

	// Without visit data and before the period ends, lines are pending.
	in.Visits, in.PeriodOver, in.Archive = nil, false, welfare.Date{}
	for _, d := range Checklist(p, in) {
		switch d.Requirement {
		case "VS-1", "VS-2", "VS-3", "SR-4":
			assert.Equal(t, StatusPending, d.Status, d.Requirement)
		}
	}
}

func TestSubsidies(t *testing.T) {
	r := DefaultSubsidyRules()
	a, b, c := testID(100), testID(101), testID(102)
	work := []DirectorWork{
		{StaffID: a, Completed: []uuid.UUID{testID(1), testID(2), testID(3)}},
		{StaffID: b, Completed: []uuid.UUID{testID(4), testID(5)}},
		{StaffID: c},
	}
	for i := 0; i < 600; i++ {
		work[2].Completed = append(work[2].Completed, testID(1000+i))
	}
	confirmed := []QualitySignal{{Kind: "cloned_notes", WorkerID: b, VisitIDs: []uuid.UUID{testID(4), testID(5)}}}
	rep, err := Subsidies(r, work, confirmed)
	require.NoError(t, err)
	by := map[uuid.UUID]Subsidy{}
	for _, s := range rep.Subsidies {
		by[s.StaffID] = s
	}
	assert.Equal(t, "103.00", by[a].Amount.StringFixed(2), "100 + 3 × 1")
	assert.Equal(t, 0, by[b].VerifiedVisits, "visits of a confirmed signal are not verified")
	assert.Equal(t, "50.00", by[b].Amount.StringFixed(2), "100 − 50")
	assert.True(t, by[c].Capped)
	assert.Equal(t, "500.00", by[c].Amount.StringFixed(2))
	assert.Equal(t, "653.00", rep.Total.StringFixed(2))

	r.PerConfirmedSignal = decimal.NewFromInt(1000)
	rep, err = Subsidies(r, work, confirmed)
	require.NoError(t, err)
	for _, s := range rep.Subsidies {
		assert.False(t, s.Amount.IsNegative())
	}
	r.Base = decimal.NewFromInt(-1)
	_, err = Subsidies(r, work, nil)
	assert.Error(t, err)
}

func TestSettle(t *testing.T) {
	p := welfare.Nanchang2025()
	fs := []Finding{
		{Requirement: ReqLedger, ChildID: testID(1), RuleID: "MS-3/ledger-gap"},
		{Requirement: ReqVisits, ChildID: testID(1), RuleID: "VS-3"},
		{Requirement: ReqSampleCheck, ChildID: testID(2), RuleID: "journal/changed"},
	}
	c := Contract{Amount: decimal.NewFromInt(250000), Effective: welfare.NewDate(2025, 1, 1), InvoiceReceived: welfare.NewDate(2025, 1, 6),
		Acceptance: welfare.NewDate(2025, 12, 1), Documents: map[DocumentKind]welfare.Date{}}
	for _, k := range PY3Documents() {
		c.Documents[k] = welfare.NewDate(2025, 12, 1)
	}
	st, err := Settle(p, fs, c, NewCalendar(), ScheduleOptions{})
	require.NoError(t, err)
	assert.Equal(t, "1000.00", st.Deductions.Total.StringFixed(2))
	assert.Len(t, st.Reported, 1)
	first, _ := st.Schedule.Part("first")
	second, _ := st.Schedule.Part("second")
	assert.Equal(t, welfare.NewDate(2025, 1, 20), first.DueDate)
	assert.Equal(t, "174000.00", second.Amount.StringFixed(2))
	assert.True(t, first.Gross.Add(second.Gross).Equal(c.Amount))
}
