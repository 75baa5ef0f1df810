package store_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

func TestCommit_IdempotencyRecord(t *testing.T) {
	tbl := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }})
	s := tbl.Store
	ctx := context.Background()
	api := newAPI("api-idem")
	putAPI(t, s, api)
	rec := access.IdempotencyRecord{TenantID: tenant, Sub: "u#1", Key: "k1", RequestHash: "h", Answer: []byte(`{"ok":true}`), CreatedAt: t0}
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	c := createGrants(api, t0, g)
	c.Idem = &rec
	mustCommit(t, s, c)

	got, err := s.GetIdempotency(ctx, tenant, "u#1", "k1")
	if err != nil || string(got.Answer) != `{"ok":true}` || got.RequestHash != "h" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("GetIdempotency got %+v, %v", got, err)
	}
	// ("u", "#1#k1") must not read ("u#1", "k1").
	_, err = s.GetIdempotency(ctx, tenant, "u", "1#k1")
	wantCode(t, err, store.CodeNotFoundIdempotency)

	// The same key again, in flight: the whole change fails with RequestInProgress.
	g2 := newGrant(api, access.EnvDev, access.SubjectApp, "app1", nil)
	c2 := createGrants(api, t0, g2)
	c2.Idem = &rec
	err = s.Commit(ctx, c2)
	wantCode(t, err, access.CodeRequestInProgress)
	if access.ErrorKind(err) != access.Conflict {
		t.Fatalf("got kind %v, want conflict", access.ErrorKind(err))
	}
	if _, err := s.GetGrantAt(ctx, g2.Key()); !access.IsCode(err, access.CodeNotFoundGrant) {
		t.Fatalf("the change with a taken key wrote its grant: %v", err)
	}

	// After 24 hours the record counts as absent and may be replaced, TTL or not.
	later := store.New(tbl.DB, tbl.Name, store.Options{Now: func() time.Time { return t0.Add(25 * time.Hour) }})
	_, err = later.GetIdempotency(ctx, tenant, "u#1", "k1")
	wantCode(t, err, store.CodeNotFoundIdempotency)
	rec2 := rec
	rec2.CreatedAt = t0.Add(25 * time.Hour)
	mustCommit(t, later, access.Change{Op: "again", Idem: &rec2})
}

