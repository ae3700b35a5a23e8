// Package password owns how passwords are judged and stored: the length
// and common-password rules, and argon2id hashes in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so parameters can be raised later
// without invalidating stored hashes.
package password

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Length limits, in characters. Long passphrases are welcome; the upper
// bound only keeps hashing cost bounded.
const (
	MinLength = 10
	MaxLength = 128
)

// Params are argon2id's cost settings.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default follows OWASP's argon2id recommendation (19 MiB, 2 passes, 1
// thread): about 30 ms on the reference 2-core machine.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Why a password is refused.
var (
	ErrTooShort = errors.New("password: too short")
	ErrTooLong  = errors.New("password: too long")
	ErrCommon   = errors.New("password: too common")
	// ErrMismatch means the password does not match the hash.
	ErrMismatch = errors.New("password: does not match")
	// ErrMalformedHash means a stored hash could not be read.
	ErrMalformedHash = errors.New("password: malformed hash")
)

//go:embed common.txt
var commonFile []byte

// common is the set of refused passwords, built once from the embedded list.
var common = func() map[string]struct{} {
	m := make(map[string]struct{}, 2048)
	sc := bufio.NewScanner(bytes.NewReader(commonFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = struct{}{}
		}
	}
	return m
}()

// Check says whether a password may be chosen. personal lists words the
// person's password must not simply be (their email, name, the portal's
// name): an attacker tries those first.
func Check(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return ErrTooShort
	case n > MaxLength:
		return ErrTooLong
	}
	lower := strings.ToLower(pw)
	if _, ok := common[lower]; ok {
		return ErrCommon
	}
	if strings.Count(lower, string([]rune(lower)[0])) == len(lower) {
		return ErrCommon // one character repeated
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if p != "" && (lower == p || strings.TrimRight(lower, "0123456789!.") == p) {
			return ErrCommon
		}
	}
	return nil
}

// Hash returns the PHC string of pw with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string, comparing in constant
// time, and whether the hash should be recomputed with the current
// parameters (they were raised since it was made).
func Verify(pw, encoded string, current Params) (rehash bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Threads == 0 {
		return false, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, ErrMismatch
	}
	return p != current, nil
}

// dummyHash is verified against when an account does not exist, so that
// "no such account" takes as long as "wrong password" and timing does not
// tell which emails have accounts.
var dummyHash, _ = Hash("entraide-no-such-account", Default)

// VerifyNothing spends the time a real verification would.
func VerifyNothing(pw string) {
	_, _ = Verify(pw, dummyHash, Default) // the result is meaningless by design
}
