package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestEveryCodeHasTexts(t *testing.T) {
	seen := map[string]Code{}
	for _, c := range Codes() {
		tx := TextOf(c)
		if tx.KK == "" || tx.RU == "" || tx.EN == "" {
			t.Errorf("%s lacks a text: %+v", c, tx)
		}
		if tx.KK == tx.RU {
			t.Errorf("%s: Kazakh and Russian texts are the same", c)
		}
		if other, ok := seen[tx.RU]; ok {
			t.Errorf("%s and %s share the Russian text %q", c, other, tx.RU)
		}
		seen[tx.RU] = c
	}
}

func TestCodeOf(t *testing.T) {
	base := New(CertRevoked, "serial %s", "01")
	wrapped := fmt.Errorf("check: %w", base)
	if CodeOf(wrapped) != CertRevoked {
		t.Fatalf("CodeOf(wrapped) = %s", CodeOf(wrapped))
	}
	if CodeOf(errors.New("x")) != Internal {
		t.Fatal("an error without a code is not INTERNAL")
	}
	if TextOf("NO_SUCH").RU != TextOf(Internal).RU || Known("NO_SUCH") {
		t.Fatal("unknown code")
	}
	if got := Wrap(SigInvalid, errors.New("boom"), "doc %d", 1).Error(); got != "SIG_INVALID: doc 1: boom" {
		t.Fatalf("Error() = %q", got)
	}
}
