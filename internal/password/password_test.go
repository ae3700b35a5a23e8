package password

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name, pw string
		personal []string
		want     error
	}{
		{"fine passphrase", "le chat dort au soleil", nil, nil},
		{"ten characters", "Tr0mp3-lo!", nil, nil},
		{"nine characters", "abcdefgh9", nil, ErrTooShort},
		{"ten accented characters count as ten", "éééééééééà", nil, nil},
		{"too long", strings.Repeat("ab", 65), nil, ErrTooLong},
		{"common", "qwertyuiop", nil, ErrCommon},
		{"common in capitals", "QWERTYUIOP", nil, ErrCommon},
		{"common French", "motdepasse123", nil, ErrCommon},
		{"one character repeated", "aaaaaaaaaaaa", nil, ErrCommon},
		{"the email itself", "marie.dupont@exemple.fr", []string{"marie.dupont@exemple.fr"}, ErrCommon},
		{"the name and digits", "entraidecalvados2026", []string{"Entraide Calvados", "entraidecalvados"}, ErrCommon},
		{"containing the name is fine", "marie aime le jardin", []string{"marie"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Check(tc.pw, tc.personal...); !errors.Is(err, tc.want) {
				t.Fatalf("Check(%q) = %v, want %v", tc.pw, err, tc.want)
			}
		})
	}
	if len(common) < 1500 {
		t.Fatalf("common list has %d entries", len(common))
	}
}

func TestHashAndVerify(t *testing.T) {
	fast := Params{Memory: 1024, Time: 1, Threads: 1}
	h, err := Hash("le chat dort au soleil", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash = %s", h)
	}
	h2, _ := Hash("le chat dort au soleil", fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, pw, hash string
		current        Params
		rehash         bool
		err            error
	}{
		{"right password", "le chat dort au soleil", h, fast, false, nil},
		{"right password, parameters raised since", "le chat dort au soleil", h, Default, true, nil},
		{"wrong password", "le chat dort à l'ombre", h, fast, false, ErrMismatch},
		{"not argon2id", "x", "$2a$10$abcdefghijklmnopqrstuv", fast, false, ErrMalformedHash},
		{"truncated", "x", h[:30], fast, false, ErrMalformedHash},
		{"bad salt", "x", strings.Replace(h, "$m=1024,t=1,p=1$", "$m=1024,t=1,p=1$!!", 1), fast, false, ErrMalformedHash},
		{"zero threads", "x", strings.Replace(h, "p=1", "p=0", 1), fast, false, ErrMalformedHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rehash, err := Verify(tc.pw, tc.hash, tc.current)
			if !errors.Is(err, tc.err) || rehash != tc.rehash {
				t.Fatalf("Verify = %v, %v; want %v, %v", rehash, err, tc.rehash, tc.err)
			}
		})
	}
}
