package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
)

// Sender passwords are machine credentials, checked on every message, so they are hashed with a
// salted SHA-256 (not a slow password hash) and compared in constant time. The configuration
// holds only the hash, as "sha256$<salt hex>$<digest hex>".

// HashPassword returns the configuration form of a password.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return "sha256$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(digest(salt, password))
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	h, err := parseHash(hash)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(h.sum, digest(h.salt, password)) == 1
}

type parsedHash struct{ salt, sum []byte }

func parseHash(s string) (parsedHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 3 || parts[0] != "sha256" {
		return parsedHash{}, errors.New(`password hash must look like "sha256$<salt hex>$<digest hex>"`)
	}
	salt, err1 := hex.DecodeString(parts[1])
	sum, err2 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(sum) != sha256.Size {
		return parsedHash{}, errors.New("password hash has a bad salt or digest")
	}
	return parsedHash{salt: salt, sum: sum}, nil
}

func digest(salt []byte, password string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(password))
	return h.Sum(nil)
}
