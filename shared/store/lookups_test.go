package store_test

import (
	"context"
	"testing"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

func TestLookups(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-look")
	api.Path = "/odd path/with#hash?q=1"
	putAPI(t, s, api)
	app := newApp("app-look", "ws1")
	putApp(t, s, app)

	appID, apiID, err := resolve(ctx, s, app.CodeHash, api.Path)
	if err != nil || appID != app.ID || apiID != api.ID {
		t.Fatalf("ResolveAppCode got %q %q %v", appID, apiID, err)
	}
	appID, apiID, err = resolve(ctx, s, "unknown", api.Path)
	if err != nil || appID != "" || apiID != api.ID {
		t.Fatalf("ResolveAppCode(unknown code) got %q %q %v", appID, apiID, err)
	}

	// Another API cannot take the path (R: Conflict.PathTaken); the owner may rewrite it.
	other := newAPI("api-look2")
	other.Path = api.Path
	err = s.Commit(ctx, access.Change{Op: "api.put", Writes: []access.Write{
		{API: &other, Cond: access.Cond{Kind: access.CondAbsent}},
		{Lookup: &access.Lookup{Kind: access.LookupPath, Value: other.Path, Target: other.ID},
			Cond: access.Cond{Kind: access.CondAbsentOrOwned}, OnFail: access.E("api.put", access.CodePathTaken, "taken")},
	}})
	wantCode(t, err, access.CodePathTaken)
	if _, err := s.GetAPI(ctx, other.ID); !access.IsCode(err, access.CodeNotFoundAPI) {
		t.Fatalf("the API with a taken path was written: %v", err)
	}
	putAPI(t, s, api)

	// Rotation: the old code stops working at once, the app keeps only the hash.
	rotated := app
	rotated.CodeHash, rotated.Version = "hash-new", 2
	mustCommit(t, s, access.Change{Op: "app.rotate", Writes: []access.Write{
		{App: &rotated, Cond: access.Cond{Kind: access.CondVersion, Version: 1}},
		{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: "hash-new", Target: app.ID}, Cond: access.Cond{Kind: access.CondAbsent}},
		{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: app.CodeHash, Target: app.ID},
			Cond: access.Cond{Kind: access.CondAbsentOrOwned}},
	}})
	if appID, _, _ := resolve(ctx, s, app.CodeHash, api.Path); appID != "" {
		t.Fatalf("old AppCode still resolves to %q", appID)
	}
	if appID, _, _ := resolve(ctx, s, "hash-new", api.Path); appID != app.ID {
		t.Fatalf("new AppCode resolves to %q", appID)
	}
	got, err := s.GetApp(ctx, app.ID)
	if err != nil || got.CodeHash != "hash-new" || got.Version != 2 {
		t.Fatalf("GetApp got %+v, %v", got, err)
	}
	_, err = s.GetApp(ctx, "nope")
	wantCode(t, err, access.CodeNotFoundApp)
}

func TestGrantRef_FollowsItsSlot(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-ref")
	putAPI(t, s, api)
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	mustCommit(t, s, createGrants(api, t0, g))
	g.RevokedAt = ptr(t0)
	// Revoking rewrites the grant; the store refreshes its GrantRef in the same change.
	g.Version = 2
	mustCommit(t, s, access.Change{Op: "revoke", Writes: []access.Write{{Grant: &g, Cond: access.Cond{Kind: access.CondVersion, Version: 1}}}})
	if got, err := s.GetGrant(ctx, access.APIResource(api.ID), g.ID); err != nil || got.RevokedAt == nil {
		t.Fatalf("GetGrant after revoke: %+v, %v", got, err)
	}
	// A new grant in the slot: the old id no longer reads it.
	next := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	next.ID = "g-next"
	mustCommit(t, s, createGrants(api, t0, next))
	_, err := s.GetGrant(ctx, access.APIResource(api.ID), g.ID)
	wantCode(t, err, access.CodeNotFoundGrant)
	if got, err := s.GetGrant(ctx, access.APIResource(api.ID), next.ID); err != nil || got.ID != next.ID {
		t.Fatalf("GetGrant(next) got %v, %v", got.ID, err)
	}
	// Deleting a grant (R4 cleanup) deletes its GrantRef too.
	mustCommit(t, s, access.Change{Op: "cleanup", Writes: []access.Write{{Action: access.ActionDelete, Grant: &next, Cond: access.Cond{Kind: access.CondExists}}}})
	_, err = s.GetGrant(ctx, access.APIResource(api.ID), next.ID)
	wantCode(t, err, access.CodeNotFoundGrant)
	err = s.Commit(ctx, access.Change{Op: "cleanup", Writes: []access.Write{{Action: access.ActionDelete, Grant: &next, Cond: access.Cond{Kind: access.CondExists}}}})
	wantCode(t, err, access.CodeConcurrent)
}

func TestStaleGrants(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-stale")
	api.Generation = 3
	for i, gen := range []int64{1, 3, 2, 1, 3, 2, 1} {
		g := newGrant(api, access.EnvProd, access.SubjectApp, "app"+string(rune('a'+i)), nil)
		g.Generation = gen
		putGrant(t, s, g)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := s.StaleGrants(ctx, access.APIResource(api.ID), 3, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("got %d grants, want at most 2", len(page))
		}
		for _, g := range page {
			if g.Generation >= 3 {
				t.Fatalf("grant %s of generation %d is not stale", g.ID, g.Generation)
			}
			got = append(got, g.Subject.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(got) != 5 {
		t.Fatalf("got %v, want the 5 stale grants once each", got)
	}
	if other, _, err := s.StaleGrants(ctx, access.APIResource("api-other"), 3, 2, ""); err != nil || len(other) != 0 {
		t.Fatalf("stale grants of an API with none: %v, %v", other, err)
	}
	_, next, err := s.StaleGrants(ctx, access.APIResource(api.ID), 3, 1, "")
	if err != nil || next == "" {
		t.Fatalf("want a cursor: %v", err)
	}
	_, _, err = s.StaleGrants(ctx, access.APIResource("api-other"), 3, 2, next)
	wantCode(t, err, access.CodeNextToken)
}

// resolve reads the AppCode and path lookups in one batch, as an authorization does.
func resolve(ctx context.Context, s *store.Store, codeHash, path string) (appID, apiID string, err error) {
	f, err := s.ReadCheck(ctx, access.CheckKeys{CodeHash: codeHash, Path: path})
	return f.AppByCode, f.APIByPath, err
}
