// Command list is the list Lambda function: HTTP API routes of SPEC.md served by api.List.
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
		log.Fatalf("list: init: %v", err)
	}
	lambda.Start(api.List(svc).Handle)
}
