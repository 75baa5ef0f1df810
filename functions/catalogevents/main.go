// Command catalogevents is the catalogevents Lambda function. shared/functions builds it from its
// environment once per cold start (the object graph is there); this hands it to the
// Lambda runtime.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"gatepass/shared/functions"
)

func main() {
	fn, err := functions.Build(context.Background(), "catalogevents", os.Getenv)
	if err != nil {
		log.Fatalf("catalogevents: init: %v", err)
	}
	lambda.Start(fn.Lambda)
}
