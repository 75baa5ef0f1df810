package access

import (
	"slices"
	"testing"
	"time"
)

// An app's live AppCodes are its legacy code (written before several were kept) and
// the others; either kind confirms the authorizer's lookup, and either can be dropped.
func TestAppCodes_LegacyCodeIsLiveAndRevocable(t *testing.T) {
	at := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	app := App{ID: "app-1", CodeHash: "h0", Codes: []AppCode{{ID: "c1", Prefix: "abcdef", Hash: "h1", CreatedAt: &at}}}
	ids := func(a App) []string {
		var out []string
		for _, c := range a.LiveCodes() {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(app); !slices.Equal(got, []string{LegacyCodeID, "c1"}) {
		t.Fatalf("live codes %v", got)
	}
	for h, want := range map[string]bool{"h0": true, "h1": true, "h2": false, "": false} {
		if app.HasCode(h) != want {
			t.Errorf("HasCode(%q) = %v, want %v", h, !want, want)
		}
	}
	legacyGone := app.withoutCodes(func(c AppCode) bool { return c.ID == LegacyCodeID })
	if legacyGone.CodeHash != "" || !slices.Equal(ids(legacyGone), []string{"c1"}) || legacyGone.HasCode("h0") {
		t.Errorf("without the legacy code: %+v", legacyGone)
	}
	none := app.withoutCodes(func(AppCode) bool { return true })
	if len(none.LiveCodes()) != 0 || len(app.LiveCodes()) != 2 {
		t.Errorf("without every code: %v; the original must keep its codes: %v", ids(none), ids(app))
	}
}
