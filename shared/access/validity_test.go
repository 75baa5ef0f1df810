package access

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// now is the fixed instant of the pure rule tests.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// wantCode fails unless err carries code (code "" means no error).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("got %v, want no error", err)
	case code != "" && !IsCode(err, code):
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestValidity_R2_DaysOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		days int
		code string
	}{
		{"zero", 0, CodeValidity},
		{"negative", -1, CodeValidity},
		{"one", 1, ""},
		{"preset 30", 30, ""},
		{"preset 90", 90, ""},
		{"preset 180", 180, ""},
		{"max 3650", 3650, ""},
		{"3651", 3651, CodeValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := forDays(tc.days)
			wantCode(t, v.Validate(), tc.code)
			end, err := v.End(now)
			wantCode(t, err, tc.code)
			if tc.code == "" {
				want := now.Add(time.Duration(tc.days) * 24 * time.Hour)
				if end == nil || !end.Equal(want) {
					t.Fatalf("got %v, want %v", end, want)
				}
			}
		})
	}
	for _, p := range ValidityPresets {
		if err := forDays(p).Validate(); err != nil {
			t.Errorf("preset %d: got %v, want valid", p, err)
		}
	}
}

func TestValidity_R2_DaysCountFromNow(t *testing.T) {
	later := now.Add(90 * time.Minute)
	end, err := forDays(30).End(later)
	if err != nil {
		t.Fatal(err)
	}
	if want := later.Add(30 * 24 * time.Hour); !end.Equal(want) {
		t.Fatalf("got %v, want %v", end, want)
	}
}

func TestValidity_R2_EndTimeMustBeFuture(t *testing.T) {
	tests := []struct {
		name string
		end  time.Time
		code string
	}{
		{"now", now, CodeValidity},
		{"one second ago", now.Add(-time.Second), CodeValidity},
		{"epoch", time.Unix(0, 0), CodeValidity},
		{"now+1s", now.Add(time.Second), ""},
		{"next year", now.AddDate(1, 0, 0), ""},
		{"other zone", now.Add(time.Hour).In(time.FixedZone("CST", 8*3600)), ""},
		{"last representable", time.Unix(maxUnix, 0), ""},
		{"beyond 9999", time.Unix(maxUnix+1, 0), CodeValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			end, err := until(tc.end).End(now)
			wantCode(t, err, tc.code)
			if tc.code == "" {
				if !end.Equal(tc.end) || end.Location() != time.UTC {
					t.Fatalf("got %v, want %v in UTC", end, tc.end.UTC())
				}
			}
		})
	}
}

func TestValidity_R2_EndTimeForms(t *testing.T) {
	future := now.Add(48 * time.Hour)
	tests := []struct {
		name string
		json string
		want *time.Time
		code string // decode or End error
	}{
		{"rfc3339", `{"type":"LIMITED","end_time":"` + future.Format(time.RFC3339) + `"}`, &future, ""},
		{"rfc3339 offset", `{"type":"LIMITED","end_time":"` + future.In(time.FixedZone("", 8*3600)).Format(time.RFC3339) + `"}`, &future, ""},
		{"rfc3339 nano", `{"type":"LIMITED","end_time":"` + future.Add(300*time.Millisecond).Format(time.RFC3339Nano) + `"}`, &future, ""},
		{"unix seconds", `{"type":"LIMITED","end_time":` + strconv.FormatInt(future.Unix(), 10) + `}`, &future, ""},
		{"unix seconds exponent", `{"type":"LIMITED","end_time":1.8e9}`, ptr(time.Unix(1.8e9, 0).UTC()), ""},
		{"unix now", `{"type":"LIMITED","end_time":` + strconv.FormatInt(now.Unix(), 10) + `}`, nil, CodeValidity},
		{"rfc3339 now", `{"type":"LIMITED","end_time":"` + now.Format(time.RFC3339) + `"}`, nil, CodeValidity},
		{"unix fraction", `{"type":"LIMITED","end_time":1800000000.5}`, nil, CodeValidity},
		{"unix negative", `{"type":"LIMITED","end_time":-5}`, nil, CodeValidity},
		{"unix too large", `{"type":"LIMITED","end_time":253402300800}`, nil, CodeValidity},
		{"date only", `{"type":"LIMITED","end_time":"2027-01-01"}`, nil, CodeValidity},
		{"bool", `{"type":"LIMITED","end_time":true}`, nil, CodeValidity},
		{"unlimited", `{"type":"UNLIMITED"}`, nil, ""},
		{"unlimited null end", `{"type":"UNLIMITED","end_time":null,"days":null}`, nil, ""},
		{"days", `{"type":"LIMITED","days":90}`, ptr(now.Add(90 * 24 * time.Hour)), ""},
		{"days string", `{"type":"LIMITED","days":"90"}`, nil, CodeValidity},
		{"days fraction", `{"type":"LIMITED","days":1.5}`, nil, CodeValidity},
		{"no type", `{"days":30}`, nil, CodeValidity},
		{"null type", `{"type":null}`, nil, CodeValidity},
		{"numeric type", `{"type":1}`, nil, CodeValidity},
		{"array", `[]`, nil, CodeValidity},
		{"null", `null`, nil, CodeValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v Validity
			err := json.Unmarshal([]byte(tc.json), &v)
			var end *time.Time
			if err == nil {
				end, err = v.End(now)
			}
			wantCode(t, err, tc.code)
			if tc.code != "" {
				return
			}
			switch {
			case tc.want == nil && end != nil, tc.want != nil && (end == nil || !end.Equal(*tc.want)):
				t.Fatalf("got %v, want %v", end, tc.want)
			}
		})
	}
}

