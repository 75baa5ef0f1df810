package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// grantsOn are n grants on r with ids that sort as they were made (as ULIDs do), each
// to an app of its own, and with fields of fieldBytes bytes (0: none).
func grantsOn(r access.Resource, n, fieldBytes int) []access.Grant {
	api := newAPI(r.ID)
	out := make([]access.Grant, n)
	for i := range out {
		g := newGrant(api, access.EnvProd, access.SubjectApp, fmt.Sprintf("app%04d", i), nil)
		g.ID, g.Resource = fmt.Sprintf("01J%s%05d", strings.ToUpper(r.ID), i), r
		if fieldBytes > 0 {
			g.Fields = []string{strings.Repeat("f", fieldBytes)}
		}
		out[i] = g
	}
	return out
}

// putGrants writes grants unconditionally, 25 to a transaction.
func putGrants(t *testing.T, s *store.Store, grants []access.Grant) {
	t.Helper()
	for len(grants) > 0 {
		n := min(len(grants), 25)
		c := access.Change{Op: "grant.put"}
		for i := range grants[:n] {
			c.Writes = append(c.Writes, access.Write{Grant: &grants[i]})
		}
		mustCommit(t, s, c)
		grants = grants[n:]
	}
}

// gsi3Partition is the GSI3 partition Commit indexes g under.
func gsi3Partition(t *testing.T, s *store.Store, g access.Grant) string {
	t.Helper()
	items, err := s.Footprint(access.Change{Op: "probe", Writes: []access.Write{{Grant: &g}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if ix, ok := it.Indexes[store.IndexGSI3]; ok {
			return ix[0]
		}
	}
	t.Fatalf("grant %s has no GSI3 entry", g.ID)
	return ""
}

// listAll pages through r's grants and returns the ids in the order listed, with each
// page's size; it fails when a page with a next token is short or the listing does not
// end.
func listAll(t *testing.T, s *store.Store, r access.Resource, pageSize int, next string) (ids []string, sizes []int) {
	t.Helper()
	for range 1000 {
		page, err := s.GrantsByResource(context.Background(), r, pageSize, next)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		for _, g := range page.Items {
			ids = append(ids, g.ID)
		}
		if next = page.Next; next == "" {
			return ids, sizes
		}
	}
	t.Fatal("the listing did not end")
	return nil, nil
}

// newestFirst are the ids of grants, greatest (newest) first.
func newestFirst(grants []access.Grant) []string {
	ids := make([]string, len(grants))
	for i, g := range grants {
		ids[i] = g.ID
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids
}

// wantPages are the page sizes of n items by size: full pages, then the rest (no empty
// last page when size divides n).
func wantPages(n, size int) []int {
	var out []int
	for ; n > size; n -= size {
		out = append(out, size)
	}
	return append(out, n)
}

// A resource's grants are spread over the GSI3 shards and list newest first across
// them: every grant once, every page full but the last, no token after the last.
func TestGrantsByResource_ShardedPagesNewestFirst(t *testing.T) {
	s := open(t)
	for _, tc := range []struct {
		name     string
		r        access.Resource
		grants   int
		pageSize int
	}{
		{"API, pages of 7 over 40 grants", access.APIResource("api-a"), 40, 7},
		{"API, the last page ends exactly at the last grant", access.APIResource("api-b"), 40, 10},
		{"API, one page exactly", access.APIResource("api-c"), 12, 12},
		{"API, pages of 1", access.APIResource("api-d"), 6, 1},
		{"API, one page with room to spare", access.APIResource("api-e"), 5, 100},
		{"unit, pages of 4 over 13 grants", access.UnitResource("unit-a"), 13, 4},
		{"no grants", access.APIResource("api-none"), 0, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grants := grantsOn(tc.r, tc.grants, 0)
			putGrants(t, s, grants)
			shards := map[string]bool{}
			for _, g := range grants {
				shards[gsi3Partition(t, s, g)] = true
			}
			if tc.grants >= 40 && len(shards) != store.GrantShards {
				t.Fatalf("%d grants in %d GSI3 partitions, want all %d shards", tc.grants, len(shards), store.GrantShards)
			}
			ids, sizes := listAll(t, s, tc.r, tc.pageSize, "")
			if want := newestFirst(grants); !slices.Equal(ids, want) {
				t.Fatalf("got %v, want every grant once, newest first: %v", ids, want)
			}
			if want := wantPages(tc.grants, tc.pageSize); !slices.Equal(sizes, want) {
				t.Fatalf("got page sizes %v, want %v", sizes, want)
			}
		})
	}
}

// Grants indexed before GSI3 was sharded sit in the unsharded partition
// "<resource>#GRANTS#"; they list with the sharded ones, in one order.
func TestGrantsByResource_ReadsLegacyPartition(t *testing.T) {
	t.Parallel()
	tbl := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }})
	ctx := context.Background()
	r := access.APIResource("api-legacy")
	grants := grantsOn(r, 30, 0)
	putGrants(t, tbl.Store, grants)
	// Every third grant becomes an item of before the shards: the same item, indexed
	// under the unsharded partition.
	legacy := 0
	for i := 0; i < len(grants); i += 3 {
		k := map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "API#" + r.ID},
			"SK": &ddbtypes.AttributeValueMemberS{Value: "GRANT#PROD#APP#" + grants[i].Subject.ID},
		}
		got, err := tbl.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name), Key: k, ConsistentRead: aws.Bool(true)})
		if err != nil || got.Item == nil {
			t.Fatalf("get grant %s: %v", grants[i].ID, err)
		}
		// Footprint (the capacity model's writes) names the partition Commit wrote.
		if pk, want := got.Item["GSI3PK"], gsi3Partition(t, tbl.Store, grants[i]); pk.(*ddbtypes.AttributeValueMemberS).Value != want {
			t.Fatalf("grant %s: stored under GSI3 %v, Footprint says %s", grants[i].ID, pk, want)
		}
		got.Item["GSI3PK"] = &ddbtypes.AttributeValueMemberS{Value: "API#" + r.ID + "#GRANTS#"}
		if _, err := tbl.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: got.Item}); err != nil {
			t.Fatal(err)
		}
		legacy++
	}
	for _, size := range []int{1, 4, 10, 30, 100} {
		t.Run(fmt.Sprintf("pages of %d", size), func(t *testing.T) {
			ids, sizes := listAll(t, tbl.Store, r, size, "")
			if want := newestFirst(grants); !slices.Equal(ids, want) {
				t.Fatalf("got %v, want the %d legacy and %d sharded grants once each, newest first: %v", ids, legacy, len(grants)-legacy, want)
			}
			if want := wantPages(len(grants), size); !slices.Equal(sizes, want) {
				t.Fatalf("got page sizes %v, want %v", sizes, want)
			}
		})
	}
}

