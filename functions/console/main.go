// Command console is the console Lambda function. shared/functions builds it from its
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
	fn, err := functions.Build(context.Background(), "console", os.Getenv)
	if err != nil {
		log.Fatalf("console: init: %v", err)
	}
	lambda.Start(fn.Lambda)
}
