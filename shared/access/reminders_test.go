package access

import (
	"slices"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestReminders_R16_Rearm(t *testing.T) {
	days := []int{7, 1}
	tests := []struct {
		name     string
		end      *time.Time
		reminded []int
		due      *time.Time
	}{
		{"unlimited: nothing due", nil, nil, nil},
		{"30 days: first threshold", ptr(now.Add(30 * day)), nil, ptr(now.Add(23 * day))},
		{"3 days: 7 already past", ptr(now.Add(3 * day)), []int{7}, ptr(now.Add(2 * day))},
		{"exactly 7 days: 7 is due now, skipped", ptr(now.Add(7 * day)), []int{7}, ptr(now.Add(6 * day))},
		{"12 hours: both past, expiry due", ptr(now.Add(12 * time.Hour)), []int{7, 1}, ptr(now.Add(12 * time.Hour))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Grant{EndTime: tc.end, Reminded: []int{99}, ExpiryAnnounced: true}
			g.rearm(now, days)
			if !slices.Equal(g.Reminded, tc.reminded) {
				t.Fatalf("reminded: got %v, want %v", g.Reminded, tc.reminded)
			}
			if g.ExpiryAnnounced {
				t.Fatal("expiry announced: got true, want false after rearm")
			}
			if (g.Due == nil) != (tc.due == nil) || (g.Due != nil && !g.Due.Equal(*tc.due)) {
				t.Fatalf("due: got %v, want %v", g.Due, tc.due)
			}
		})
	}
}

func TestReminders_R16_RenewalRearms(t *testing.T) {
	days := []int{7, 1}
	g := Grant{EndTime: ptr(now.Add(10 * day))}
	g.rearm(now, days)
	// the 7-day reminder went out; then the grant is renewed for 30 more days
	later := now.Add(4 * day)
	g.Reminded = append(g.Reminded, 7)
	g.EndTime = ptr(later.Add(30 * day))
	g.rearm(later, days)
	if len(g.Reminded) != 0 {
		t.Fatalf("got %v, want none reminded after renewal", g.Reminded)
	}
	if want := later.Add(23 * day); g.Due == nil || !g.Due.Equal(want) {
		t.Fatalf("got %v, want %v", g.Due, want)
	}
}

func TestReminders_R16_NextDue(t *testing.T) {
	days := []int{7, 1}
	end := now.Add(10 * day)
	tests := []struct {
		name string
		g    Grant
		want *time.Time
	}{
		{"first threshold", Grant{EndTime: &end}, ptr(end.Add(-7 * day))},
		{"second threshold", Grant{EndTime: &end, Reminded: []int{7}}, ptr(end.Add(-1 * day))},
		{"expiry event", Grant{EndTime: &end, Reminded: []int{7, 1}}, &end},
		{"all done", Grant{EndTime: &end, Reminded: []int{7, 1}, ExpiryAnnounced: true}, nil},
		{"cancellation earlier", Grant{EndTime: &end, CancelAt: ptr(now.Add(2 * day))}, ptr(now.Add(2 * day))},
		{"cancellation on unlimited", Grant{CancelAt: ptr(now.Add(2 * day))}, ptr(now.Add(2 * day))},
		{"revoked", Grant{EndTime: &end, RevokedAt: ptr(now)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.g.NextDue(days)
			if (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(*tc.want)) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
