// Command echo is a test-only Lambda function: it answers with the event it got and the
// environment variables infra/cmd/invoke is expected to set, or fails when the event is
// {"fail": "<message>"}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

var vars = []string{
	"TABLE_NAME", "EVENT_BUS_NAME", "ECHO_SETTING", "AWS_REGION", "AWS_ACCESS_KEY_ID",
	"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
	"LOCAL_JWT_SECRET", "AWS_SAM_LOCAL", "UNDECLARED",
}

func main() {
	lambda.Start(func(_ context.Context, event json.RawMessage) (map[string]any, error) {
		var f struct{ Fail string }
		if json.Unmarshal(event, &f) == nil && f.Fail != "" {
			return nil, errors.New(f.Fail)
		}
		env := map[string]string{}
		for _, k := range vars {
			if v, ok := os.LookupEnv(k); ok {
				env[k] = v
			}
		}
		return map[string]any{"event": event, "env": env}, nil
	})
}
