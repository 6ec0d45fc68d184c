package journal_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/childwelfare/liudong/audit/journal"
)

// A store journals each write; the purchaser keeps a signed checkpoint; later an
// auditor checks the exported records against the log.
func Example() {
	ctx := context.Background()
	var log journal.MemoryStorage // a store's Storage, in the write's transaction

	type child struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	write := func(id, status string, at time.Time) journal.RecordDigest {
		d, _ := journal.NewRecordDigest("child", id, 1, child{ID: id, Status: status})
		_, _ = journal.Append(ctx, &log, journal.Leaf{
			Kind: "child", ID: id, Version: 1, RecordSHA256: d.SHA256, Time: at, Actor: "staff-7",
		})
		return d
	}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	records := []journal.RecordDigest{write("c-1", "monitored", at), write("c-2", "monitored", at)}

	// The provider signs its tree head; the purchaser verifies and keeps it.
	skey, vkey, _ := journal.GenerateKey(rand.Reader, "liudong-360121")
	signer, _ := journal.NewSigner(skey)
	verifier, _ := journal.NewVerifier(vkey)
	msg, _ := journal.Sign(ctx, &log, signer, "liudong/360121")
	fmt.Printf("%s", msg[:bytes.Index(msg, []byte("\n\n"))+1])
	kept, _ := journal.OpenCheckpoint(msg, verifier, "liudong/360121")

	// Later: one more write, and c-1's stored record is altered without a journaled
	// write.
	records = append(records, write("c-3", "monitored", at.Add(time.Hour)))
	records[0], _ = journal.NewRecordDigest("child", "c-1", 1, child{ID: "c-1", Status: "exited"})

	bundle, _ := journal.Export(ctx, &log)
	bundle.Origin = "liudong/360121"
	bundle.Records = records
	report := journal.Verify(bundle, kept)
	fmt.Println("consistent with kept checkpoint:", report.Consistent)
	fmt.Println("ok:", report.OK())
	for _, f := range report.Findings {
		fmt.Println(f.Type, f.Index, f.Kind, f.ID)
	}
	// Output:
	// liudong/360121
	// 2
	// 7Z4lHp2WNK6EKatehepMLlQuKhxRemdyw43PJ/1PdPc=
	// consistent with kept checkpoint: true
	// ok: false
	// changed 0 child c-1
	// appended_after_checkpoint 2 child c-3
}
