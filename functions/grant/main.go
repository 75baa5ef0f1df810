// Command grant is the grant Lambda function: HTTP API routes of SPEC.md served by api.Grant.
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
		log.Fatalf("grant: init: %v", err)
	}
	lambda.Start(api.Grant(svc).Handle)
}
