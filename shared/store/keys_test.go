package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

func TestKeys_TrailingDelimiters(t *testing.T) {
	for _, tc := range []struct{ name, short, long string }{
		{"subject", subjectGSI1PK(access.Subject{Type: access.SubjectApp, ID: "u1"}), subjectGSI1PK(access.Subject{Type: access.SubjectApp, ID: "u10"})},
		{"user subject", subjectGSI1PK(access.Subject{Type: access.SubjectUser, ID: "u1", TenantID: "t"}), subjectGSI1PK(access.Subject{Type: access.SubjectUser, ID: "u10", TenantID: "t"})},
		{"unit grants", grantsPartition(access.UnitResource("u1")), grantsPartition(access.UnitResource("u10"))},
		{"unit grant shard", grantShard(access.UnitResource("u1"), 0), grantShard(access.UnitResource("u10"), 0)},
		{"workspace units", unitGSI1("t", "u1", "").PK, unitGSI1("t", "u10", "").PK},
		{"workspace of a tenant", wsPartition("t1", "w"), wsPartition("t10", "w")},
		{"workspace subject", subjectGSI1PK(access.Subject{Type: access.SubjectWorkspace, ID: "w1", TenantID: "t"}), subjectGSI1PK(access.Subject{Type: access.SubjectWorkspace, ID: "w10", TenantID: "t"})},
		{"unit audit", auditPartition(ScopeUnit, "u1"), auditPartition(ScopeUnit, "u10")},
		{"audit", auditPartition(ScopeAPI, "u1"), auditPartition(ScopeAPI, "u10")},
		{"requests of an app", requestGSI2PK("u1"), requestGSI2PK("u10")},
		{"workspace requests", requestGSI1PK("t", "u1", access.RequestPending), requestGSI1PK("t", "u10", access.RequestPending)},
	} {
		if strings.HasPrefix(tc.long, tc.short) {
			t.Errorf("%s: %q is a prefix of %q", tc.name, tc.short, tc.long)
		}
	}
}

// The item layout of docs/design.md: API grant keys are as before resources existed,
// so that stored grants keep their slots.
func TestKeys_GrantSlots(t *testing.T) {
	user := access.Subject{Type: access.SubjectUser, ID: "alice@x", TenantID: "t1"}
	ws := access.Subject{Type: access.SubjectWorkspace, ID: "w1", TenantID: "t1"}
	for _, tc := range []struct {
		name     string
		slot     access.GrantKey
		key, gsi key
		gsi3     string
	}{
		{"API grant to a workspace", access.SlotOf(access.APIResource("a"), access.EnvProd, ws),
			key{"API#a", "GRANT#PROD#WS#t1#w1"}, key{"SUBJ#WS#t1#w1#", "API#a#PROD"}, "API#a#GRANTS#"},
		{"API grant to a user", access.SlotOf(access.APIResource("a"), access.EnvDev, user),
			key{"API#a", "GRANT#DEV#USER#t1#alice@x"}, key{"SUBJ#USER#t1#alice@x#", "API#a#DEV"}, "API#a#GRANTS#"},
		{"unit grant to a user", access.SlotOf(access.UnitResource("u"), access.EnvProd, user),
			key{"UNIT#u", "GRANT#PROD#USER#t1#alice@x"}, key{"SUBJ#USER#t1#alice@x#", "UNIT#u#PROD"}, "UNIT#u#GRANTS#"},
		{"app grant (no env)", access.SlotOf(access.AppResource("p"), access.EnvProd, user),
			key{"APP#p", "GRANT#USER#t1#alice@x"}, key{"SUBJ#USER#t1#alice@x#", "APP#p"}, "APP#p#GRANTS#"},
	} {
		if got := grantKey(tc.slot); got != tc.key {
			t.Errorf("%s: got key %v, want %v", tc.name, got, tc.key)
		}
		if got := grantGSI1(tc.slot); got != tc.gsi {
			t.Errorf("%s: got GSI1 %v, want %v", tc.name, got, tc.gsi)
		}
		if got := grantsPartition(tc.slot.Resource); got != tc.gsi3 {
			t.Errorf("%s: got GSI3 partition %v, want %v", tc.name, got, tc.gsi3)
		}
	}
	// A user's tenant and sub are escaped: ("a#b", "c") and ("a", "b#c") differ.
	a := grantKey(access.SlotOf(access.APIResource("a"), access.EnvProd, access.Subject{Type: access.SubjectUser, ID: "c", TenantID: "a#b"}))
	b := grantKey(access.SlotOf(access.APIResource("a"), access.EnvProd, access.Subject{Type: access.SubjectUser, ID: "b#c", TenantID: "a"}))
	if a == b {
		t.Errorf("two users share slot %v", a)
	}
}

// A grant's GSI3 entry goes to one of its resource's shards, "<partition>NN", by its id
// alone, and the grants of one resource use every shard; a listing reads the shards and
// then the unsharded partition.
func TestKeys_GrantGSI3Shards(t *testing.T) {
	for _, r := range []access.Resource{access.APIResource("a"), access.UnitResource("u"), access.AppResource("p")} {
		t.Run(string(r.Type), func(t *testing.T) {
			base := grantsPartition(r)
			parts := grantsPartitions(r)
			if len(parts) != GrantShards+1 || parts[GrantShards] != base {
				t.Fatalf("got partitions %v, want %d shards then %q", parts, GrantShards, base)
			}
			used := map[string]int{}
			for i := range 200 {
				id := fmt.Sprintf("01J%023d", i)
				k := grantGSI3(r, id)
				if k.SK != id || k != grantGSI3(r, id) {
					t.Fatalf("grant %s: got %v, want the same shard each time and the id as sort key", id, k)
				}
				if n := slices.Index(parts[:GrantShards], k.PK); n < 0 {
					t.Fatalf("grant %s: got partition %q, want one of the shards %v", id, k.PK, parts[:GrantShards])
				}
				used[k.PK]++
			}
			if len(used) != GrantShards {
				t.Fatalf("200 grants used %d shards (%v), want all %d", len(used), used, GrantShards)
			}
			if got, want := grantShard(r, 3), base+"03"; got != want {
				t.Fatalf("got shard 3 %q, want %q", got, want)
			}
		})
	}
}