func TestCommit_Items(t *testing.T) {
	tbl := storetest.Open(t, store.Options{GrantRetention: time.Hour})
	ctx := context.Background()
	api := newAPI("api-items")
	end := t0.Add(48 * time.Hour)
	limited := newGrant(api, access.EnvProd, access.SubjectApp, "limited", &end)
	unlimited := newGrant(api, access.EnvProd, access.SubjectApp, "unlimited", nil)
	revoked := newGrant(api, access.EnvProd, access.SubjectApp, "revoked", nil)
	revoked.RevokedAt = ptr(t0)
	cancelled := newGrant(api, access.EnvProd, access.SubjectApp, "cancelled", &end)
	cancelled.CancelAt = ptr(t0.Add(time.Hour))
	proxyOnly := newGrant(api, access.EnvProd, access.SubjectApp, "proxy-only", nil)
	proxyOnly.CancelAt, proxyOnly.CancelPermissions = ptr(t0.Add(time.Hour)), []access.Permission{access.PermProxy}
	putGrant(t, tbl.Store, limited, unlimited, revoked, cancelled, proxyOnly)
	mustCommit(t, tbl.Store, access.Change{Op: "audit", Audit: []access.AuditEntry{auditFor(limited, access.EventGrantCreated, t0)}})

	for _, tc := range []struct {
		name    string
		pk, sk  string
		typ     string
		wantTTL int64 // 0: none
	}{
		{"limited grant", "API#api-items", "GRANT#PROD#APP#limited", store.TypeGrant, end.Add(time.Hour).Unix()},
		{"its GrantRef", "GRANTID#" + limited.ID, "META", store.TypeGrantRef, end.Add(time.Hour).Unix()},
		{"unlimited grant", "API#api-items", "GRANT#PROD#APP#unlimited", store.TypeGrant, 0},
		{"revoked grant", "API#api-items", "GRANT#PROD#APP#revoked", store.TypeGrant, t0.Add(time.Hour).Unix()},
		{"cancelled grant", "API#api-items", "GRANT#PROD#APP#cancelled", store.TypeGrant, t0.Add(2 * time.Hour).Unix()},
		{"proxy-only cancellation", "API#api-items", "GRANT#PROD#APP#proxy-only", store.TypeGrant, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			item := rawItem(t, tbl, tc.pk, tc.sk)
			var got struct {
				Type string `dynamodbav:"type"`
				TTL  int64  `dynamodbav:"ttl"`
			}
			if err := attributevalue.UnmarshalMap(item, &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != tc.typ || got.TTL != tc.wantTTL {
				t.Fatalf("got type %s ttl %d, want %s ttl %d", got.Type, got.TTL, tc.typ, tc.wantTTL)
			}
		})
	}
	out := &dynamodb.QueryOutput{} // the entry is in one of the log's shards
	for n := range store.AuditShards {
		expr, err := expression.NewBuilder().
			WithKeyCondition(expression.Key("PK").Equal(expression.Value(fmt.Sprintf("AUDIT#API#api-items#%d", n)))).Build()
		if err != nil {
			t.Fatal(err)
		}
		res, err := tbl.DB.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(tbl.Name), KeyConditionExpression: expr.KeyCondition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		})
		if err != nil {
			t.Fatal(err)
		}
		out.Items = append(out.Items, res.Items...)
	}
	if len(out.Items) != 1 {
		t.Fatalf("audit items: %v", out.Items)
	}
	e, err := store.DecodeAudit(out.Items[0])
	if err != nil || e.GrantID != limited.ID || e.Subject == nil || e.Subject.ID != "limited" {
		t.Fatalf("DecodeAudit got %+v, %v", e, err)
	}
	if ttl := out.Items[0]["ttl"]; ttl == nil {
		t.Fatal("audit item has no ttl")
	}
	if _, err := store.DecodeAudit(rawItem(t, tbl, "API#api-items", "GRANT#PROD#APP#limited")); err == nil {
		t.Fatal("DecodeAudit took a grant item")
	}
}

func TestCommit_Refused(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-big")
	var grants []access.Grant
	for i := range 40 { // 1 check + 40 × (grant, ref) + 40 audit entries > 100
		grants = append(grants, newGrant(api, access.EnvProd, access.SubjectApp, "app"+strconv.Itoa(i), nil))
	}
	err := s.Commit(ctx, createGrants(api, t0, grants...))
	wantCode(t, err, access.CodeInternal)

	g := newGrant(api, access.EnvProd, access.SubjectApp, "twice", nil)
	err = s.Commit(ctx, access.Change{Op: "twice", Writes: []access.Write{{Grant: &g}, {Grant: &g}}})
	wantCode(t, err, access.CodeInternal)
	err = s.Commit(ctx, access.Change{Op: "empty-write", Writes: []access.Write{{}}})
	wantCode(t, err, access.CodeInternal)
}

func TestStore_Unavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{},
	})
	s := store.New(db, "t", store.Options{})
	_, err = s.GetAPI(context.Background(), "a")
	wantCode(t, err, access.CodeUnavailable)
	err = s.Commit(context.Background(), access.Change{Op: "x", Audit: []access.AuditEntry{{ID: "1", APIID: "a", At: t0}}})
	wantCode(t, err, access.CodeUnavailable)
}

func rawItem(t *testing.T, tbl *storetest.Table, pk, sk string) map[string]ddbtypes.AttributeValue {
	t.Helper()
	out, err := tbl.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(tbl.Name), Key: mustAV(map[string]string{"PK": pk, "SK": sk}), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		t.Fatalf("get %s %s: %v (found %v)", pk, sk, err, out != nil && out.Item != nil)
	}
	return out.Item
}

func mustAV(m map[string]string) map[string]ddbtypes.AttributeValue {
	av, err := attributevalue.MarshalMap(m)
	if err != nil {
		panic(err)
	}
	return av
}
