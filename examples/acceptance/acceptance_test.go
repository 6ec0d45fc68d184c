package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/childwelfare/liudong/adapters/sqlstore" // registers the sqlite driver
	"github.com/childwelfare/liudong/audit"
	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/welfare"
)

var (
	templateOnce sync.Once
	templatePath string
	templateErr  error
)

// demoDB returns a private copy of a SQLite file holding the demo county, created once
// per test binary.
func demoDB(t testing.TB) string {
	t.Helper()
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "liudong-acceptance-*")
		if err != nil {
			templateErr = err
			return
		}
		templatePath = filepath.Join(dir, "template.db")
		cfg, err := parseFlags([]string{"-db", templatePath})
		if err != nil {
			templateErr = err
			return
		}
		e, err := openDemo(context.Background(), cfg)
		if err != nil {
			templateErr = err
			return
		}
		templateErr = e.close()
	})
	require.NoError(t, templateErr)
	dst := filepath.Join(t.TempDir(), "demo.db")
	src, err := os.Open(templatePath)
	require.NoError(t, err)
	defer src.Close()
	f, err := os.Create(dst)
	require.NoError(t, err)
	_, err = io.Copy(f, src)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return dst
}

func TestMain(m *testing.M) {
	code := m.Run()
	if templatePath != "" {
		_ = os.RemoveAll(filepath.Dir(templatePath))
	}
	os.Exit(code)
}

var (
	baselineOnce sync.Once
	baselineRaw  []byte
	baselineErr  error
)

// baseline returns the -json output of the default run on the demo database (the
// template is never altered, so every copy gives the same output), computed once.
func baseline(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	db := demoDB(t)
	baselineOnce.Do(func() {
		var out bytes.Buffer
		baselineErr = run(context.Background(), []string{"-json", "-db", db}, &out)
		baselineRaw = out.Bytes()
	})
	require.NoError(t, baselineErr)
	var m map[string]any
	require.NoError(t, json.Unmarshal(baselineRaw, &m))
	return m, baselineRaw
}

// runJSON runs the command with -json and returns the decoded object and the raw bytes.
func runJSON(t *testing.T, args ...string) (map[string]any, []byte) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), append([]string{"-json"}, args...), &out))
	var m map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &m))
	return m, out.Bytes()
}

// at walks a decoded JSON object along a dotted path.
func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%s: %q is not inside an object", path, k)
		v, ok = m[k]
		require.True(t, ok, "%s: no field %q", path, k)
	}
	return v
}

