// Command catalog is the catalog Lambda function: HTTP API routes of SPEC.md served by api.Catalog.
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
		log.Fatalf("catalog: init: %v", err)
	}
	lambda.Start(api.Catalog(svc).Handle)
}
