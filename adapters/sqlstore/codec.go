package sqlstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/childwelfare/liudong/welfare"
	"github.com/google/uuid"
)

// Records are stored as a JSON document holding every field but the sensitive ones, a
// "sealed" value holding those (JSON, encrypted when a Sealer is set), and the indexed
// columns the queries need. The document is the record; the columns are indexes.
//
// Before a write a record is normalised to the form Get returns (times in UTC at
// microsecond precision, empty slices dropped where JSON drops them), so the hash the
// journal keeps is the hash of the record an auditor later exports.

// childSecrets are the sensitive fields of a child, kept in the sealed column.
type childSecrets struct {
	Name             string            `json:"name"`
	IDNumber         welfare.IDNumber  `json:"id_number,omitempty"`
	HukouAddress     string            `json:"hukou_address,omitempty"`
	ResidenceAddress string            `json:"residence_address,omitempty"`
	Geo              *welfare.GeoPoint `json:"geo,omitempty"`
	Guardians        []guardianSecrets `json:"guardians,omitempty"`
}

type guardianSecrets struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

// staffSecrets are the sensitive fields of a staff member.
type staffSecrets struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

// normChild returns a deep copy of c in stored form.
func normChild(c *welfare.Child) *welfare.Child {
	d := c.Clone()
	d.CreatedAt = welfare.StoreTime(d.CreatedAt)
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	for i := range d.Lifecycle {
		d.Lifecycle[i].Recorded = welfare.StoreTime(d.Lifecycle[i].Recorded)
	}
	if len(d.Guardians) == 0 {
		d.Guardians = nil // omitempty: JSON keeps no empty list
	}
	return d
}

func normEntry(e *welfare.KeyEntry) *welfare.KeyEntry {
	d := e.Clone()
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	if len(d.Evidence) == 0 {
		d.Evidence = nil
	}
	if len(d.Reviews) == 0 {
		d.Reviews = nil
	}
	return d
}

func normStaff(m *welfare.Staff) *welfare.Staff {
	d := m.Clone()
	d.UpdatedAt = welfare.StoreTime(d.UpdatedAt)
	return d
}

func normAccess(r welfare.AccessRecord) welfare.AccessRecord {
	r.At = welfare.StoreTime(r.At)
	return r
}

// splitChild separates the sensitive fields of c (in stored form) from the rest.
func splitChild(c *welfare.Child) (public welfare.Child, secrets childSecrets) {
	public = *c
	secrets = childSecrets{
		Name: c.Name, IDNumber: c.IDNumber, HukouAddress: c.Hukou.Address,
		ResidenceAddress: c.Residence.Address, Geo: c.Residence.Geo,
	}
	public.Name, public.IDNumber, public.Hukou.Address = "", "", ""
	public.Residence.Address, public.Residence.Geo = "", nil
	if len(c.Guardians) > 0 {
		public.Guardians = make([]welfare.Guardian, len(c.Guardians))
		secrets.Guardians = make([]guardianSecrets, len(c.Guardians))
		for i, g := range c.Guardians {
			secrets.Guardians[i] = guardianSecrets{Name: g.Name, Phone: g.Phone}
			g.Name, g.Phone = "", ""
			public.Guardians[i] = g
		}
	}
	return public, secrets
}

// mergeChild puts the sensitive fields back.
func mergeChild(c *welfare.Child, s childSecrets) error {
	if len(s.Guardians) != len(c.Guardians) {
		return fmt.Errorf("sqlstore: child %s: sealed data holds %d guardians, the document %d", c.ID, len(s.Guardians), len(c.Guardians))
	}
	c.Name, c.IDNumber, c.Hukou.Address = s.Name, s.IDNumber, s.HukouAddress
	c.Residence.Address, c.Residence.Geo = s.ResidenceAddress, s.Geo
	for i, g := range s.Guardians {
		c.Guardians[i].Name, c.Guardians[i].Phone = g.Name, g.Phone
	}
	return nil
}

// sealAAD binds a sealed value to its table and record, so ciphertexts cannot be
// swapped between rows.
func sealAAD(table string, id uuid.UUID) []byte {
	b := make([]byte, 0, len(table)+1+16)
	b = append(b, table...)
	b = append(b, 0)
	return append(b, id[:]...)
}

// seal encodes v as JSON and, with a Sealer, encrypts it.
func (s *Store) seal(table string, id uuid.UUID, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode %s %s: %w", table, id, err)
	}
	if s.opts.Sealer == nil {
		return b, nil
	}
	out, err := s.opts.Sealer.Seal(b, sealAAD(table, id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: seal %s %s: %w", table, id, err)
	}
	return out, nil
}

// unseal reverses seal into v.
func (s *Store) unseal(table string, id uuid.UUID, data []byte, v any) error {
	plain := data
	if s.opts.Sealer != nil {
		p, err := s.opts.Sealer.Open(data, sealAAD(table, id))
		if err != nil {
			return fmt.Errorf("%w: %s %s: %v", ErrUnseal, table, id, err)
		}
		plain = p
	} else if len(data) == 0 || data[0] != '{' {
		return fmt.Errorf("%w: %s %s is sealed but the store has no Sealer", ErrUnseal, table, id)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("sqlstore: decode sealed %s %s: %w", table, id, err)
	}
	return nil
}

// maxPlainKey is the longest lookup key stored as is; longer ones are hashed (they
// still match exactly: results are compared with the decoded record).
const maxPlainKey = 200

// lookupKey returns the stored lookup key of kind for value: a blind index with a
// Sealer, else the value itself (hashed if long).
func (s *Store) lookupKey(kind string, value []byte) []byte {
	if s.opts.Sealer != nil {
		return s.opts.Sealer.BlindIndex(kind, value)
	}
	if len(value) > maxPlainKey {
		h := sha256.Sum256(value)
		return append([]byte("#sha256:"), h[:]...)
	}
	return bytes.Clone(value)
}

// Lookup-key kinds (the domain separation of blind indexes).
const (
	keyIDNumber  = "child.id_number"
	keyNameBirth = "child.name_birth"
)

// numberKey returns the identity-number lookup key; nil (SQL NULL) for no number.
func (s *Store) numberKey(n welfare.IDNumber) []byte {
	if n.IsZero() {
		return nil
	}
	return s.lookupKey(keyIDNumber, []byte(n.Full()))
}

// nameBirthKey returns the name-and-birth-date lookup key: the JSON array
// ["name","YYYY-MM-DD"], unambiguous whatever the name holds.
func (s *Store) nameBirthKey(name string, birth welfare.Date) []byte {
	b, _ := json.Marshal([2]string{name, birth.String()})
	return s.lookupKey(keyNameBirth, b)
}

// dateInt stores a date as YYYYMMDD (0 for the zero date).
func dateInt(d welfare.Date) int64 {
	return int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day)
}

func intDate(v int64) welfare.Date {
	if v == 0 {
		return welfare.Date{}
	}
	return welfare.Date{Year: int(v / 10000), Month: time.Month(v / 100 % 100), Day: int(v % 100)}
}

// micros stores a time as microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// uuidFrom converts a scanned 16-byte column.
func uuidFrom(b []byte) (uuid.UUID, error) {
	var u uuid.UUID
	if len(b) != 16 {
		return u, fmt.Errorf("sqlstore: stored UUID has %d bytes, want 16", len(b))
	}
	copy(u[:], b)
	return u, nil
}

// idArg is a UUID as a query argument: its 16 bytes.
func idArg(u uuid.UUID) []byte { return u[:] }