func TestAcceptanceJSONFields(t *testing.T) {
	m, _ := baseline(t)

	assert.EqualValues(t, 11885, at(t, m, "population.count")) // identified + monitored at the cut-off
	assert.Regexp(t, `^[0-9a-f]{64}$`, at(t, m, "population.manifest_sha256"))
	assert.Equal(t, DefaultSampleSeed, at(t, m, "sample.seed"))
	assert.Equal(t, audit.AlgorithmConsistent, at(t, m, "sample.algorithm"))
	size := int(at(t, m, "sample.size").(float64))
	pop := int(at(t, m, "population.count").(float64))
	assert.GreaterOrEqual(t, size*10, pop, "at least 10% sampled (AC-1)")
	strata := at(t, m, "sample.strata").([]any)
	require.NotEmpty(t, strata)
	total := 0
	for _, s := range strata {
		name, n, k := at(t, s, "name").(string), int(at(t, s, "population").(float64)), int(at(t, s, "sample").(float64))
		assert.NotEmpty(t, name)
		assert.Equal(t, audit.StratumSize(decimal.RequireFromString("0.10"), n), k, name)
		total += k
	}
	assert.Equal(t, size, total)

	kinds := map[string]int{}
	for _, f := range at(t, m, "findings").([]any) {
		kinds[at(t, f, "kind").(string)] = int(at(t, f, "count").(float64))
	}
	for _, k := range audit.FindingKinds() {
		assert.Contains(t, kinds, k)
	}
	assert.Equal(t, 86, kinds["AC-5"])
	assert.Equal(t, 1, kinds["AC-6"], "the demo's late police report")
	assert.Positive(t, kinds["AC-2"], "sampled children short of visits")
	assert.Zero(t, kinds["AC-1"], "an untouched database verifies")

	ded := at(t, m, "deductions.total").(string)
	want := decimal.NewFromInt(int64(500 * (kinds["AC-2"] + kinds["AC-5"])))
	assert.Equal(t, want.StringFixed(2), ded)
	assert.Equal(t, "250000.00", at(t, m, "payment.contract_total"))
	assert.Equal(t, "75000.00", at(t, m, "payment.first.amount"))
	assert.Equal(t, "2025-01-20", at(t, m, "payment.first.due_date"), "10 working days after the invoice of 2025-01-06")
	assert.Equal(t, "0.00", at(t, m, "payment.second.amount"), "withheld under the AC-6 clawback")
	assert.Equal(t, true, at(t, m, "payment.clawback"))
	assert.Equal(t, "175000.00", at(t, m, "payment.second.gross"))

	reqs := map[string]string{}
	for _, d := range at(t, m, "deliverables").([]any) {
		reqs[at(t, d, "requirement").(string)] = at(t, d, "status").(string)
	}
	for _, r := range []string{"VS-1", "VS-2", "VS-3", "PS-1", "PS-2", "CS-2", "PT-1", "CA-1", "CA-2", "CA-3", "TM-1", "SR-4"} {
		assert.Contains(t, reqs, r)
	}
	assert.Equal(t, "short", reqs["PT-1"], "no policy talk in the third quarter")
	assert.Equal(t, "met", reqs["CS-2"])
	assert.Equal(t, "met", reqs["TM-1"])
	assert.Equal(t, true, at(t, m, "journal.ok"))
	assert.Equal(t, true, at(t, m, "survey.pending"))
}

func TestAcceptanceDifferentSeed(t *testing.T) {
	db := demoDB(t)
	type sample struct {
		Population struct {
			ManifestSHA256 string `json:"manifest_sha256"`
		} `json:"population"`
		Sample *audit.Sample `json:"sample"`
	}
	decode := func(raw []byte) sample {
		var s sample
		require.NoError(t, json.Unmarshal(raw, &s))
		return s
	}
	_, raw := baseline(t)
	_, other := runJSON(t, "-db", db, "-seed", "dice-3-1-4-1-5-9")
	a, b := decode(raw), decode(other)
	assert.Equal(t, DefaultSampleSeed, a.Sample.Seed)
	assert.Equal(t, "dice-3-1-4-1-5-9", b.Sample.Seed)
	assert.Equal(t, a.Population.ManifestSHA256, b.Population.ManifestSHA256, "the same frozen population")
	assert.NotEqual(t, a.Sample.IDs, b.Sample.IDs, "a different seed draws a different sample")
	assert.Equal(t, a.Sample.Size, b.Sample.Size)

	// Both are valid draws of the same manifest: rebuild it from the database and re-draw.
	cfg, err := parseFlags([]string{"-db", db})
	require.NoError(t, err)
	e, err := openDemo(context.Background(), cfg)
	require.NoError(t, err)
	defer e.close()
	area := e.reg.Programme().Area.Code
	keys, err := audit.KeyChildren(context.Background(), e.store, area, cfg.asOf)
	require.NoError(t, err)
	m, err := audit.BuildManifest(context.Background(), e.store, area, cfg.asOf.Start(), audit.ManifestOptions{Stratum: audit.ByTownshipAndKey(keys)})
	require.NoError(t, err)
	assert.Equal(t, a.Population.ManifestSHA256, m.SHA256.String())
	require.NoError(t, audit.VerifySample(m, a.Sample))
	require.NoError(t, audit.VerifySample(m, b.Sample))
	for i, st := range a.Sample.Strata {
		assert.Equal(t, st.Size, b.Sample.Strata[i].Size, st.Name)
	}
}

