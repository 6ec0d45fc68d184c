package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrUnseal reports sealed data that cannot be opened: the store was opened with the
// wrong Sealer key (or with none over sealed data, or with one over plain data), or the
// ciphertext was altered or moved to another row.
var ErrUnseal = errors.New("sqlstore: sealed data cannot be opened (wrong key, missing Sealer, or altered data)")

// Sealer encrypts the sensitive fields of records at rest (names, identity numbers,
// phones, addresses, positions) and computes blind indexes, keyed digests that let the
// store find a child by identity number or by name and birth date without storing
// either in the clear.
//
// Seal and Open must be inverse: Open(Seal(p, aad), aad) == p, and Open must fail
// (with an error; the store wraps it in [ErrUnseal]) when the key or aad differ.
// BlindIndex must be deterministic for a given key, and kinds must separate domains:
// BlindIndex("a", v) and BlindIndex("b", v) are unrelated.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
	BlindIndex(kind string, value []byte) []byte
}

// sealFormat is the first byte of every ciphertext NewAESGCMSealer produces. Plain
// (unsealed) documents are JSON objects and start with '{', so the two never mix up.
const sealFormat byte = 0x01

type aesGCMSealer struct {
	aead     cipher.AEAD
	indexKey []byte
}

// NewAESGCMSealer returns a [Sealer] using AES-256-GCM with a random 96-bit nonce for
// encryption (ciphertext = 0x01 ‖ nonce ‖ sealed box) and HMAC-SHA256 keyed by indexKey
// for blind indexes, domain-separated by kind. encKey must be 32 bytes; indexKey at
// least 32 bytes and different from encKey. Keep both keys outside the database.
func NewAESGCMSealer(encKey, indexKey []byte) (Sealer, error) {
	if len(encKey) != 32 {
		return nil, fmt.Errorf("sqlstore: AES-256-GCM needs a 32-byte encryption key, got %d bytes", len(encKey))
	}
	if len(indexKey) < 32 {
		return nil, fmt.Errorf("sqlstore: blind-index key must be at least 32 bytes, got %d", len(indexKey))
	}
	if hmac.Equal(encKey, indexKey) {
		return nil, errors.New("sqlstore: encryption and blind-index keys must differ")
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	return &aesGCMSealer{aead: aead, indexKey: append([]byte(nil), indexKey...)}, nil
}

func (s *aesGCMSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = sealFormat
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, fmt.Errorf("sqlstore: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:1+ns], plaintext, aad), nil
}

func (s *aesGCMSealer) Open(ciphertext, aad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(ciphertext) < 1+ns+s.aead.Overhead() || ciphertext[0] != sealFormat {
		return nil, errors.New("not an AES-GCM sealed value")
	}
	p, err := s.aead.Open(nil, ciphertext[1:1+ns], ciphertext[1+ns:], aad)
	if err != nil {
		return nil, errors.New("authentication failed")
	}
	return p, nil
}

func (s *aesGCMSealer) BlindIndex(kind string, value []byte) []byte {
	m := hmac.New(sha256.New, s.indexKey)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(kind)))
	m.Write(n[:])
	m.Write([]byte(kind))
	m.Write(value)
	return m.Sum(nil)
}
