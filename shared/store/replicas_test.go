package store_test

import (
	"context"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// An API's copies are items of the same transaction as the API item: every Put of an
// API plans APIReplicas copies next to it, carrying the same attributes.
func TestAPIReplicas_WrittenInTheAPIsTransaction(t *testing.T) {
	s := store.New(nil, "plan-only", store.Options{})
	api := newAPI("api-rep")
	items, err := s.Footprint(access.Change{Op: "api.put", Writes: []access.Write{{API: &api}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1+store.APIReplicas {
		t.Fatalf("one API put plans %d items, want the item and its %d copies", len(items), store.APIReplicas)
	}
	copies := map[string]bool{}
	for _, it := range items[1:] {
		if it.Kind != store.WritePut || it.SK != "META" || len(it.Indexes) != 0 || it.Bytes < items[0].Bytes-100 {
			t.Fatalf("copy %+v: want an unindexed put of the whole item", it)
		}
		copies[it.PK] = true
	}
	if len(copies) != store.APIReplicas {
		t.Fatalf("%d distinct copies, want %d", len(copies), store.APIReplicas)
	}
}

// R1 is checked on a copy: once the API is unpublished, a grant's condition check
// fails whichever copy it lands on, because no copy can lag the item.
func TestAPIReplicas_ConditionCheckSeesEveryChange(t *testing.T) {
	t.Parallel()
	const copies = 4
	s := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }, Copies: store.Copies{API: copies, App: 1, Lookup: 1}}).Store
	ctx := context.Background()
	api := newAPI("api-rep-check")
	putAPI(t, s, api)
	api, err := s.GetAPI(ctx, api.ID)
	if err != nil || api.Replicas != copies {
		t.Fatalf("read back: replicas %d, %v", api.Replicas, err)
	}
	published := access.Write{Action: access.ActionCheck, API: &api, Cond: access.Cond{Kind: access.CondPublished, Generation: api.Generation},
		OnFail: access.E("grant.create", access.CodeAPINotPublished, "not published")}
	for i := range 8 {
		g := newGrant(api, access.EnvProd, access.SubjectApp, "app-before-"+string(rune('a'+i)), nil)
		if err := s.Commit(ctx, access.Change{Op: "grant.create", Writes: []access.Write{published, {Grant: &g}}}); err != nil {
			t.Fatalf("grant %d while published: %v", i, err)
		}
	}
	next := api
	next.Status, next.Generation, next.Version = access.APIUnpublished, api.Generation+1, api.Version+1
	mustCommit(t, s, access.Change{Op: "api.put", Writes: []access.Write{{API: &next, Cond: access.Cond{Kind: access.CondVersion, Version: api.Version}}}})
	for range 8 * copies { // a random copy each time: every copy is hit with high probability
		g := newGrant(api, access.EnvProd, access.SubjectApp, "app-after", nil)
		err := s.Commit(ctx, access.Change{Op: "grant.create", Writes: []access.Write{published, {Grant: &g}}})
		wantCode(t, err, access.CodeAPINotPublished)
	}
}

// An app and its lookups are copied the same way: a rotation of an AppCode puts the app
// and the new lookup and deletes the old one, each with all its copies, in one change.
func TestAppAndLookupReplicas_WrittenAndDeletedWithTheItem(t *testing.T) {
	s := store.New(nil, "plan-only", store.Options{})
	app := newApp("app-rep", "ws1")
	items, err := s.Footprint(access.Change{Op: "app.rotate", Writes: []access.Write{
		{App: &app},
		{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: "old-hash", Target: app.ID}},
		{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: "new-hash", Target: app.ID}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	count := map[store.WriteKind]int{}
	for _, it := range items {
		count[it.Kind]++
	}
	if want := 1 + store.AppReplicas + 1 + store.LookupReplicas; count[store.WritePut] != want {
		t.Fatalf("%d puts, want the app, the new lookup and all their copies: %d", count[store.WritePut], want)
	}
	if want := 1 + store.LookupReplicas; count[store.WriteDelete] != want {
		t.Fatalf("%d deletes, want the old lookup and its copies: %d", count[store.WriteDelete], want)
	}
}

// A copy never lags its item: a change whose condition fails leaves the item and every
// copy as they were, and a committed one changes them all at once. Every read picks a
// copy at random; 64 reads of 4 copies reach each one (a miss has odds of about 1e-8).
func TestReplicas_NoCopyLagsItsItem(t *testing.T) {
	t.Parallel()
	const copies = 4
	s := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }, Copies: store.Copies{API: copies, App: copies, Lookup: copies}}).Store
	ctx := context.Background()
	app := newApp("app-lag", "ws1")
	putApp(t, s, app)
	rotate := func(version int64) error {
		next := app
		next.CodeHash, next.Version = "hash-rotated", app.Version+1
		return s.Commit(ctx, access.Change{Op: "app.rotate", Writes: []access.Write{
			{App: &next, Cond: access.Cond{Kind: access.CondVersion, Version: version}},
			{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: next.CodeHash, Target: app.ID}, Cond: access.Cond{Kind: access.CondAbsent}},
			{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: app.CodeHash, Target: app.ID}},
		}})
	}
	every := func(version int64, oldCode, newCode string) {
		t.Helper()
		for range 64 {
			f, err := s.ReadCheck(ctx, access.CheckKeys{AppID: app.ID, CodeHash: app.CodeHash})
			if err != nil || f.App == nil || f.App.Version != version || f.AppByCode != oldCode {
				t.Fatalf("got app %+v, old code → %q, %v; want version %d, old code → %q", f.App, f.AppByCode, err, version, oldCode)
			}
			f, err = s.ReadCheck(ctx, access.CheckKeys{CodeHash: "hash-rotated"})
			if err != nil || f.AppByCode != newCode {
				t.Fatalf("new code → %q, %v; want %q", f.AppByCode, err, newCode)
			}
		}
	}
	if err := rotate(app.Version + 7); access.ErrorKind(err) != access.Conflict {
		t.Fatalf("rotation on a stale version: got %v, want a conflict", err)
	}
	every(app.Version, app.ID, "")
	if err := rotate(app.Version); err != nil {
		t.Fatal(err)
	}
	every(app.Version+1, "", app.ID)
}