// A child's row altered directly in the SQLite file, behind the store's back, fails the
// journal verification of the sample.
func TestAcceptanceTamperedRow(t *testing.T) {
	db := demoDB(t)
	m, raw := baseline(t)
	var s struct {
		Sample *audit.Sample `json:"sample"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	victim := s.Sample.IDs[0]
	require.Equal(t, true, at(t, m, "journal.ok"))

	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	var doc string
	require.NoError(t, sdb.QueryRow(`SELECT document FROM children WHERE id = ?`, victim[:]).Scan(&doc))
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &d))
	d["ethnicity"] = "tampered"
	changed, err := json.Marshal(d)
	require.NoError(t, err)
	res, err := sdb.Exec(`UPDATE children SET document = ? WHERE id = ?`, string(changed), victim[:])
	require.NoError(t, err)
	n, _ := res.RowsAffected()
	require.EqualValues(t, 1, n)
	require.NoError(t, sdb.Close())

	m, raw = runJSON(t, "-db", db)
	assert.Equal(t, false, at(t, m, "journal.ok"))
	assert.EqualValues(t, 1, at(t, m, "journal.changed"))
	assert.EqualValues(t, 1, at(t, m, "journal.children_failed"))
	assert.Contains(t, string(raw), victim.String())
	for _, f := range at(t, m, "findings").([]any) {
		if at(t, f, "kind") == audit.ReqSampleCheck {
			assert.EqualValues(t, 1, at(t, f, "count"))
		}
	}

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-db", db}, &out))
	assert.Contains(t, out.String(), "改动 1")
	assert.Contains(t, out.String(), "未通过 1 人 —— 未通过")
}

// The auditor's inputs: a roster, the survey, signal reviews and a kept checkpoint.
func TestAcceptanceInputs(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	_, raw := baseline(t)
	var first struct {
		Sample  *audit.Sample `json:"sample"`
		Signals struct {
			List []struct {
				Key string `json:"key"`
			} `json:"list"`
		} `json:"signals"`
	}
	require.NoError(t, json.Unmarshal(raw, &first))
	require.NotEmpty(t, first.Signals.List)

	// Roster: one child on the registry (found by name and birth), one unknown eligible
	// child (AC-4), one too old, one lacking its registration place.
	county, err := democounty.Generate(democounty.Options{})
	require.NoError(t, err)
	var known = county.Children[0]
	for _, c := range county.Children {
		if c.State() == welfare.StateMonitored && c.IDNumber.IsZero() && c.Hukou.RegionCode != "" && c.Migration.WithGuardian == "yes" && !c.ArrivalDate.IsZero() && c.AgeOn(defaultAsOf()) < 15 {
			known = c
			break
		}
	}
	roster := "source,name,birth_date,hukou_region,residence_township,arrival_date,with_guardian\n" +
		fmt.Sprintf("school,%s,%s,%s,%s,%s,yes\n", known.Name, known.BirthDate, known.Hukou.RegionCode, known.Residence.Township, known.ArrivalDate) +
		"residence_permit,未登记儿童,2016-03-02,361102,360121100,2023-05-01,yes\n" +
		"school,未登记儿童,2016-03-02,361102,360121100,2023-05-01,是\n" + // the same child from a second source
		"government,年长儿童,2005-01-01,361102,360121100,2023-05-01,yes\n" +
		"government,信息不全,2016-03-02,,360121100,2023-05-01,yes\n"
	// The last row lacks a required value: the roster is refused with a row-level report.
	rosterPath := filepath.Join(dir, "roster.csv")
	require.NoError(t, os.WriteFile(rosterPath, []byte(roster), 0o600))
	err = run(context.Background(), []string{"-json", "-db", db, "-roster", rosterPath}, io.Discard)
	require.ErrorIs(t, err, audit.ErrBadRoster)
	assert.Contains(t, err.Error(), "line 6, hukou_region")
	roster = strings.Replace(roster, "government,信息不全,2016-03-02,,", "government,信息不全,2016-03-02,361102,", 1)
	roster = strings.Replace(roster, "2023-05-01,yes\n", "2023-05-01,\n", 1) // with_guardian unknown → undecidable
	require.NoError(t, os.WriteFile(rosterPath, []byte(roster), 0o600))

	// Survey: three sampled families.
	survey := "child_id,answer,method\n" + first.Sample.IDs[0].String() + ",very_satisfied,phone\n" +
		first.Sample.IDs[1].String() + ",不满意,入户\n" + first.Sample.IDs[2].String() + ",no_answer,phone\n"
	surveyPath := filepath.Join(dir, "survey.csv")
	require.NoError(t, os.WriteFile(surveyPath, []byte(survey), 0o600))

	// Reviews: confirm one signal, dismiss another.
	rv := []audit.SignalReview{
		{Signal: first.Signals.List[0].Key, Decision: audit.DecisionConfirm, Note: "电话回访家长，当日未见人员上门", Reviewer: "auditor-1", At: time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC)},
		{Signal: first.Signals.List[1].Key, Decision: audit.DecisionDismiss, Note: "有合理解释", Reviewer: "auditor-1", At: time.Date(2025, 12, 1, 10, 5, 0, 0, time.UTC)},
	}
	rb, err := json.Marshal(rv)
	require.NoError(t, err)
	reviewsPath := filepath.Join(dir, "reviews.json")
	require.NoError(t, os.WriteFile(reviewsPath, rb, 0o600))

	// A checkpoint kept on 2025-07-10 with no leaf in it: everything is recorded later.
	cp := []journal.KeptCheckpoint{{Checkpoint: journal.Checkpoint{Size: 0}, KeptAt: time.Date(2025, 7, 10, 0, 0, 0, 0, time.UTC)}}
	cb, err := json.Marshal(cp)
	require.NoError(t, err)
	cpPath := filepath.Join(dir, "checkpoint.json")
	require.NoError(t, os.WriteFile(cpPath, cb, 0o600))

	m, _ := runJSON(t, "-db", db, "-roster", rosterPath, "-survey", surveyPath, "-reviews", reviewsPath, "-checkpoint", cpPath)
	assert.EqualValues(t, 5, at(t, m, "roster.rows"))
	assert.EqualValues(t, 4, at(t, m, "roster.children"))
	assert.EqualValues(t, 1, at(t, m, "roster.missing"))
	assert.EqualValues(t, 1, at(t, m, "roster.not_eligible"))
	assert.EqualValues(t, 1, at(t, m, "roster.undecidable"))
	assert.EqualValues(t, 1, at(t, m, "roster.matched"))
	assert.EqualValues(t, 2, at(t, m, "survey.valid"))
	assert.Equal(t, "0.5", at(t, m, "survey.rate"))
	assert.EqualValues(t, 1, at(t, m, "signals.confirmed"))
	assert.EqualValues(t, 1, at(t, m, "signals.dismissed"))
	counts := map[string]float64{}
	for _, f := range at(t, m, "findings").([]any) {
		counts[at(t, f, "kind").(string)] = at(t, f, "count").(float64)
	}
	assert.EqualValues(t, 1, counts["AC-4"])
	assert.EqualValues(t, 1, counts["AC-3"])
	assert.Positive(t, counts["AC-1"], "records appended after a checkpoint kept after their claimed time")
	assert.Positive(t, at(t, m, "journal.recorded_late"))
	inputs := at(t, m, "inputs").([]any)
	assert.Len(t, inputs, 4)
	assert.EqualValues(t, 7, at(t, m, "acceptance_journal.size"), "manifest, sample, 4 input files, the reviews")
}
