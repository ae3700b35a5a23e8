package session

import (
	"context"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
)

func TestSessions(t *testing.T) {
	alpha := tenant.WithTenant(context.Background(), testutil.Portal("alpha"))
	beta := tenant.WithTenant(context.Background(), testutil.Portal("beta"))
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
			s := New(st.Store)
			s.now = func() time.Time { return now }

			token, sess, err := s.Create(alpha, 1, "Firefox", "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if len(token) < 22 || sess.ID == token {
				t.Fatalf("token %q / id %q: want 128 random bits and an id that is not the token", token, sess.ID)
			}
			got, ok, err := s.Lookup(alpha, token)
			if err != nil || !ok || got.UserID != 1 {
				t.Fatalf("Lookup = %+v %v %v", got, ok, err)
			}
			// The same cookie on another portal is worthless, even for a
			// user with the same id there.
			if _, ok, _ := s.Lookup(beta, token); ok {
				t.Fatal("alpha's session opens beta")
			}
			for _, bad := range []string{"", "x", token + "x", string(make([]byte, 200))} {
				if _, ok, _ := s.Lookup(alpha, bad); ok {
					t.Fatalf("token %q accepted", bad)
				}
			}
			if _, _, err := s.Lookup(context.Background(), token); err != ErrNoTenant {
				t.Fatalf("no portal: err = %v", err)
			}

			// Idle: used within the idle time, it lives on; left alone, it ends.
			now = now.Add(IdleTimeout - time.Minute)
			if _, ok, _ := s.Lookup(alpha, token); !ok {
				t.Fatal("session ended before its idle time")
			}
			now = now.Add(IdleTimeout + time.Second)
			if _, ok, _ := s.Lookup(alpha, token); ok {
				t.Fatal("idle session still open")
			}

			// Absolute: even a session used every few hours ends after a week.
			token2, _, _ := s.Create(alpha, 1, "Chrome", "192.0.2.2")
			for elapsed := time.Duration(0); elapsed < AbsoluteTimeout-6*time.Hour; elapsed += 6 * time.Hour {
				now = now.Add(6 * time.Hour)
				if _, ok, _ := s.Lookup(alpha, token2); !ok {
					t.Fatalf("active session ended after %s", elapsed)
				}
			}
			now = now.Add(7 * time.Hour)
			if _, ok, _ := s.Lookup(alpha, token2); ok {
				t.Fatal("session outlived its absolute lifetime")
			}

			// List, end one, end all others.
			a, sa, _ := s.Create(alpha, 7, "A", "198.51.100.1")
			b, _, _ := s.Create(alpha, 7, "B", "198.51.100.2")
			c, sc, _ := s.Create(alpha, 7, "C", "198.51.100.3")
			other, so, _ := s.Create(alpha, 8, "other", "198.51.100.4")
			list, err := s.List(alpha, 7)
			if err != nil || len(list) != 3 {
				t.Fatalf("List = %d sessions, %v", len(list), err)
			}
			if err := s.End(alpha, 7, so.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Lookup(alpha, other); !ok {
				t.Fatal("a person ended someone else's session")
			}
			if err := s.End(alpha, 7, sc.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Lookup(alpha, c); ok {
				t.Fatal("ended session still open")
			}
			if err := s.EndAll(alpha, 7, sa.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Lookup(alpha, a); !ok {
				t.Fatal("the kept session was ended")
			}
			if _, ok, _ := s.Lookup(alpha, b); ok {
				t.Fatal("EndAll left a session open")
			}
			if list, _ := s.List(alpha, 7); len(list) != 1 || list[0].ID != sa.ID {
				t.Fatalf("after EndAll: %+v", list)
			}
			if err := s.EndToken(alpha, 7, a); err != nil {
				t.Fatal(err)
			}
			if list, _ := s.List(alpha, 7); len(list) != 0 {
				t.Fatalf("after sign-out: %+v", list)
			}
		})
	}
}

// A record read by the caller at RecordKey (as the web layer does, with
// its rate-limit count) opens exactly what Lookup opens: on its portal
// only, and never once ended or expired.
func TestLookupRecordAgreesWithLookup(t *testing.T) {
	alpha := tenant.WithTenant(context.Background(), testutil.Portal("alpha"))
	beta := tenant.WithTenant(context.Background(), testutil.Portal("beta"))
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
			s := New(st.Store)
			s.now = func() time.Time { return now }
			live, _, _ := s.Create(alpha, 1, "A", "192.0.2.1")
			ended, _, _ := s.Create(alpha, 2, "B", "192.0.2.2")
			if err := s.EndToken(alpha, 2, ended); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name  string
				ctx   context.Context
				token string
				want  bool
			}{
				{"live", alpha, live, true},
				{"another portal", beta, live, false},
				{"ended", alpha, ended, false},
				{"unknown", alpha, "AAAAAAAAAAAAAAAAAAAAAA", false},
				{"empty", alpha, "", false},
				{"too long", alpha, string(make([]byte, 65)), false},
			}
			for _, tc := range cases {
				key := s.RecordKey(tc.ctx, tc.token)
				var record []byte
				if key != "" {
					_, _, values, err := st.Store.IncrAndGet(tc.ctx, "rl:test", time.Minute, key)
					if err != nil {
						t.Fatal(err)
					}
					record = values[0]
				}
				got, ok, err := s.LookupRecord(tc.ctx, tc.token, record)
				want, wantOK, wantErr := s.Lookup(tc.ctx, tc.token)
				if err != nil || wantErr != nil || ok != tc.want || wantOK != tc.want || got.UserID != want.UserID {
					t.Errorf("%s: LookupRecord = %+v %v %v; Lookup = %+v %v %v; want found=%v",
						tc.name, got, ok, err, want, wantOK, wantErr, tc.want)
				}
			}
			// Past its idle end, a record the store still holds opens nothing.
			record, _, _ := st.Store.Get(alpha, s.RecordKey(alpha, live))
			now = now.Add(IdleTimeout + time.Second)
			if _, ok, _ := s.LookupRecord(alpha, live, record); ok {
				t.Error("an idle session opened from its record")
			}
		})
	}
}
