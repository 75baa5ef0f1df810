package settings

import (
	"slices"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad_Defaults(t *testing.T) {
	s, err := Load(env(map[string]string{"TABLE_NAME": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.CancelNotice != 48*time.Hour || s.GrantRetention != 720*time.Hour || !slices.Equal(s.ReminderDays, []int{7, 1}) || s.EventBusName != "default" {
		t.Fatalf("got %+v", s)
	}
}

func TestLoad_Values(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		notice time.Duration
		days   []int
		ok     bool
	}{
		{"three seconds", map[string]string{"CANCEL_NOTICE": "3s"}, 3 * time.Second, []int{7, 1}, true},
		{"zero is immediate", map[string]string{"CANCEL_NOTICE": "0"}, 0, []int{7, 1}, true},
		{"days sorted and deduplicated", map[string]string{"REMINDER_DAYS": "1, 30,7,7"}, 48 * time.Hour, []int{30, 7, 1}, true},
		{"negative notice", map[string]string{"CANCEL_NOTICE": "-1h"}, 0, nil, false},
		{"notice without unit", map[string]string{"CANCEL_NOTICE": "48"}, 0, nil, false},
		{"day zero", map[string]string{"REMINDER_DAYS": "7,0"}, 0, nil, false},
		{"day words", map[string]string{"REMINDER_DAYS": "seven"}, 0, nil, false},
		{"bad retention", map[string]string{"GRANT_RETENTION": "30d"}, 0, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["TABLE_NAME"] = "t"
			s, err := Load(env(tc.env))
			if (err == nil) != tc.ok {
				t.Fatalf("got err %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (s.CancelNotice != tc.notice || !slices.Equal(s.ReminderDays, tc.days)) {
				t.Fatalf("got %v %v, want %v %v", s.CancelNotice, s.ReminderDays, tc.notice, tc.days)
			}
		})
	}
}

func TestLoad_TableRequired(t *testing.T) {
	if _, err := Load(env(map[string]string{})); err == nil {
		t.Fatal("got nil, want an error without TABLE_NAME")
	}
}

func TestLoad_RolesClaimFormat(t *testing.T) {
	for v, want := range map[string]string{"": "flattened", "flattened": "flattened", "json": "json", "JSON": "", "list": ""} {
		s, err := Load(env(map[string]string{"TABLE_NAME": "t", "ROLES_CLAIM_FORMAT": v}))
		if want == "" {
			if err == nil {
				t.Errorf("%q: got %q, want an error", v, s.RolesClaimFormat)
			}
			continue
		}
		if err != nil || s.RolesClaimFormat != want {
			t.Errorf("%q: got %q %v, want %q", v, s.RolesClaimFormat, err, want)
		}
	}
}
