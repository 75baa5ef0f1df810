// Command revoke is the revoke Lambda function: HTTP API routes of SPEC.md served by api.Revoke.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"gatepass/shared/api"
)

func main() {
	svc, err := api.NewService(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("revoke: init: %v", err)
	}
	lambda.Start(api.Revoke(svc).Handle)
}
