package gateway

import (
	"strings"
	"testing"

	"github.com/shepgate/shepgate/adapter/channel"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("s3cret")
	if strings.Contains(h, "s3cret") || !strings.HasPrefix(h, "sha256$") {
		t.Fatalf("hash %q", h)
	}
	if h == HashPassword("s3cret") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	cases := []struct {
		hash, pw string
		want     bool
	}{
		{h, "s3cret", true},
		{h, "s3cret ", false},
		{h, "", false},
		{"plain", "plain", false},
		{"sha256$zz$00", "x", false},
	}
	for _, c := range cases {
		if got := CheckPassword(c.hash, c.pw); got != c.want {
			t.Errorf("CheckPassword(%q, %q) = %v", c.hash, c.pw, got)
		}
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Senders: []Sender{{ID: "P", Password: HashPassword("x")}}},
		{Senders: []Sender{{ID: "P", Password: "x", Certs: []string{"f"}}}},
		{Routes: []Route{{ServiceID: "S", URL: "http://x"}}},
	} {
		if _, err := New(cfg, &channel.Hop{}, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}
