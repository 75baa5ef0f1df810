package functions

import (
	"slices"
	"testing"
)

func TestBuild_Config(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	bad := func(k string) string { return map[string]string{"REMINDER_DAYS": "7,x", "TABLE_NAME": "t"}[k] }
	if _, err := Build(t.Context(), "reminders", bad); err == nil {
		t.Fatal("REMINDER_DAYS=7,x: got no error")
	}
	if _, err := Build(t.Context(), "cancellations", func(string) string { return "" }); err == nil {
		t.Fatal("no TABLE_NAME: got no error")
	}
	if _, err := Build(t.Context(), "nope", func(string) string { return "" }); err == nil {
		t.Fatal("unknown function: got no error")
	}
	good := func(k string) string {
		return map[string]string{"TABLE_NAME": "t", "EVENT_BUS_NAME": "gatepass", "REMINDER_DAYS": "14,3"}[k]
	}
	for _, name := range Names() {
		fn, err := Build(t.Context(), name, good)
		if err != nil || fn.Lambda == nil || (fn.HTTP == nil && fn.Stream == nil && fn.Event == nil) {
			t.Fatalf("%s: got %+v %v", name, fn, err)
		}
	}
}

func TestNames_EveryFunction(t *testing.T) {
	want := []string{"cancellations", "catalog", "catalogevents", "check", "grant", "list", "publish", "reminders", "renew", "revoke"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
