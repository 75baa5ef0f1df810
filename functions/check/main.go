// Command check is the check Lambda function: POST /v1/check and the Lambda authorizer
// of the data APIs, in one binary.
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
		log.Fatalf("check: init: %v", err)
	}
	lambda.Start(api.Check(svc).Invoke)
}
