package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

// An API's audit log is spread over its shards, and pages through all of them newest
// first, each entry once.
func TestAudit_ShardedLogPagesNewestFirst(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api, other := newAPI("api-audit-shards"), newAPI("api-audit-other")
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	var entries []access.AuditEntry
	partitions := map[string]bool{}
	for i := range 30 {
		e := auditFor(g, access.EventGrantChanged, t0.Add(time.Duration(i)*time.Second))
		entries = append(entries, e)
		items, err := s.Footprint(access.Change{Op: "probe", Audit: []access.AuditEntry{e}})
		if err != nil {
			t.Fatal(err)
		}
		partitions[items[0].PK] = true
	}
	mustCommit(t, s, access.Change{Op: "audit", Audit: entries})
	og := newGrant(other, access.EnvProd, access.SubjectApp, "app1", nil)
	mustCommit(t, s, access.Change{Op: "audit", Audit: []access.AuditEntry{auditFor(og, access.EventGrantChanged, t0)}})
	if len(partitions) < store.AuditShards-1 {
		t.Fatalf("30 entries of one API in %d partitions, want them spread over %d shards", len(partitions), store.AuditShards)
	}
	var got []string
	next := ""
	for {
		page, err := s.Audit(ctx, store.ScopeAPI, api.ID, 7, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if page.Next == "" {
			break
		}
		if len(page.Items) != 7 {
			t.Fatalf("a page with a next token has %d items, want 7", len(page.Items))
		}
		next = page.Next
	}
	var want []string
	for i := len(entries) - 1; i >= 0; i-- {
		want = append(want, entries[i].ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want every entry once, newest first: %v", got, want)
	}
	first, _ := s.Audit(ctx, store.ScopeAPI, api.ID, 5, "")
	_, err := s.Audit(ctx, store.ScopeAPI, other.ID, 5, first.Next)
	wantCode(t, err, access.CodeNextToken)
}
