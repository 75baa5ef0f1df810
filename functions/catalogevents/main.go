// Command catalogevents is the catalogevents Lambda function: it builds its handler once per cold start
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
	h, err := jobs.NewCatalog(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("catalogevents: init: %v", err)
	}
	lambda.Start(h.Handle)
}
