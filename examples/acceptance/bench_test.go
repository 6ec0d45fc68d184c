package main

import (
	"context"
	"io"
	"testing"

	"github.com/childwelfare/liudong/audit/journal"
	"github.com/childwelfare/liudong/casework"
	"github.com/childwelfare/liudong/screening"
	"github.com/childwelfare/liudong/visit"
	"github.com/childwelfare/liudong/welfare"
)

// BenchmarkAcceptance is the full acceptance of the demo county from its SQLite file:
// open, census sections, manifest, sample, findings, journal verification, deductions,
// payments, checklist and the Chinese report.
func BenchmarkAcceptance(b *testing.B) {
	db := demoDB(b)
	ctx := context.Background()
	for b.Loop() {
		if err := run(ctx, []string{"-db", db}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadRows reads, once each, every row the acceptance needs from the same SQLite
// file: children, ledger entries, staff, screening sessions and requests, cases,
// incidents, activities, visits and the journal. It is the floor the acceptance is
// measured against.
func BenchmarkReadRows(b *testing.B) {
	db := demoDB(b)
	ctx := context.Background()
	cfg, err := parseFlags([]string{"-db", db})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e, err := openDemo(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		area := e.reg.Programme().Area.Code
		n := 0
		count := func(err error) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		for _, err := range e.store.Children(ctx, welfare.ChildFilter{Area: area}) {
			count(err)
		}
		for _, err := range e.store.KeyEntries(ctx, welfare.KeyEntryFilter{Area: area}) {
			count(err)
		}
		for _, err := range e.store.StaffMembers(ctx, area) {
			count(err)
		}
		ss := e.store.(screening.Store)
		for _, err := range ss.Sessions(ctx, screening.SessionFilter{Area: area}) {
			count(err)
		}
		for _, err := range ss.Requests(ctx, screening.RequestFilter{Area: area}) {
			count(err)
		}
		cs := e.store.(casework.Store)
		for _, err := range cs.Cases(ctx, casework.CaseFilter{Area: area}) {
			count(err)
		}
		for _, err := range cs.Incidents(ctx, casework.IncidentFilter{Area: area}) {
			count(err)
		}
		for _, err := range cs.Activities(ctx, casework.ActivityFilter{Area: area}) {
			count(err)
		}
		for _, err := range e.store.(visit.Store).Visits(ctx, visit.Filter{Area: area}) {
			count(err)
		}
		bundle, err := journal.Export(ctx, e.store.(journaled).Journal(area))
		if err != nil {
			b.Fatal(err)
		}
		n += len(bundle.Leaves)
		if err := e.close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "rows")
	}
}