func TestKeys_EscapeIsInjective(t *testing.T) {
	pairs := [][2]string{{"a#b", "c"}, {"a", "b#c"}, {"a%23b", "c"}, {"a%", "23b#c"}}
	seen := map[key]int{}
	for i, p := range pairs {
		k := idemKey("t", p[0], p[1])
		if j, dup := seen[k]; dup {
			t.Errorf("pairs %v and %v share key %v", pairs[j], p, k)
		}
		seen[k] = i
	}
}

func TestKeys_SortTimeOrdersAsTime(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 5, 0, time.UTC)
	times := []time.Time{base, base.Add(time.Nanosecond), base.Add(100 * time.Millisecond), base.Add(time.Second)}
	for i := 1; i < len(times); i++ {
		if a, b := fmtSortTime(times[i-1]), fmtSortTime(times[i]); a >= b {
			t.Errorf("got %s >= %s, want ascending", a, b)
		}
	}
	// The upper bound of a Due window sorts after every key at that instant.
	if sk := dueGSI2(base, key{"API#x", "GRANT#PROD#APP#y"}).SK; sk >= fmtSortTime(base)+dueUpper {
		t.Errorf("GSI2 sort key %s is beyond the window bound", sk)
	}
}

func TestMillisRounding(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 1500, time.UTC) // 1.5 µs past a millisecond
	if ceilMillis(at) != floorMillis(at)+1 {
		t.Errorf("got ceil %d floor %d", ceilMillis(at), floorMillis(at))
	}
	exact := time.UnixMilli(1_900_000_000_000)
	if ceilMillis(exact) != floorMillis(exact) {
		t.Errorf("an exact millisecond rounds both ways to itself")
	}
}

func TestCursor_Decode(t *testing.T) {
	l := listing{name: "grants", pk: "API#a", skPrefix: "GRANT#"}
	tok := l.encode(key{"API#a", "GRANT#PROD#APP#x"}.av())
	if k, err := l.decode("op", tok); err != nil || k == nil {
		t.Fatalf("own token: %v", err)
	}
	for _, tc := range []struct{ name, tok string }{
		{"other partition", l.encode(key{"API#b", "GRANT#PROD#APP#x"}.av())},
		{"other sort key", l.encode(key{"API#a", "META"}.av())},
		{"other listing", listing{name: "stale", pk: "API#a", skPrefix: "GRANT#"}.encode(key{"API#a", "GRANT#x"}.av())},
		{"not base64", "%%%"},
		{"not json", "bm90IGpzb24"},
	} {
		_, err := l.decode("op", tc.tok)
		if !access.IsCode(err, access.CodeNextToken) {
			t.Errorf("%s: got %v, want %s", tc.name, err, access.CodeNextToken)
		}
	}
}

func TestCommitErr_Reasons(t *testing.T) {
	exists := access.E("", access.CodeGrantExists, "exists")
	items := []txItem{{}, {onFail: exists}, {}}
	cancel := func(codes ...string) error {
		tc := &ddbtypes.TransactionCanceledException{Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]")}
		return tc
	}
	withReasons := &ddbtypes.TransactionCanceledException{CancellationReasons: []ddbtypes.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("ConditionalCheckFailed")}, {Code: aws.String("None")},
	}}
	for _, tc := range []struct {
		name      string
		err       error
		wantCode  string
		wantRetry bool
	}{
		{"reasons in the structure", withReasons, access.CodeGrantExists, false},
		{"reasons in the message", cancel("None", "ConditionalCheckFailed", "None"), access.CodeGrantExists, false},
		{"write without OnFail", cancel("ConditionalCheckFailed", "None", "None"), access.CodeConcurrent, false},
		{"conflict", cancel("None", "TransactionConflict", "None"), access.CodeConcurrent, true},
		{"throttled", cancel("ThrottlingError", "None", "None"), access.CodeThrottling, false},
		{"throughput", cancel("None", "ProvisionedThroughputExceeded", "None"), access.CodeThrottling, false},
		{"condition wins over conflict", cancel("TransactionConflict", "ConditionalCheckFailed", "None"), access.CodeGrantExists, false},
		{"single-item shape", &ddbtypes.ConditionalCheckFailedException{}, access.CodeConcurrent, false},
		{"throttled operation", &ddbtypes.ProvisionedThroughputExceededException{}, access.CodeThrottling, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err, retry := commitErr("grant.create", items, tc.err)
			if !access.IsCode(err, tc.wantCode) || retry != tc.wantRetry {
				t.Fatalf("got %v (retry %v), want %s (retry %v)", err, retry, tc.wantCode, tc.wantRetry)
			}
			if e := err.(*access.Error); e.Op != "grant.create" {
				t.Fatalf("got op %q, want grant.create", e.Op)
			}
		})
	}
	if exists.Op != "" {
		t.Fatal("commitErr changed the caller's OnFail")
	}
}
