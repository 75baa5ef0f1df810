// Package storetest gives tests a Store on a table of their own in DynamoDB Local
// (or any endpoint named by AWS_ENDPOINT_URL_DYNAMODB or GATEPASS_DDB_ENDPOINT). Each
// call creates a table with a random suffix and deletes it when the test ends. Without
// an endpoint the test is skipped, except under `make test`, CI=true or
// GATEPASS_REQUIRE_DDB, where it fails: there a missing endpoint is a broken setup.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

// Table is a test's own table.
type Table struct {
	DB    *dynamodb.Client
	Name  string
	Store *store.Store
}

// New returns a Store on a fresh table (default options).
func New(t testing.TB) *store.Store { return Open(t, store.Options{}).Store }

// Open creates a fresh table and returns it with the raw client and a Store built
// with opts; the table is deleted in t.Cleanup. with adjusts the client (a recorder's
// middleware, say).
//
// The table is the deployed one (store.TableInput) without its stream: DynamoDB Local
// keeps every stream record of an emulator's life, deleted tables' too, and each write
// to a streamed table looks them up, so a suite's writes grew from 2 to 20 ms each as
// its records piled up (measured: a 100-item transaction from 0.2 to 5.6 CPU-seconds).
// Writes, reads and conditions behave the same without it. Tests that read the stream
// use OpenStreamed.
func Open(t testing.TB, opts store.Options, with ...func(*dynamodb.Options)) *Table {
	t.Helper()
	return open(t, opts, false, with)
}

// OpenStreamed is Open with the table's NEW_IMAGE stream, for tests that read it.
func OpenStreamed(t testing.TB, opts store.Options, with ...func(*dynamodb.Options)) *Table {
	t.Helper()
	return open(t, opts, true, with)
}

func open(t testing.TB, opts store.Options, stream bool, with []func(*dynamodb.Options)) *Table {
	t.Helper()
	db := Client(t, with...)
	name := "gatepass-test-" + suffix()
	// Creating a table with its indexes and TTL takes DynamoDB Local a second when the
	// machine is idle and over a minute when other work holds both cores: the bound is
	// only there to end a test whose endpoint never answers, not to time the emulator.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	in := store.TableInput(name)
	if !stream {
		in.StreamSpecification = nil
	}
	if err := store.CreateTableFrom(ctx, db, in); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Logf("storetest: delete table %s: %v", name, err)
		}
	})
	if opts.Copies == (store.Copies{}) {
		// Two copies of each copied item exercise the copies as fully as 56 and keep
		// DynamoDB Local's transactions small; tests that need the defaults say so.
		opts.Copies = store.Copies{API: 2, App: 2, Lookup: 2}
	}
	return &Table{DB: db, Name: name, Store: store.New(db, name, opts)}
}

// Endpoint is the DynamoDB endpoint tests use: AWS_ENDPOINT_URL_DYNAMODB, else
// GATEPASS_DDB_ENDPOINT; "" when neither is set.
func Endpoint() string {
	if e := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); e != "" {
		return e
	}
	return os.Getenv("GATEPASS_DDB_ENDPOINT")
}

// Client returns a client for Endpoint, skipping (or, when Required, failing) the test
// when there is none. It signs with dummy credentials unless real ones are set.
func Client(t testing.TB, with ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	if os.Getenv("GATEPASS_TIER") == "unit" {
		t.Skip("storetest: needs DynamoDB; `make test-unit` runs none, `make test` runs this test")
	}
	endpoint := Endpoint()
	if endpoint == "" {
		const how = "no DynamoDB endpoint: run `make test`, which starts DynamoDB Local, " +
			"or start one and set AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>"
		if required() { // under CI a missing endpoint fails, never skips
			t.Fatal("storetest: " + how + " (a failure, not a skip, because CI or GATEPASS_REQUIRE_DDB is set)")
		}
		t.Skip("storetest: " + how)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		id, secret = "local", "local"
	}
	return dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN")),
		// DynamoDB Local's responses would make the SDK log a checksum warning.
		DisableValidateResponseChecksum: true,
	}, with...)
}

// required is ddblocal.Required's rule, written here so that shared/ imports nothing
// of infra/: under CI or GATEPASS_REQUIRE_DDB a missing endpoint is a broken setup.
func required() bool {
	return os.Getenv("CI") != "" || os.Getenv("GATEPASS_REQUIRE_DDB") != ""
}

func suffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RegisterWorkspaces registers ids in tenant's workspace directory (R29), as a
// tenant_admin or the migration would, for fixtures whose grants, applications and
// apps name them. Each id is named by itself. The entries are written in batches, not
// transactions: a fixture's registration is not what its test is about, and DynamoDB
// Local's transactions cost it many times more.
func RegisterWorkspaces(t testing.TB, st *store.Store, tenant string, ids ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ws := make([]access.Workspace, len(ids))
	for i, id := range ids {
		ws[i] = access.Workspace{TenantID: tenant, ID: id, Name: id, CreatedBy: "system:fixture", CreatedAt: fixtureTime, ModifiedAt: fixtureTime, Version: 1}
	}
	if err := st.PutWorkspaces(ctx, ws); err != nil {
		t.Fatalf("storetest: register workspaces of %s: %v", tenant, err)
	}
}

// fixtureTime is when fixtures' workspaces were registered: before any test's clock.
var fixtureTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// WorkspaceIDs lists prefix0 … prefix(n-1), for fixtures that name generated workspaces.
func WorkspaceIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}
