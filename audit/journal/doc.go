// Package journal is the tamper-evident journal (防篡改日志) of every write in every
// store: an append-only RFC 6962 Merkle tree, built with golang.org/x/mod/sumdb/tlog,
// whose signed checkpoints (检查点) the purchaser keeps and whose contents an auditor
// can check without access to the database.
//
// # What a leaf holds
//
// Each stored change appends one [Leaf]: the entity kind ("child", "visit",
// "key_entry", …), the entity's ID, the version written, the SHA-256 of the record's
// canonical encoding (see [RecordHash]), the time of the write and the staff ID of
// the actor. The leaf's binary encoding (see [Leaf.MarshalBinary]) is the tlog record
// data; its Merkle leaf hash is SHA-256(0x00 ‖ encoding).
//
// # Why no personal data
//
// A leaf holds identifiers and hashes only: never a name, an identity number, an
// address or a free-text note, and Actor is a staff ID, never a name. So the whole log
// can be handed to an auditor, a purchaser or a court without disclosing anything
// about a child; whoever also holds the records can check them against it. (A hash of
// a low-entropy record could in principle be guessed by brute force; the records
// hashed here carry random UUIDs and timestamps, which makes that impractical.)
//
// # Transactions
//
// Storage belongs to the caller: a store implements [Storage] on top of the
// transaction in which it makes a write, and calls [Append] in that same transaction,
// so a write and its leaf commit or roll back together. [MemoryStorage] is the
// in-memory implementation used by the memory store and by tests; package
// journaltest checks any implementation.
//
// # What the log proves, and what it cannot
//
// Once the purchaser keeps a signed checkpoint (tree size and root hash, see [Sign]
// and [OpenCheckpoint]), the log proves:
//   - order: leaf i was appended before leaf j when i < j;
//   - no change after the checkpoint: every leaf below the checkpoint's size is
//     exactly what it was when the checkpoint was signed, and a history rewritten
//     afterwards is inconsistent with the checkpoint ([Verify], [CheckConsistency]);
//   - lateness: a leaf not contained in a checkpoint was appended after that
//     checkpoint was requested, so a record that claims an earlier time was recorded
//     late ([RecordedLate]).
//
// It cannot prove that a record was true, nor that it was not invented (or
// back-dated) before it was appended: leaf times come from the provider's clock.
// Only checkpoints kept by someone else bound when leaves were appended, so the
// purchaser should fetch and keep checkpoints regularly (DOMAIN §9).
package journal
