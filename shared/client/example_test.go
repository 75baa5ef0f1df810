package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"gatepass/shared/client"
)

// Grant an API to an app for 90 days, then check a call as a data gateway would. (Compiled
// by go vet and go test; the README quotes it.)
func Example() {
	ctx := context.Background()
	token := "..." // a JWT with sub, tenant_id and roles
	c, err := client.NewClientWithResponses("http://127.0.0.1:3000",
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}

	days, key := 90, "grant-orders-to-bi-1"
	created, err := c.CreateGrantsWithResponse(ctx, "orders-api",
		&client.CreateGrantsParams{IdempotencyKey: &key}, // a retry replays the answer
		client.GrantInput{
			Subject:  &client.Subject{Type: client.SubjectTypeAPP, Id: "app-bi", TenantId: "t-dev"},
			Envs:     []client.Env{client.EnvPROD, client.EnvDEV},
			Fields:   &[]string{"id", "total"},
			Validity: client.Validity{Type: client.ValidityTypeLIMITED, Days: &days},
		})
	if err != nil {
		log.Fatal(err)
	}
	if created.JSON201 == nil { // an error: JSON400, JSON403, JSON409, ... hold {error_code, error_msg, request_id}
		log.Fatalf("CreateGrants: %d %s", created.StatusCode(), created.Body)
	}
	fmt.Println("grant", created.JSON201.Grants[0].GrantId, "until", *created.JSON201.Grants[0].EndTime)

	appID := client.Id("app-bi")
	checked, err := c.CheckCallWithResponse(ctx, client.CheckInput{ApiId: "orders-api", AppId: &appID, Env: client.EnvPROD})
	if err != nil {
		log.Fatal(err)
	}
	if checked.JSON200 == nil {
		log.Fatalf("CheckCall: %d %s", checked.StatusCode(), checked.Body)
	}
	if d := checked.JSON200; d.Allowed {
		fmt.Println("allowed, fields", d.Fields)
	} else {
		fmt.Println("denied:", d.Reason) // NO_GRANT, EXPIRED, CANCELLED, ...
	}
}
