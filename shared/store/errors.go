package store

import (
	"context"
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"gatepass/shared/access"
)

// Error codes DynamoDB uses for throttling, as operation errors and as the per-item
// codes of a cancelled transaction.
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ProvisionedThroughputExceeded":          true,
	"ThrottlingException":                    true,
	"ThrottlingError":                        true,
	"Throttling":                             true,
	"RequestLimitExceeded":                   true,
}

func throttled(op string, err error) *access.Error {
	return &access.Error{Op: op, Code: access.CodeThrottling,
		Msg: "the table is busy; retry later", Err: err}
}

func unavailable(op string, err error) *access.Error {
	return &access.Error{Op: op, Code: access.CodeUnavailable,
		Msg: "the database is unavailable; retry later", Err: err}
}

func internal(op string, err error) *access.Error {
	return access.Wrap(op, access.CodeInternal, err)
}

func concurrent(op string, err error) *access.Error {
	return &access.Error{Op: op, Code: access.CodeConcurrent,
		Msg: "the object was changed by someone else; read it again and retry", Err: err}
}

// dbErr maps an error of a DynamoDB call (after the SDK's own retries) to an
// *access.Error: throttling → Throttling.System, a service that cannot be reached or
// answers 5xx → ServiceUnavailable, anything else → InternalError.System. Condition
// failures of Commit are mapped by Commit, which knows which write failed.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return ae
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		switch {
		case throttleCodes[code]:
			return throttled(op, err)
		case code == "InternalServerError" || code == "ServiceUnavailable":
			return unavailable(op, err)
		case code == "TransactionConflictException" || code == "TransactionInProgressException":
			return concurrent(op, err)
		case code == "ConditionalCheckFailedException":
			return concurrent(op, err)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return unavailable(op, err)
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable(op, err)
	}
	return internal(op, err)
}

// cancelReasons returns the per-item codes of a cancelled transaction, in the order of
// its items. When the SDK delivered no structured reasons it reads them from the
// message ("... [None, ConditionalCheckFailed]"), the form every DynamoDB writes.
func cancelReasons(tc *ddbtypes.TransactionCanceledException) []string {
	out := make([]string, 0, len(tc.CancellationReasons))
	for _, r := range tc.CancellationReasons {
		code := "None"
		if r.Code != nil {
			code = *r.Code
		}
		out = append(out, code)
	}
	if len(out) > 0 {
		return out
	}
	msg := tc.ErrorMessage()
	i, j := strings.LastIndexByte(msg, '['), strings.LastIndexByte(msg, ']')
	if i < 0 || j < i {
		return nil
	}
	for _, f := range strings.Split(msg[i+1:j], ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}
