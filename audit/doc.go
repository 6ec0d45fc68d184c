// Package audit is the purchaser's acceptance (验收考核): the working-day calendar
// (工作日历), the population manifest (样本框清单) frozen before sampling, verifiable
// sampling (AC-1), findings and deductions (AC-2..AC-6), and the payment schedule
// (PY-1..PY-3).
//
// Everything here is deterministic: the same manifest, seed, findings, programme and
// calendar give the same sample, deductions and payments, byte for byte, so anyone holding
// the inputs can re-check the purchaser's figures.
//
// # Order of an acceptance run
//
//  1. Build the [Manifest] of the service recipients at the cut-off ([BuildManifest]) and
//     journal it ([Manifest.Leaf]) so it is frozen before a seed exists.
//  2. Obtain a seed afterwards from a public or multi-party source (e.g. dice rolled in a
//     meeting, a lottery draw) and draw the [Sample] ([Draw]); anyone re-draws it with
//     [VerifySample].
//  3. Check the sampled children and record [Finding]s; compute [Deductions].
//  4. Compute the [PaymentSchedule] ([Schedule]) with the [Calendar].
//
// Money is decimal.Decimal in yuan throughout; no float and no decimal package global
// (such as DivisionPrecision) is used or changed.
package audit

import "time"

func timeMonth(m int) time.Month { return time.Month(m) }
