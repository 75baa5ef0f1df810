package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/store"
)

var ddb *ddblocal.TestStack

func TestMain(m *testing.M) {
	var err error
	if ddb, err = ddblocal.ForTests(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

// TestInvoke_SAMLocalStartAPIEvent runs the real catalog function under the RIE with the
// event sam local start-api sends (no authorizer in the request context, the client's
// bearer token, signed with the development secret): with the shipped env-vars file
// (infra/env/invoke.json, pointed at this test's DynamoDB Local) the function verifies
// the token itself and answers 200; without it, 401, as in AWS.
func TestInvoke_SAMLocalStartAPIEvent(t *testing.T) {
	if ddb.Skip != "" {
		t.Skip(ddb.Skip)
	}
	t.Setenv("GATEPASS_CACHE", "")
	c, _ := setup(t)
	c.Fn, c.Pkg, c.Template = "catalog", "", filepath.Join(c.Root, "template.yaml")
	c.Event = filepath.Join(c.Root, "events", "catalog", "sam-local-list-apis.json")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	table := fmt.Sprintf("gatepass-invoke-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, ddblocal.Client(ctx, ddb.Endpoint), table); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(c.Root, "infra", "env", "invoke.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	file["Parameters"]["TABLE_NAME"] = table
	file["Parameters"]["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.Endpoint
	c.EnvVars = filepath.Join(t.TempDir(), "env.json")
	b, _ = json.Marshal(file)
	if err := os.WriteFile(c.EnvVars, b, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		envVars string
		want    int
	}{
		{"with the env-vars file", c.EnvVars, 200},
		{"without it", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c
			c.EnvVars = tc.envVars
			c.AllowRemote = tc.envVars == "" // the 401 comes before any call
			var stdout, stderr bytes.Buffer
			ictx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if err := run(ictx, c, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
				t.Fatalf("not an HTTP API answer: %v\n%s", err, stdout.String())
			}
			if resp.StatusCode != tc.want {
				t.Errorf("got %d %s, want %d\n%s", resp.StatusCode, resp.Body, tc.want, stderr.String())
			}
		})
	}
}
