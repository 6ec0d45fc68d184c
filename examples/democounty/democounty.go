package democounty

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/childwelfare/liudong/welfare"
)

// DefaultSeed is the seed used when Options.Seed is zero.
const DefaultSeed uint64 = 2025

// DefaultAsOf returns the survey day used when Options.AsOf is zero: 2025-06-30, the
// last day of the first half of the 2025 programme year (Nanchang2025's Period starts
// 2025-01-01), by which the baseline survey (January–March) and the first months of
// monitoring lie in the past.
func DefaultAsOf() welfare.Date { return welfare.NewDate(2025, time.June, 30) }

// Options selects a demo county. The zero value is the default county.
type Options struct {
	// Seed selects the county; zero means DefaultSeed. Equal options give an equal
	// county, byte for byte.
	Seed uint64
	// Children is the number of child records; zero means the programme's
	// BaselineChildren (12,029, SC-1). Negative is an error.
	Children int
	// AsOf is the survey day the county is a snapshot of; zero means DefaultAsOf
	// (2025-06-30). Ages, arrival dates, lifecycle events and ledger entries are
	// placed relative to it, and nothing happens on or after it.
	AsOf welfare.Date
}

// County is a generated synthetic county. Every person in it is made up.
type County struct {
	// Programme is welfare.Nanchang2025().
	Programme *welfare.Programme `json:"programme"`
	// Divisions is welfare.NanchangCounty() extended with 4–12 synthetic villages and
	// communities per township. *welfare.Divisions has no JSON form, so it is left out
	// of the JSON encoding; Fingerprint covers it through Divisions.All().
	Divisions *welfare.Divisions `json:"-"`
	// Staff is the project team, the partners (supervisors, directors, station staff,
	// volunteers) and the purchaser's auditors, in that order.
	Staff []*welfare.Staff `json:"staff"`
	// Children holds exactly Options.Children records.
	Children []*welfare.Child `json:"children"`
	// KeyEntries is the key-care ledger (MS-2), with deliberate gaps (AC-5).
	KeyEntries []*welfare.KeyEntry `json:"key_entries"`
	// AsOf is the survey day.
	AsOf welfare.Date `json:"as_of"`
}

