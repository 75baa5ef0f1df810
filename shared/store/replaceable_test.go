package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatepass/shared/access"
)

// TestCondReplaceable_R3_IsNotOccupies ties R3's rule, written twice, to one table: the
// transaction's condition that a grant slot may take a new grant (CondReplaceable, in
// DynamoDB's expression language) holds exactly when the slot's grant does not occupy it
// in Go (Grant.Occupies: ACTIVE, CANCELLATION_PENDING or SCHEDULED), for every mix of
// end, revocation, pending cancellation (of USAGE or PROXY alone), start and API
// generation at the instants around now.
func TestCondReplaceable_R3_IsNotOccupies(t *testing.T) {
	s := open(t)
	api := newAPI("r3")
	now := t0
	ms := time.Millisecond
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	ends := []*time.Time{nil, at(-ms), at(0), at(ms)}
	revokes := []*time.Time{nil, at(0)}
	type cancel struct {
		at   *time.Time
		perm access.Permission
	}
	cancels := []cancel{{}, {at(-ms), access.PermUsage}, {at(0), access.PermUsage}, {at(ms), access.PermUsage}, {at(0), access.PermProxy}}
	starts := []*time.Time{nil, at(-ms), at(ms)}
	gens := []int64{1, 2}

	type tc struct {
		name string
		g    access.Grant
	}
	var cases []tc
	for _, end := range ends {
		for _, rev := range revokes {
			for _, c := range cancels {
				for _, start := range starts {
					for _, gen := range gens {
						// What no path writes: an end at or before the start, a
						// cancellation pending on a grant not yet started (R25 revokes it
						// at once).
						if start != nil && start.After(now) && (c.at != nil || end != nil && !end.After(*start)) {
							continue
						}
						n := len(cases)
						g := newGrant(api, access.EnvProd, access.SubjectApp, fmt.Sprintf("app-%d", n), end)
						g.Permissions = []access.Permission{access.PermUsage, access.PermProxy}
						g.RevokedAt, g.StartTime, g.Generation = rev, start, gen
						g.CreatedAt = now.Add(-time.Hour)
						if c.at != nil {
							g.CancelAt, g.CancelPermissions = c.at, []access.Permission{c.perm}
						}
						cases = append(cases, tc{fmt.Sprintf("end=%v revoked=%v cancel=%v/%s start=%v gen=%d", rel(end, now), rel(rev, now), rel(c.at, now), c.perm, rel(start, now), gen), g})
					}
				}
			}
		}
	}
	work := make(chan tc)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for c := range work {
				if err := s.Commit(context.Background(), access.Change{Op: "r3.put", Writes: []access.Write{{Grant: &c.g}}}); err != nil {
					t.Errorf("%s: put: %v", c.name, err)
					continue
				}
				next := newGrant(api, access.EnvProd, access.SubjectApp, c.g.Subject.ID, nil)
				next.ID = c.g.ID + "-next"
				err := s.Commit(context.Background(), access.Change{Op: "r3", Writes: []access.Write{{
					Grant: &next, Cond: access.Cond{Kind: access.CondReplaceable, Now: now, Generation: api.Generation},
					OnFail: access.E("r3", access.CodeGrantExists, "occupied"),
				}}})
				occupied := c.g.Occupies(now, api.Generation)
				switch {
				case err != nil && !access.IsCode(err, access.CodeGrantExists):
					t.Errorf("%s: %v", c.name, err)
				case occupied != (err != nil):
					t.Errorf("%s: status %s, Occupies %v, but the condition refused=%v", c.name, c.g.Status(now, api.Generation), occupied, err != nil)
				}
			}
		})
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
}

// rel shows an instant relative to now (none for nil).
func rel(v *time.Time, now time.Time) string {
	if v == nil {
		return "none"
	}
	return v.Sub(now).String()
}
