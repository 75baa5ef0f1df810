package access

import (
	"testing"
	"time"
)

func TestStatus_DerivedAtNow(t *testing.T) {
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	tests := []struct {
		name   string
		g      Grant
		gen    int64
		want   GrantStatus
		inForc bool
	}{
		{"unlimited", Grant{Generation: 1}, 1, StatusActive, true},
		{"limited in future", Grant{EndTime: &future, Generation: 1}, 1, StatusActive, true},
		{"expired at end_time == now", Grant{EndTime: ptr(now), Generation: 1}, 1, StatusExpired, false},
		{"expired before", Grant{EndTime: &past, Generation: 1}, 1, StatusExpired, false},
		{"one second before end", Grant{EndTime: ptr(now.Add(time.Second)), Generation: 1}, 1, StatusActive, true},
		{"cancellation pending", Grant{CancelAt: &future, Generation: 1}, 1, StatusCancellationPending, true},
		{"proxy cancellation pending", Grant{CancelAt: &future, CancelPermissions: []Permission{PermProxy}, Generation: 1}, 1, StatusCancellationPending, true},
		{"usage cancel_at == now revoked", Grant{CancelAt: ptr(now), Generation: 1}, 1, StatusRevoked, false},
		{"explicit usage cancel due", Grant{CancelAt: &past, CancelPermissions: []Permission{PermUsage}, Generation: 1}, 1, StatusRevoked, false},
		{"proxy-only cancellation due keeps active", Grant{CancelAt: ptr(now), CancelPermissions: []Permission{PermProxy}, Generation: 1}, 1, StatusActive, true},
		{"revoked tombstone", Grant{RevokedAt: &past, Generation: 1}, 1, StatusRevoked, false},
		{"revoked at now", Grant{RevokedAt: ptr(now), Generation: 1}, 1, StatusRevoked, false},
		{"generation mismatch", Grant{Generation: 1}, 2, StatusRevoked, false},
		{"generation mismatch beats active end", Grant{EndTime: &future, Generation: 3}, 4, StatusRevoked, false},
		{"expiry before pending cancel", Grant{EndTime: &past, CancelAt: &future, Generation: 1}, 1, StatusExpired, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.Status(now, tc.gen); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if got := tc.g.InForce(now, tc.gen); got != tc.inForc {
				t.Fatalf("in force: got %v, want %v", got, tc.inForc)
			}
		})
	}
}

func TestStatus_ExpiresAt(t *testing.T) {
	end, cancel := now.Add(48*time.Hour), now.Add(24*time.Hour)
	tests := []struct {
		name string
		g    Grant
		want *time.Time
	}{
		{"unlimited", Grant{}, nil},
		{"end only", Grant{EndTime: &end}, &end},
		{"usage cancel before end", Grant{EndTime: &end, CancelAt: &cancel}, &cancel},
		{"usage cancel on unlimited", Grant{CancelAt: &cancel}, &cancel},
		{"usage cancel after end", Grant{EndTime: &cancel, CancelAt: &end}, &cancel},
		{"proxy cancel not counted", Grant{EndTime: &end, CancelAt: &cancel, CancelPermissions: []Permission{PermProxy}}, &end},
		{"proxy cancel on unlimited", Grant{CancelAt: &cancel, CancelPermissions: []Permission{PermProxy}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.g.ExpiresAt()
			if (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(*tc.want)) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