// A shard whose next entries pass DynamoDB's 1 MB a query cuts its query short: the
// page stops above what that shard did not read, and the next page goes on from there.
func TestGrantsByResource_ShardCutShortBy1MB(t *testing.T) {
	s := open(t)
	r := access.APIResource("api-big")
	var grants []access.Grant
	big := grantsOn(r, 160, 30_000) // ~30 KB each: about 34 fit in 1 MB
	crowded := gsi3Partition(t, s, big[0])
	for _, g := range big {
		if gsi3Partition(t, s, g) == crowded {
			grants = append(grants, g)
		}
	}
	if len(grants) < 36 {
		t.Fatalf("only %d of 160 grants share a shard; want more than fit in 1 MB", len(grants))
	}
	// Small grants in the other shards, with ids between the big ones.
	for i, g := range grantsOn(r, 160, 0) {
		if gsi3Partition(t, s, g) != crowded && i%4 == 0 {
			grants = append(grants, g)
		}
	}
	putGrants(t, s, grants)
	ids, sizes := listAll(t, s, r, 100, "")
	if want := newestFirst(grants); !slices.Equal(ids, want) {
		t.Fatalf("got %d grants %v, want %d once each, newest first: %v", len(ids), ids, len(want), want)
	}
	if len(sizes) < 2 {
		t.Fatalf("got page sizes %v, want the 1 MB limit to end the first page early", sizes)
	}
}

// A token of the listing before the shards (the GSI3 key of the last grant returned)
// goes on where it left off; a token is bound to its resource either way.
func TestGrantsByResource_TokensBoundToResource(t *testing.T) {
	s := open(t)
	r, other := access.APIResource("api-tok"), access.APIResource("api-tok-other")
	grants := grantsOn(r, 12, 0)
	putGrants(t, s, grants)
	putGrants(t, s, grantsOn(other, 3, 0))
	want := newestFirst(grants)
	unsharded := func(res access.Resource, after string) string {
		b, _ := json.Marshal(map[string]string{
			"l": "grants", "p": "API#" + res.ID, "s": "GRANT#PROD#APP#app0001",
			"ip": "API#" + res.ID + "#GRANTS#", "is": after,
		})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	first, err := s.GrantsByResource(context.Background(), r, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
		want  []string // the ids listed from token on; nil: the token is refused
	}{
		{"own token", first.Next, want[5:]},
		{"token of the unsharded listing", unsharded(r, want[3]), want[4:]},
		{"token of the unsharded listing of another API", unsharded(other, want[3]), nil},
		{"token of another API", forge(first.Next, "API#"+other.ID+"#GRANTS#"), nil},
		{"unsharded token without its index key", unsharded(r, ""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				_, err := s.GrantsByResource(context.Background(), r, 5, tc.token)
				wantCode(t, err, access.CodeNextToken)
				return
			}
			ids, _ := listAll(t, s, r, 5, tc.token)
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
		})
	}
}
