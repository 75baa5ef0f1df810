// Command cancellations is the cancellations Lambda function: it builds its handler once per cold start
// and hands it to the Lambda runtime.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"gatepass/shared/jobs"
)

func main() {
	h, err := jobs.NewCancellations(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("cancellations: init: %v", err)
	}
	lambda.Start(h.Handle)
}
