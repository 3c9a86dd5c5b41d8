package fault

import (
	"os"
	"strings"
	"testing"
)

// TestDocumented keeps docs/faults.md in step with the registered codes.
func TestDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/faults.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Codes() {
		if !strings.Contains(string(raw), "`"+string(c)+"`") {
			t.Errorf("docs/faults.md does not list %s", c)
		}
	}
}
