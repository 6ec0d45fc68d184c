package screening_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/childwelfare/liudong/adapters/memory"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// Scoring a PHQ-9 by item number: the total, its band, the flag item 9 raises whatever
// the total, and the overall risk level.
func ExampleInstrument_Score() {
	phq9, err := screening.Builtin("phq9")
	if err != nil {
		panic(err)
	}
	r, err := phq9.Score(screening.Answers{1: 3, 2: 3, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1},
		screening.ScoreOptions{Informant: screening.InformantSelf, Age: 14})
	if err != nil {
		panic(err)
	}
	total, _ := r.Scale("total")
	fmt.Println(total.Score, total.Band, r.Level)
	for _, f := range r.Flags {
		fmt.Println(f.Rule, f.Category)
	}
	// Output:
	// 15 moderately_severe red
	// phq9-item9 suicide_risk
}

// SDQ items are scored by number only (the texts are copyrighted); a scale with 3 of its
// 5 items answered is prorated.
func ExampleInstrument_Score_sdq() {
	sdq, _ := screening.Builtin("sdq-parent")
	a := screening.Answers{}
	for i := 1; i <= 25; i++ {
		a[i] = 1
	}
	delete(a, 16) // emotional: 4 of 5 answered
	a[3], a[8] = 2, 2
	r, err := sdq.Score(a, screening.ScoreOptions{Informant: screening.InformantParent, Age: 9, NormSet: "cn-shanghai-2008"})
	if err != nil {
		panic(err)
	}
	for _, s := range r.Scales {
		fmt.Printf("%s %d %s prorated=%v\n", s.Scale, s.Score, s.Band, s.Prorated)
	}
	fmt.Println(r.Level)
	// Output:
	// emotional 8 abnormal prorated=true
	// conduct 5 abnormal prorated=false
	// hyperactivity 5 normal prorated=false
	// peer 5 borderline prorated=false
	// prosocial 5 borderline prorated=false
	// total 23 abnormal prorated=false
	// orange
}

// A county loads its own instrument from YAML; errors name the field.
func ExampleLoadInstrument() {
	_, err := screening.LoadInstrument(strings.NewReader(`
id: county-mood
version: "1"
name: County mood checklist
licence: {kind: copyrighted, note: bought from a publisher, embed_texts: false}
ages: {min: 8, max: 15}
informants: [self]
response: {min: 0, max: 2}
items: [{number: 1, text: "I feel sad"}, {number: 2}]
missing: {policy: required}
total: {name: total, items: [1, 2]}
`))
	fmt.Println(err)
	// Output:
	// welfare: invalid input: Items[0].Text: licence=copyrighted
}

// Recording an ASQ whose answers are positive: the urgent concern goes to the sink
// whatever the scores, the child's status carries the level, and the archive shows it.
func ExampleService_Record() {
	ctx := context.Background()
	store := memory.New()
	prog := welfare.Nanchang2025()
	counsellor := &welfare.Staff{ID: welfare.NewSeededIDs(1).NewID(), AreaCode: "360121", Name: "示例咨询师",
		Role: welfare.RoleCounsellor, Scope: "360121", Active: true}
	child := &welfare.Child{ID: welfare.NewSeededIDs(2).NewID(), AreaCode: "360121", Name: "示例儿童",
		Sex: welfare.SexFemale, BirthDate: welfare.NewDate(2012, time.May, 1),
		Residence: welfare.Residence{Township: "360121100"}}
	if err := store.CreateStaff(ctx, counsellor); err != nil {
		panic(err)
	}
	if err := store.CreateChild(ctx, child); err != nil {
		panic(err)
	}
	sink := &welfare.ConcernRecorder{}
	svc, err := screening.NewService(store, prog, screening.Options{
		Clock:    welfare.FixedClock{T: time.Date(2025, 6, 30, 9, 0, 0, 0, welfare.Beijing())},
		IDs:      welfare.NewSeededIDs(3),
		Concerns: sink,
	})
	if err != nil {
		panic(err)
	}
	actor := welfare.ActorOf(counsellor)
	s, err := svc.Record(ctx, actor, screening.SessionInput{
		ChildID: child.ID, Instrument: "asq", Informant: screening.InformantSelf,
		AdministeredBy: counsellor.ID, Date: welfare.NewDate(2025, time.June, 30),
		Answers: screening.Answers{1: 0, 2: 1, 3: 0, 4: 0, 5: 0},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("level:", s.Result.Level)
	for _, c := range sink.Concerns() {
		fmt.Println(c.Kind, c.Category, c.Severity)
	}
	a, err := svc.Archive(ctx, actor, child.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println("archive:", a.Level, a.Abnormal, len(a.Sessions))
	// Output:
	// level: red
	// urgent suicide_risk immediate
	// referral counsellor high
	// key_eligible psychological normal
	// archive: red true 1
}