func TestValidity_R2_DecodeInsideRequest(t *testing.T) {
	var in GrantInput
	err := json.Unmarshal([]byte(`{"validity":{"type":"LIMITED","days":0}}`), &in)
	if err != nil {
		t.Fatalf("decode: got %v, want nil (range is checked by Validate)", err)
	}
	wantCode(t, in.Validity.Validate(), CodeValidity)
	err = json.Unmarshal([]byte(`{"validity":{"type":"LIMITED","end_time":"tomorrow"}}`), &in)
	wantCode(t, err, CodeValidity)
}

func TestValidity_R2_Shapes(t *testing.T) {
	end := now.Add(time.Hour)
	tests := []struct {
		name string
		v    Validity
		code string
	}{
		{"unlimited", Validity{Type: Unlimited}, ""},
		{"unlimited with end", Validity{Type: Unlimited, EndTime: &end}, CodeValidity},
		{"unlimited with days", Validity{Type: Unlimited, Days: ptr(30)}, CodeValidity},
		{"limited end", Validity{Type: Limited, EndTime: &end}, ""},
		{"limited days", Validity{Type: Limited, Days: ptr(30)}, ""},
		{"limited both", Validity{Type: Limited, EndTime: &end, Days: ptr(30)}, CodeValidity},
		{"limited neither", Validity{Type: Limited}, CodeValidity},
		{"empty type", Validity{}, CodeValidity},
		{"lower case type", Validity{Type: "limited", Days: ptr(30)}, CodeValidity},
		{"unknown type", Validity{Type: "FOREVER"}, CodeValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.v.Validate(), tc.code)
			_, err := tc.v.End(now)
			wantCode(t, err, tc.code)
		})
	}
}

func TestValidity_R2_UnlimitedHasNoEnd(t *testing.T) {
	end, err := Validity{Type: Unlimited}.End(now)
	if err != nil || end != nil {
		t.Fatalf("got %v, %v, want nil, nil", end, err)
	}
}

func TestValidity_R2_MarshalRoundTrip(t *testing.T) {
	end := time.Date(2027, 3, 1, 8, 30, 0, 0, time.FixedZone("", 8*3600))
	tests := []struct {
		name string
		v    Validity
		want string
	}{
		{"unlimited", Validity{Type: Unlimited}, `{"type":"UNLIMITED"}`},
		{"days", forDays(90), `{"type":"LIMITED","days":90}`},
		{"end in utc", until(end), `{"type":"LIMITED","end_time":"2027-03-01T00:30:00Z"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("got %s, want %s", b, tc.want)
			}
			var back Validity
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			e1, _ := tc.v.End(now)
			e2, _ := back.End(now)
			if (e1 == nil) != (e2 == nil) || (e1 != nil && !e1.Equal(*e2)) {
				t.Fatalf("got %v, want %v", e2, e1)
			}
		})
	}
}

func TestRenewal_R6_CannotShorten(t *testing.T) {
	a := now.Add(24 * time.Hour)
	b := now.Add(48 * time.Hour)
	tests := []struct {
		name      string
		cur, next *time.Time
		want      bool
	}{
		{"unlimited to limited shortens", nil, &b, false},
		{"unlimited to unlimited does not extend", nil, nil, false},
		{"limited to unlimited extends", &a, nil, true},
		{"later end extends", &a, &b, true},
		{"equal end does not extend", &a, ptr(a), false},
		{"earlier end shortens", &b, &a, false},
		{"one second later extends", &a, ptr(a.Add(time.Second)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Extends(tc.cur, tc.next); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// forDays is a LIMITED validity of n days.
func forDays(n int) Validity { return Validity{Type: Limited, Days: &n} }

// until is a LIMITED validity ending at t.
func until(t time.Time) Validity { return Validity{Type: Limited, EndTime: &t} }
