// Command pretoken is the pretoken Lambda function. shared/functions builds it from its
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
	fn, err := functions.Build(context.Background(), "pretoken", os.Getenv)
	if err != nil {
		log.Fatalf("pretoken: init: %v", err)
	}
	lambda.Start(fn.Lambda)
}