// Fingerprint returns the hex SHA-256 of the county's JSON encoding followed by the
// JSON encoding of Divisions.All(). Equal options give an equal fingerprint; record it
// next to a demo run to show which county was used.
func (c *County) Fingerprint() (string, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	if err := enc.Encode(c); err != nil {
		return "", fmt.Errorf("democounty: encoding county: %w", err)
	}
	if c.Divisions != nil {
		if err := enc.Encode(c.Divisions.All()); err != nil {
			return "", fmt.Errorf("democounty: encoding divisions: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Shares of the population (see the package documentation's table). Quotas are exact:
// round(N × share) children are chosen at random for each.
const (
	shareAged16     = 0.003 // turned 16 within the last 60 days: exit due (aged out)
	shareInfant     = 0.004 // under 6 months old: not yet eligible, identified only
	shareRecent     = 0.030 // arrived less than 6 months ago: identified only
	shareAlone      = 0.005 // did not move with a guardian: identified only
	shareCrossHelp  = 0.006 // cross-township within the county, asked for help: monitored
	shareCrossOnly  = 0.006 // cross-township within the county: statistics only
	shareReturned   = 0.008 // exited: returned to the registration county
	shareHukouMoved = 0.004 // exited: registration moved to Nanchang County

	shareDibao      = 0.030
	shareTekun      = 0.005
	shareLowIncome  = 0.040
	shareChronic    = 0.030
	shareSerious    = 0.007
	shareDisability = 0.015
	shareNoCapable  = 0.003
	shareVagrant    = 0.001
	shareMental     = 0.010

	shareIDNumber   = 0.70
	shareMale       = 0.52
	shareLedgerGaps = 0.08 // of the key-eligible children not exited
)

// Lifecycle classes: mutually exclusive.
const (
	clsNormal uint8 = iota
	clsAged16
	clsInfant
	clsRecent
	clsAlone
	clsCrossHelp
	clsCrossOnly
	clsReturned
	clsHukouMoved
)

// ageWeights are the relative weights of whole years of age 0..15 on AsOf.
var ageWeights = []float64{4, 5, 5, 6, 6, 6, 7, 7, 7, 7, 7, 7, 6.5, 6.5, 6, 5.5}

const (
	centreLat       = 28.55
	centreLng       = 115.94
	metresPerDegree = 111320.0
)

type village struct {
	region   welfare.Region
	lat, lng float64
	weight   float64
	director *welfare.Staff
}

type township struct {
	region     welfare.Region
	weight     float64
	lat, lng   float64
	villages   []*village
	cumVillage []float64
	supervisor *welfare.Staff
	worker     *welfare.Staff // the social worker who keeps its ledger
}

type gen struct {
	rng  *rand.Rand
	ids  *welfare.SeededIDs
	prog *welfare.Programme
	area string

	asOf    welfare.Date
	asOfDay int
	stamp   time.Time

	townships   []*township
	cumTownship []float64
	cumJiangxi  []float64
	cumOther    []float64
	cumDisType  []float64
	cumDisGrade []float64
	cumAge      []float64

	lead    *welfare.Staff
	workers []*welfare.Staff

	staffPhone, guardianPhone int
	idSeen                    map[string]struct{}
}

// proto is what the first passes decide about a child.
type proto struct {
	class     uint8
	birth     int // day number
	tw        *township
	vil       *village
	male      bool
	econ      uint8 // 1 dibao, 2 tekun, 3 low income
	health    uint8 // 1 chronic, 2 serious
	disabled  bool
	noCapable bool
	vagrant   bool
	mental    bool
}

// Generate builds the synthetic county selected by opts. It is deterministic: randomness
// comes only from a PCG seeded with opts.Seed, IDs from welfare.NewSeededIDs(seed), and
// every time from AsOf.
func Generate(opts Options) (*County, error) {
	prog := welfare.Nanchang2025()
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	n := opts.Children
	if n == 0 {
		n = prog.BaselineChildren
	}
	if n < 0 {
		return nil, fmt.Errorf("democounty: Children must not be negative: %w", welfare.ErrInvalid)
	}
	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = DefaultAsOf()
	}
	if welfare.NewDate(asOf.Year, asOf.Month, asOf.Day) != asOf || asOf.Year < 1930 || asOf.Year > 2090 {
		return nil, fmt.Errorf("democounty: AsOf must be a real date in 1930–2090: %w", welfare.ErrInvalid)
	}
	g := &gen{
		rng:     rand.New(rand.NewPCG(seed, 0x6c6975646f6e67)), // "liudong": a stream apart from the IDs'
		ids:     welfare.NewSeededIDs(seed),
		prog:    prog,
		area:    prog.Area.Code,
		asOf:    asOf,
		asOfDay: dayOf(asOf),
		stamp:   asOf.Start().UTC().Truncate(time.Microsecond),
		idSeen:  make(map[string]struct{}, n),
	}
	g.cumJiangxi = cumulative(jiangxiCounties)
	g.cumOther = cumulative(otherProvinceCounties)
	g.cumDisType = cumulative(disabilityTypes)
	g.cumDisGrade = cumFloats(disabilityGrades)
	g.cumAge = cumFloats(ageWeights)

	divs, err := g.divisions()
	if err != nil {
		return nil, err
	}
	staff := g.staff()
	children, err := g.children(n)
	if err != nil {
		return nil, err
	}
	return &County{
		Programme:  prog,
		Divisions:  divs,
		Staff:      staff,
		Children:   children,
		KeyEntries: g.ledger(children),
		AsOf:       asOf,
	}, nil
}

// divisions adds the synthetic villages and places every unit on the map.
func (g *gen) divisions() (*welfare.Divisions, error) {
	base := welfare.NanchangCounty()
	tws := base.Townships(g.area)
	if len(tws) < 2 {
		return nil, fmt.Errorf("democounty: the division list has fewer than two townships under %s", g.area)
	}
	var ext []welfare.Region
	total := 0.0
	for _, r := range tws {
		w, ok := townshipWeight[r.Code]
		if !ok {
			w = defaultTownshipWeight
		}
		t := &township{region: r, weight: w,
			lat: centreLat + g.uniform(-0.2, 0.2), lng: centreLng + g.uniform(-0.2, 0.2)}
		nv := min(12, max(4, 4+int(w/2)))
		communities := 1
		switch r.Kind {
		case "街道", "开发区", "管委会", "类似乡级单位":
			communities = nv
		case "镇":
			communities = 2
			if r.Code == countySeat {
				communities = 6
			}
		}
		vsum := 0.0
		for i := range nv {
			kind, name, vw := "村", fmt.Sprintf("示例村%02d", i-communities+1), 1.0
			if i < communities {
				kind, name, vw = "社区", fmt.Sprintf("示例社区%02d", i+1), 1.6
			}
			v := &village{
				region: welfare.Region{Code: fmt.Sprintf("%s%03d", r.Code, i+1), Name: name,
					Level: welfare.LevelVillage, Parent: r.Code, Kind: kind},
				weight: vw * g.uniform(0.6, 1.4),
			}
			v.lat, v.lng = g.around(t.lat, t.lng, 4000)
			vsum += v.weight
			t.villages = append(t.villages, v)
			t.cumVillage = append(t.cumVillage, vsum)
			ext = append(ext, v.region)
		}
		total += w
		g.townships = append(g.townships, t)
		g.cumTownship = append(g.cumTownship, total)
	}
	divs, err := base.Extend(ext...)
	if err != nil {
		return nil, fmt.Errorf("democounty: adding villages: %w", err)
	}
	return divs, nil
}

// staff builds the team (TM-1), the partners of VS-4 and the auditors.
func (g *gen) staff() []*welfare.Staff {
	var out []*welfare.Staff
	add := func(role welfare.Role, scope string) *welfare.Staff {
		s := &welfare.Staff{ID: g.ids.NewID(), AreaCode: g.area, Name: g.adultName(g.pick(surnames)),
			Role: role, Scope: scope, Phone: g.phone("139", &g.staffPhone), Active: true, UpdatedAt: g.stamp}
		if g.lead == nil {
			g.lead = s
		}
		s.UpdatedBy = g.lead.ID.String()
		out = append(out, s)
		return s
	}
	add(welfare.RoleProjectLead, g.area)
	for range 5 {
		g.workers = append(g.workers, add(welfare.RoleSocialWorker, g.area))
	}
	add(welfare.RoleCounsellor, g.area)
	for i, t := range g.townships {
		t.supervisor = add(welfare.RoleSupervisor, t.region.Code)
		t.worker = g.workers[i%len(g.workers)]
	}
	for _, t := range g.townships {
		for _, v := range t.villages {
			v.director = add(welfare.RoleDirector, v.region.Code)
		}
	}
	bySize := slices.Clone(g.townships)
	slices.SortStableFunc(bySize, func(a, b *township) int {
		switch {
		case a.weight > b.weight:
			return -1
		case a.weight < b.weight:
			return 1
		}
		return 0
	})
	for _, t := range bySize[:min(8, len(bySize))] {
		add(welfare.RoleStationStaff, t.region.Code)
	}
	for _, t := range bySize[:min(12, len(bySize))] {
		add(welfare.RoleVolunteer, t.villages[0].region.Code) // 童伴妈妈
	}
	for range 2 {
		add(welfare.RoleAuditor, g.area)
	}
	return out
}

// children decides the quotas, then builds each record.
func (g *gen) children(n int) ([]*welfare.Child, error) {
	rule := g.prog.Eligibility
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	class := make([]uint8, n)
	g.mark(class, all, n, shareAged16, shareInfant, shareRecent, shareAlone,
		shareCrossHelp, shareCrossOnly, shareReturned, shareHukouMoved)

	ps := make([]proto, n)
	var age1, age6, age10, notInfant []int
	for i := range ps {
		p := &ps[i]
		p.class = class[i]
		p.birth = g.birthDay(p.class, rule.MaxAge)
		p.tw = g.townships[g.choose(g.cumTownship)]
		p.vil = p.tw.villages[g.choose(p.tw.cumVillage)]
		p.male = g.rng.Float64() < shareMale
		age := dateOf(p.birth).YearsOn(g.asOf)
		if p.class != clsInfant {
			notInfant = append(notInfant, i)
		}
		if age >= 1 {
			age1 = append(age1, i)
		}
		if age >= 6 {
			age6 = append(age6, i)
		}
		if age >= 10 {
			age10 = append(age10, i)
		}
	}
	labels := make([]uint8, n)
	g.mark(labels, all, n, shareDibao, shareTekun, shareLowIncome)
	for i := range ps {
		ps[i].econ = labels[i]
	}
	clear(labels)
	g.mark(labels, all, n, shareChronic, shareSerious)
	for i := range ps {
		ps[i].health = labels[i]
	}
	flag := func(cands []int, share float64, set func(p *proto)) {
		clear(labels)
		g.mark(labels, cands, n, share)
		for i := range ps {
			if labels[i] != 0 {
				set(&ps[i])
			}
		}
	}
	flag(age1, shareDisability, func(p *proto) { p.disabled = true })
	flag(notInfant, shareNoCapable, func(p *proto) { p.noCapable = true })
	flag(age10, shareVagrant, func(p *proto) { p.vagrant = true })
	flag(age6, shareMental, func(p *proto) { p.mental = true })

	out := make([]*welfare.Child, n)
	for i := range ps {
		c, err := g.child(&ps[i])
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// birthDay draws a birth date for a child of class cls.
func (g *gen) birthDay(cls uint8, maxAge int) int {
	switch cls {
	case clsAged16:
		return dayOf(g.asOf.AddDate(-maxAge, 0, -g.rng.IntN(60)))
	case clsInfant:
		return g.asOfDay - g.between(2, 170)
	}
	a := min(g.choose(g.cumAge), maxAge-1)
	switch cls {
	case clsCrossHelp, clsReturned, clsHukouMoved:
		if a < 2 { // room for six months' residence, monitoring and an exit
			a = min(2+g.rng.IntN(14), maxAge-1)
		}
	}
	lo := dayOf(g.asOf.AddDate(-a-1, 0, 0)) + 1
	hi := dayOf(g.asOf.AddDate(-a, 0, 0))
	if a == 0 {
		hi = g.asOfDay - 200 // older than six months: infants are their own class
	}
	return g.between(lo, hi)
}

func (g *gen) child(p *proto) (*welfare.Child, error) {
	rule := g.prog.Eligibility
	birth := dateOf(p.birth)
	sex := welfare.SexFemale
	if p.male {
		sex = welfare.SexMale
	}
	surname := g.pick(surnames)
	c := &welfare.Child{
		ID:        g.ids.NewID(),
		AreaCode:  g.area,
		Name:      surname + g.given(childSyllables),
		Sex:       sex,
		BirthDate: birth,
		Ethnicity: "汉族",
		CreatedAt: g.stamp,
		UpdatedAt: g.stamp,
		UpdatedBy: p.vil.director.ID.String(),
	}
	if g.rng.Float64() >= 0.994 {
		c.Ethnicity = g.pick(minorities)
	}

	// Household registration (户籍地) and identity number.
	idCounty := ""
	switch p.class {
	case clsCrossHelp, clsCrossOnly:
		j := g.rng.IntN(len(g.townships) - 1)
		if g.townships[j] == p.tw {
			j = len(g.townships) - 1
		}
		c.Hukou.RegionCode = g.townships[j].region.Code
		idCounty = g.area
	default:
		idCounty = g.hukouCounty()
		c.Hukou.RegionCode = idCounty
		if p.class == clsHukouMoved {
			c.Hukou.RegionCode = p.tw.region.Code // moved here; the ID keeps its birth county
		}
	}
	if g.rng.Float64() < shareIDNumber {
		id, err := g.idNumber(idCounty, birth, p.male)
		if err != nil {
			return nil, err
		}
		c.IDNumber = id
	}

	// Residence and arrival.
	c.Residence = welfare.Residence{
		Township: p.tw.region.Code,
		Village:  p.vil.region.Code,
		Address:  "示例路" + strconv.Itoa(1+g.rng.IntN(300)) + "号",
	}
	lat, lng := g.around(p.vil.lat, p.vil.lng, 3000)
	c.Residence.Geo = &welfare.GeoPoint{Lat: lat, Lng: lng}
	arrival := g.arrival(p, rule.MaxAge)
	c.ArrivalDate = dateOf(arrival)
	c.Migration.WithGuardian = welfare.FlagYes
	if p.class == clsAlone {
		c.Migration.WithGuardian = welfare.FlagNo
	}
	c.Migration.ReturnedHome = p.class == clsReturned

	// Family, schooling, health and economy.
	c.Guardians = g.guardians(surname, p)
	if p.disabled {
		c.Disability = &welfare.Disability{
			Type:  disabilityTypes[g.choose(g.cumDisType)].code,
			Grade: 1 + g.choose(g.cumDisGrade),
		}
	}
	c.Schooling = g.schooling(p, birth, c.Disability)
	c.ResidencePermit = g.flag(0.62, 0.95)
	c.MedicalInsurance = g.flag(0.91, 0.97)
	c.Health = [...]string{"good", "chronic", "serious"}[p.health]
	c.Economic = [...]welfare.Economic{welfare.EconomicOrdinary, welfare.EconomicDibao,
		welfare.EconomicTekun, welfare.EconomicLowIncome}[p.econ]
	c.Vagrant = p.vagrant

	// Lifecycle (MS-1).
	director := p.vil.director.ID.String()
	surveyDay := dayOf(g.prog.Period.Start) + g.rng.IntN(90) // baseline survey, first quarter
	ident := max(arrival+g.between(7, 45), surveyDay)
	ident = max(min(ident, g.asOfDay-1), arrival)
	mon, exit := -1, -1
	switch p.class {
	case clsNormal, clsAged16, clsCrossHelp, clsReturned, clsHukouMoved:
		arr6 := dayOf(dateOf(arrival).AddDate(0, rule.MinMonths, 0))
		mon = max(min(max(ident+g.between(1, 20), arr6), g.asOfDay-1), ident)
		if p.class == clsAged16 { // monitored before the 16th birthday
			b16 := dayOf(birth.AddDate(rule.MaxAge, 0, 0))
			mon = max(min(mon, b16-1), arr6)
			ident = min(ident, mon)
		}
		if p.class == clsReturned || p.class == clsHukouMoved {
			exit = min(mon+g.between(30, 150), g.asOfDay-1)
		}
	}
	c.Lifecycle = append(c.Lifecycle, g.event("", welfare.StateIdentified, ident, "", director))
	if mon >= 0 {
		c.Lifecycle = append(c.Lifecycle, g.event(welfare.StateIdentified, welfare.StateMonitored, mon, "", p.tw.worker.ID.String()))
	}
	if exit >= 0 {
		reason := welfare.ExitReturned
		if p.class == clsHukouMoved {
			reason = welfare.ExitHukouMoved
		}
		c.Lifecycle = append(c.Lifecycle, g.event(welfare.StateMonitored, welfare.StateExited, exit, reason, director))
	}
	if p.class == clsCrossHelp {
		d := dateOf(ident)
		c.HelpRequested = &d
	}

	// Status observed at the survey (VS-6 二看).
	obs := func(value string, concern bool) welfare.Observation {
		return welfare.Observation{Value: value, Concern: concern, Date: dateOf(ident), Source: welfare.Source{Kind: "survey"}}
	}
	c.Status = welfare.StatusSnapshot{
		welfare.AspectHealth: obs([...]string{"身体健康", "慢性病，规律服药", "重大疾病，治疗中"}[p.health], p.health == 2),
	}
	if p.mental {
		c.Status[welfare.AspectMental] = obs("情绪持续低落，需进一步评估", true)
	}
	if p.noCapable {
		c.Status[welfare.AspectGuardianship] = obs("监护人均无法履行监护职责", true)
	}
	if p.vagrant {
		c.Status[welfare.AspectSafety] = obs("有流浪经历", true)
	}
	return c, nil
}

// arrival draws the day the child arrived in the county.
func (g *gen) arrival(p *proto, maxAge int) int {
	switch p.class {
	case clsInfant:
		return g.between(p.birth, g.asOfDay-1)
	case clsRecent:
		return max(g.asOfDay-g.between(5, 175), p.birth)
	}
	lo := max(p.birth, g.asOfDay-3652) // within the past ten years
	hi := g.asOfDay - 190              // more than six calendar months ago
	switch p.class {
	case clsReturned, clsHukouMoved:
		hi = g.asOfDay - 280
	case clsAged16:
		hi = g.asOfDay - 400
	}
	return g.between(lo, hi)
}

func (g *gen) event(from, to welfare.LifecycleState, day int, reason welfare.ExitReason, actor string) welfare.LifecycleEvent {
	return welfare.LifecycleEvent{From: from, To: to, On: dateOf(day), Reason: reason, Actor: actor, Recorded: g.recorded(day)}
}

// recorded is a time in working hours on day, UTC, to the microsecond.
func (g *gen) recorded(day int) time.Time {
	m := 9*60 + g.rng.IntN(8*60)
	return dateOf(day).Start().Add(time.Duration(m) * time.Minute).UTC().Truncate(time.Microsecond)
}

func (g *gen) guardians(surname string, p *proto) []welfare.Guardian {
	var rels []string
	switch r := g.rng.Float64(); {
	case p.class == clsAlone:
		rels = []string{[...]string{"relative", "entrusted"}[g.rng.IntN(2)]}
	case r < 0.68:
		rels = []string{"father", "mother"}
	case r < 0.80:
		rels = []string{"mother"}
	case r < 0.88:
		rels = []string{"father"}
	case r < 0.94:
		rels = []string{[...]string{"mother", "father"}[g.rng.IntN(2)], "grandparent"}
	case r < 0.97:
		rels = []string{"grandparent"}
	default:
		rels = []string{[...]string{"relative", "entrusted"}[g.rng.IntN(2)]}
	}
	out := make([]welfare.Guardian, len(rels))
	capable := false
	for i, rel := range rels {
		gd := welfare.Guardian{Relationship: rel, LivesWith: true, Capacity: welfare.CapacityFull}
		family := surname
		if rel == "mother" || rel == "entrusted" || (rel == "relative" && g.rng.IntN(2) == 0) {
			family = g.pick(surnames)
		}
		gd.Name = g.adultName(family)
		phoneShare := 0.95
		switch rel {
		case "grandparent":
			phoneShare = 0.70
			gd.Occupation = g.pick(grandparentJobs)
			if g.rng.Float64() < 0.3 {
				gd.Capacity = welfare.CapacityLimited
			}
		default:
			gd.Occupation = g.pick(parentJobs)
			if rel == "mother" && g.rng.Float64() < 0.15 {
				gd.Occupation = "全职照料"
			}
			switch r := g.rng.Float64(); {
			case r >= 0.99:
				gd.Capacity = welfare.CapacityNone
			case r >= 0.95:
				gd.Capacity = welfare.CapacityLimited
			}
		}
		if rel == "father" && len(rels) > 1 && g.rng.Float64() < 0.10 {
			gd.LivesWith = false
			gd.WorkRegion = g.pick(workCities)
		}
		if g.rng.Float64() < phoneShare {
			gd.Phone = g.phone("138", &g.guardianPhone)
		}
		if p.noCapable {
			gd.Capacity = welfare.CapacityNone
		}
		capable = capable || gd.Capacity != welfare.CapacityNone
		out[i] = gd
	}
	if !capable && !p.noCapable {
		out[0].Capacity = welfare.CapacityFull
	}
	return out
}

var schoolNames = map[string]string{
	"kindergarten": "示例幼儿园", "primary": "示例小学", "junior": "示例初级中学",
	"senior": "示例高级中学", "vocational": "示例职业学校",
}

func (g *gen) schooling(p *proto, birth welfare.Date, dis *welfare.Disability) welfare.Schooling {
	year := g.asOf.Year
	if g.asOf.Month < time.September {
		year--
	}
	age := birth.YearsOn(welfare.NewDate(year, time.September, 1)) // age at the school year's start
	r := g.rng.Float64()
	var s welfare.Schooling
	switch {
	case age < 3:
		s.Stage = "preschool_home"
	case age < 6:
		s.Stage = "kindergarten"
		if r < 0.15 {
			s.Stage = "preschool_home"
		}
	case age < 12:
		s.Stage = "primary"
		if r < 0.003 {
			s.Stage = "not_enrolled"
		}
	case age < 15:
		s.Stage = "junior"
		switch {
		case r < 0.003:
			s.Stage = "not_enrolled"
		case r < 0.011:
			s.Stage = "dropped_out"
		}
	default:
		switch {
		case r < 0.60:
			s.Stage = "senior"
		case r < 0.85:
			s.Stage = "vocational"
		case r < 0.95:
			s.Stage = "junior"
		default:
			s.Stage = "dropped_out"
		}
	}
	if age >= 6 {
		if p.vagrant {
			s.Stage = "not_enrolled"
			if age >= 12 {
				s.Stage = "dropped_out"
			}
		} else if dis != nil && dis.Grade <= 2 && g.rng.Float64() < 0.3 {
			s.Stage = "not_enrolled"
		}
	}
	if name, ok := schoolNames[s.Stage]; ok {
		prefix := p.tw.region.Name
		if s.Stage == "vocational" {
			prefix = g.prog.Area.Name
		}
		s.School = prefix + name + fmt.Sprintf("%02d", 1+g.rng.IntN(4))
		s.Boarding = (s.Stage == "junior" || s.Stage == "senior" || s.Stage == "vocational") && g.rng.Float64() < 0.2
	}
	return s
}

// ledger opens one entry per derived key category for the key-eligible children, leaving
// a share of those not exited without any entry (the AC-5 gaps). Entries of exited
// children are closed on the exit day.
func (g *gen) ledger(children []*welfare.Child) []*welfare.KeyEntry {
	n := len(children)
	derivs := make([][]welfare.KeyDerivation, n)
	var open []int
	for i, c := range children {
		derivs[i] = welfare.KeyEligibility(c, g.prog.KeyCategories)
		if len(derivs[i]) > 0 && c.State() != welfare.StateExited {
			open = append(open, i)
		}
	}
	gap := make([]uint8, n)
	k := int(math.Round(float64(len(open)) * shareLedgerGaps))
	if k == 0 && len(open) >= 2 {
		k = 1
	}
	g.markCounts(gap, open, k)

	tw := make(map[string]*township, len(g.townships))
	for _, t := range g.townships {
		tw[t.region.Code] = t
	}
	var out []*welfare.KeyEntry
	for i, c := range children {
		if len(derivs[i]) == 0 || gap[i] != 0 {
			continue
		}
		opener := tw[c.Residence.Township].worker.ID.String()
		limit := g.asOfDay - 1
		last := c.Lifecycle[len(c.Lifecycle)-1]
		exited := last.To == welfare.StateExited
		if exited {
			limit = dayOf(last.On)
		}
		identDay := dayOf(c.Lifecycle[0].On)
		for _, d := range derivs[i] {
			rule, _ := g.prog.KeyCategory(d.Category)
			opened := min(identDay+g.between(0, 14), limit)
			e := &welfare.KeyEntry{
				ID: g.ids.NewID(), AreaCode: g.area, ChildID: c.ID, Category: d.Category,
				Tier: tierOf(d.Category, c), Opened: dateOf(opened), OpenedBy: opener,
				Evidence:  []string{"survey:" + c.ID.String()},
				UpdatedAt: g.stamp, UpdatedBy: opener,
			}
			if m := rule.ReviewMonths; m > 0 {
				lastReview := opened
				due := dayOf(dateOf(opened).AddDate(0, m, 0))
				for due <= limit && g.rng.Float64() < 0.92 { // some reviews are overdue
					rv := min(max(due+g.between(-5, 10), lastReview), limit)
					e.Reviews = append(e.Reviews, dateOf(rv))
					lastReview = rv
					due = dayOf(dateOf(rv).AddDate(0, m, 0))
				}
				if !exited {
					e.ReviewDue = dateOf(due)
				}
			}
			if exited {
				closed := last.On
				e.Closed = &closed
				e.CloseNote = "退出监测：" + last.Reason.Chinese()
			}
			out = append(out, e)
		}
	}
	return out
}

// tierOf grades an entry on the programme's red/yellow/blue/green tiers.
func tierOf(cat welfare.KeyCategory, c *welfare.Child) string {
	switch cat {
	case welfare.KeyVagrancy, welfare.KeyNoGuardian:
		return "red"
	case welfare.KeyPsychological:
		return "yellow"
	case welfare.KeyDisability:
		if c.Disability != nil && c.Disability.Grade <= 2 {
			return "yellow"
		}
		return "blue"
	case welfare.KeyFamilyHardship:
		if c.Economic == welfare.EconomicTekun {
			return "yellow"
		}
		return "blue"
	}
	return "green"
}

// idNumber builds a resident identity number with a correct check character (DOMAIN §4):
// the registration county's real address code, the birth date and a random sequence
// whose parity gives the sex. Numbers are unique within the county.
func (g *gen) idNumber(county string, birth welfare.Date, male bool) (welfare.IDNumber, error) {
	b := make([]byte, 0, 18)
	b = append(b, county...)
	b = appendPadded(b, birth.Year, 4)
	b = appendPadded(b, int(birth.Month), 2)
	b = appendPadded(b, birth.Day, 2)
	for range 50 {
		seq := 2 * g.rng.IntN(500)
		if male {
			seq++
		}
		b = appendPadded(b[:14], seq, 3)
		if _, dup := g.idSeen[string(b)]; dup {
			continue
		}
		check, ok := welfare.CheckCharacter(string(b))
		if !ok {
			return "", fmt.Errorf("democounty: bad identity number prefix for county %s", county)
		}
		g.idSeen[string(b)] = struct{}{}
		return welfare.ParseIDNumber(string(append(b, check)))
	}
	return "", nil // every sequence taken: none recorded
}

func (g *gen) hukouCounty() string {
	if g.rng.Float64() < 0.09 {
		return otherProvinceCounties[g.choose(g.cumOther)].code
	}
	return jiangxiCounties[g.choose(g.cumJiangxi)].code
}

// flag returns yes below pYes, no below pNo, else not recorded.
func (g *gen) flag(pYes, pNo float64) welfare.Flag {
	switch r := g.rng.Float64(); {
	case r < pYes:
		return welfare.FlagYes
	case r < pNo:
		return welfare.FlagNo
	}
	return welfare.FlagUnknown
}

func (g *gen) adultName(surname string) string { return surname + g.given(adultSyllables) }

func (g *gen) given(syll []string) string {
	s := g.pick(syll)
	if g.rng.Float64() < 0.75 {
		s += g.pick(syll)
	}
	return s
}

// phone returns the next synthetic mobile number of a block: prefix + 8 digits counting
// from 00000000 (1380000xxxx, then 1380001xxxx …).
func (g *gen) phone(prefix string, counter *int) string {
	b := appendPadded([]byte(prefix), *counter, 8)
	*counter++
	return string(b)
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// uniform returns a uniform float in [lo, hi). The conversion stops the compiler fusing
// the multiply and add (FMA on arm64), so every platform gets the same bits.
func (g *gen) uniform(lo, hi float64) float64 { return lo + float64((hi-lo)*g.rng.Float64()) }

// between returns a uniform integer in [lo, hi], or lo when hi < lo.
func (g *gen) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.IntN(hi-lo+1)
}

// choose picks an index with probability proportional to the weights whose running
// sums are cum.
func (g *gen) choose(cum []float64) int {
	x := g.rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	if i < len(cum) && cum[i] == x {
		i++
	}
	return min(i, len(cum)-1)
}

// around returns a point uniformly within radius metres of (lat, lng), to six decimals.
func (g *gen) around(lat, lng, radius float64) (float64, float64) {
	r := radius * math.Sqrt(g.rng.Float64())
	theta := 2 * math.Pi * g.rng.Float64()
	dLat := r * math.Cos(theta) / metresPerDegree
	dLng := r * math.Sin(theta) / (metresPerDegree * math.Cos(lat*math.Pi/180))
	return round6(lat + dLat), round6(lng + dLng)
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// mark labels members of cands: round(base × shares[j]) of them get label j+1, chosen
// uniformly at random without overlap.
func (g *gen) mark(dst []uint8, cands []int, base int, shares ...float64) {
	counts := make([]int, len(shares))
	for j, s := range shares {
		counts[j] = int(math.Round(float64(base) * s))
	}
	g.markCounts(dst, cands, counts...)
}

// markCounts labels counts[j] members of cands with j+1 by a partial Fisher–Yates shuffle.
func (g *gen) markCounts(dst []uint8, cands []int, counts ...int) {
	pool := slices.Clone(cands)
	pos := 0
	for j, k := range counts {
		for ; k > 0 && pos < len(pool); k-- {
			r := pos + g.rng.IntN(len(pool)-pos)
			pool[pos], pool[r] = pool[r], pool[pos]
			dst[pool[pos]] = uint8(j + 1)
			pos++
		}
	}
}

func cumulative(ws []weighted) []float64 {
	out := make([]float64, len(ws))
	sum := 0.0
	for i, w := range ws {
		sum += w.weight
		out[i] = sum
	}
	return out
}

func cumFloats(ws []float64) []float64 {
	out := make([]float64, len(ws))
	sum := 0.0
	for i, w := range ws {
		sum += w
		out[i] = sum
	}
	return out
}

func appendPadded(b []byte, v, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(v), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// dayOf numbers civil days from 1970-01-01; dateOf is its inverse.
func dayOf(d welfare.Date) int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOf(day int) welfare.Date {
	y, m, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	return welfare.Date{Year: y, Month: m, Day: d}
}
