package main

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/childwelfare/liudong/examples/democounty"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/welfare"
)

// screeningSummary is the PS-1/PS-2 part of the report: who was screened, the latest
// risk levels, and who is due now. Counts only: no answers, no scores.
type screeningSummary struct {
	Screened    int            `json:"screened"` // children with a session on or before the day
	Sessions    int            `json:"sessions"`
	Flagged     int            `json:"flagged"`  // sessions with an unsuppressible flag
	Invalid     int            `json:"invalid"`  // sessions without a level (e.g. MHT lie scale)
	ByLevel     map[string]int `json:"by_level"` // children by their latest level
	Due         int            `json:"due"`      // children due for a (re)screening on the day
	DueByReason map[string]int `json:"due_by_reason"`
	// DueFirst: due children never screened (PS-1 short while any remain); DueRescreen:
	// due children screened before (rescreen or a new reason).
	DueFirst    int `json:"due_first"`
	DueRescreen int `json:"due_rescreen"`
}

// loadScreenings seeds the demo county's screenings once (a store that holds sessions of
// the area is left as it is).
func loadScreenings(ctx context.Context, store welfare.Store, county *democounty.County, seed uint64) error {
	ss, ok := store.(screening.Store)
	if !ok {
		return fmt.Errorf("the store (%T) does not keep screening sessions", store)
	}
	gen, err := democounty.GenerateScreenings(county, democounty.ScreeningOptions{Seed: seed})
	if err != nil {
		return err
	}
	_, err = democounty.LoadScreenings(ctx, ss, county, gen)
	return err
}

func summarizeScreening(ctx context.Context, e *env, asOf welfare.Date) (*screeningSummary, error) {
	ss, ok := e.store.(screening.Store)
	if !ok {
		return nil, fmt.Errorf("the store (%T) does not keep screening sessions", e.store)
	}
	prog := e.reg.Programme()
	svc, err := screening.NewService(ss, prog, screening.Options{Clock: clockAt(asOf)})
	if err != nil {
		return nil, err
	}
	sum := &screeningSummary{ByLevel: map[string]int{}, DueByReason: map[string]int{}}
	type latest struct {
		day   welfare.Date
		level string
	}
	last := map[uuid.UUID]latest{}
	for x, err := range ss.Sessions(ctx, screening.SessionFilter{Area: prog.Area.Code}) {
		if err != nil {
			return nil, err
		}
		if x.Date.After(asOf) {
			continue
		}
		sum.Sessions++
		if x.Result.Flagged() {
			sum.Flagged++
		}
		if x.Result.Level == "" {
			sum.Invalid++
		}
		if l, ok := last[x.ChildID]; !ok || !x.Date.Before(l.day) {
			if x.Result.Level != "" || !ok {
				last[x.ChildID] = latest{x.Date, x.Result.Level}
			}
		}
	}
	sum.Screened = len(last)
	for _, l := range last {
		sum.ByLevel[l.level]++
	}
	due, err := svc.Due(ctx, e.auditor, asOf)
	if err != nil {
		return nil, fmt.Errorf("screening due: %w", err)
	}
	sum.Due = len(due)
	for _, d := range due {
		if d.LastScreened.IsZero() {
			sum.DueFirst++
		} else {
			sum.DueRescreen++
		}
		for _, r := range d.Reasons {
			sum.DueByReason[r.Code]++
		}
	}
	return sum, nil
}

var dueReasonNames = map[string]string{
	screening.ReasonKeyChild: "重点儿童", screening.ReasonMentalConcern: "探访发现心理异常",
	screening.ReasonRequest: "监护人/学校申请", screening.ReasonRescreen: "到期复筛",
}

var levelNames = map[string]string{"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色", "": "无效/未定级"}

func printScreening(p *printer, s *screeningSummary, prog *welfare.Programme) {
	p.f("\n八、心理健康筛查（PS-1、PS-2）\n")
	p.f("  已筛查 %d 人，共 %d 次（触发不可屏蔽预警 %d 次，无效问卷 %d 次）\n", s.Screened, s.Sessions, s.Flagged, s.Invalid)
	p.f("  最近一次风险等级：")
	for _, l := range append(append([]string{}, prog.Screening.Levels...), "") {
		if n := s.ByLevel[l]; n > 0 {
			p.f(" %s %d", levelNames[l], n)
		}
	}
	p.f("\n  当前应筛/到期复筛 %d 人（复筛间隔 %d 个月）：", s.Due, prog.Screening.RescreenMonths)
	for _, code := range sortedByCount(s.DueByReason) {
		p.f(" %s %d", dueReasonNames[code], s.DueByReason[code])
	}
	p.f("\n")
}
