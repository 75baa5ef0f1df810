// Command reminders is the reminders Lambda function: it builds its handler once per cold start
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
	h, err := jobs.NewReminders(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("reminders: init: %v", err)
	}
	lambda.Start(h.Handle)
}
