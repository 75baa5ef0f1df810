// Command renew is the renew Lambda function: HTTP API routes of SPEC.md served by api.Renew.
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
		log.Fatalf("renew: init: %v", err)
	}
	lambda.Start(api.Renew(svc).Handle)
}
