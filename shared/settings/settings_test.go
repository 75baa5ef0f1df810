package settings

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

func TestLoad_CheckMaxStaleness(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "0s": 0, "1s": time.Second, "1500ms": 1500 * time.Millisecond, "5m": MaxStaleness,
		"5m0.001s": -1, "-1s": -1, "1": -1, "2d": -1,
	} {
		s, err := Load(env(map[string]string{"TABLE_NAME": "t", "CHECK_MAX_STALENESS": v}))
		if want < 0 {
			if err == nil {
				t.Errorf("%q: got %s, want an error", v, s.CheckMaxStaleness)
			}
			continue
		}
		if err != nil || s.CheckMaxStaleness != want {
			t.Errorf("%q: got %s %v, want %s", v, s.CheckMaxStaleness, err, want)
		}
	}
}

func TestLoad_CheckCommitWait(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		cache time.Duration
		ok    bool
	}{
		{map[string]string{"CHECK_COMMIT_WAIT": "1s"}, time.Second, true},
		{map[string]string{"CHECK_COMMIT_WAIT": "5s"}, 5 * time.Second, true},
		{map[string]string{"CHECK_COMMIT_WAIT": "5001ms"}, 0, false},
		{map[string]string{"CHECK_COMMIT_WAIT": "1s", "CHECK_MAX_STALENESS": "2s"}, 0, false},
		{map[string]string{"CHECK_COMMIT_WAIT": "0", "CHECK_MAX_STALENESS": "2s"}, 2 * time.Second, true},
	} {
		tc.env["TABLE_NAME"] = "t"
		s, err := Load(env(tc.env))
		if (err == nil) != tc.ok || (tc.ok && s.CheckCache() != tc.cache) {
			t.Errorf("%v: got cache %s, %v; want %s, ok %v", tc.env, s.CheckCache(), err, tc.cache, tc.ok)
		}
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

func TestLoad_LogLevel(t *testing.T) {
	tests := []struct {
		v    string
		want slog.Level
		ok   bool
	}{
		{"", slog.LevelInfo, true}, {"DEBUG", slog.LevelDebug, true}, {"INFO", slog.LevelInfo, true},
		{"WARN", slog.LevelWarn, true}, {"ERROR", slog.LevelError, true},
		{"debug", 0, false}, {"INFO+2", 0, false}, {"TRACE", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.v, func(t *testing.T) {
			s, err := Load(env(map[string]string{"TABLE_NAME": "t", "LOG_LEVEL": tc.v}))
			if (err == nil) != tc.ok || (tc.ok && s.LogLevel != tc.want) {
				t.Errorf("got %v, %v; want %v (ok %v)", s.LogLevel, err, tc.want, tc.ok)
			}
		})
	}
}

func TestLogger_HonoursTheLevel(t *testing.T) {
	var buf bytes.Buffer
	log := Settings{LogLevel: slog.LevelWarn}.Logger(&buf)
	log.Info("quiet")
	log.Warn("loud")
	if got := buf.String(); strings.Contains(got, "quiet") || !strings.Contains(got, `"msg":"loud"`) {
		t.Errorf("got %q, want only the WARN line, as JSON", got)
	}
}

// TestLoad_LocalJWTSecretOnlyUnderSAMLocal: the secret is read only where the SAM CLI
// (or make invoke) says it is local; in AWS AWS_SAM_LOCAL is never set.
func TestLoad_LocalJWTSecretOnlyUnderSAMLocal(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"sam local", map[string]string{"AWS_SAM_LOCAL": "true", "LOCAL_JWT_SECRET": "s"}, "s"},
		{"not sam local", map[string]string{"LOCAL_JWT_SECRET": "s"}, ""},
		{"sam local not true", map[string]string{"AWS_SAM_LOCAL": "1", "LOCAL_JWT_SECRET": "s"}, ""},
		{"sam local without a secret", map[string]string{"AWS_SAM_LOCAL": "true"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["TABLE_NAME"] = "t"
			s, err := Load(env(tc.env))
			if err != nil || s.LocalJWTSecret != tc.want {
				t.Errorf("got %q, %v; want %q", s.LocalJWTSecret, err, tc.want)
			}
		})
	}
}

// TestDynamoDB_ChecksumValidationOffOnlyLocally: the DynamoDB Local workaround never
// reaches AWS, where AWS_ENDPOINT_URL_DYNAMODB is empty.
func TestDynamoDB_ChecksumValidationOffOnlyLocally(t *testing.T) {
	for _, endpoint := range []string{"", "http://127.0.0.1:8000"} {
		s, err := Load(env(map[string]string{"TABLE_NAME": "t", "AWS_ENDPOINT_URL_DYNAMODB": endpoint}))
		if err != nil {
			t.Fatal(err)
		}
		got := DynamoDB(aws.Config{Region: "us-east-1"}, s.LocalDynamoDB).Options().DisableValidateResponseChecksum
		if want := endpoint != ""; got != want {
			t.Errorf("endpoint %q: validation off %v, want %v", endpoint, got, want)
		}
	}
}

func TestLoad_MetricsNamespace(t *testing.T) {
	for v, want := range map[string]string{"": "gatepass", "prod-gatepass": "prod-gatepass"} {
		s, err := Load(env(map[string]string{"TABLE_NAME": "t", "METRICS_NAMESPACE": v}))
		if err != nil || s.MetricsNamespace != want {
			t.Errorf("%q: got %q, %v; want %q", v, s.MetricsNamespace, err, want)
		}
	}
}
