// Package settings reads the configuration every function shares from the environment
// variables that template.yaml declares, once per cold start, and builds the AWS clients.
package settings

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"gatepass/shared/deadline"
)

// Settings is the validated configuration of a function.
type Settings struct {
	TableName      string        // TABLE_NAME
	EventBusName   string        // EVENT_BUS_NAME
	CancelNotice   time.Duration // CANCEL_NOTICE, default 48h, 0 = immediate (R7)
	ReminderDays   []int         // REMINDER_DAYS, default 7,1 (R16), descending
	GrantRetention time.Duration // GRANT_RETENTION, default 720h (30 days)
	// CheckMaxStaleness is CHECK_MAX_STALENESS, default 0 (strict): above 0, a check may
	// answer from items its container read less than this long ago (at most 5m).
	CheckMaxStaleness time.Duration
	// CheckCommitWait is CHECK_COMMIT_WAIT, default 0: above 0, strict mode with a cache:
	// check containers keep what they read this long, and every change to what a check
	// reads is answered only after this long (at most 5s). Not with CHECK_MAX_STALENESS.
	CheckCommitWait time.Duration
	// RolesClaimFormat is ROLES_CLAIM_FORMAT: "flattened" (default) or "json" (the
	// roles claim must be a JSON-encoded string; a list API Gateway flattened is 401).
	RolesClaimFormat string
	LogLevel         slog.Level // LOG_LEVEL: DEBUG, INFO (default), WARN or ERROR
	// MetricsNamespace is METRICS_NAMESPACE (the stack name), default gatepass: where
	// the embedded-format metrics go.
	MetricsNamespace string
	// LocalDynamoDB: AWS_ENDPOINT_URL_DYNAMODB names an endpoint (DynamoDB Local). In AWS
	// it is empty.
	LocalDynamoDB bool
	// LocalJWTSecret is LOCAL_JWT_SECRET, read only when AWS_SAM_LOCAL is "true" (the
	// SAM CLI's containers and make invoke set it; Lambda never does, and the template
	// cannot declare it): the key with which a function verifies a bearer token itself
	// when API Gateway's authorizer passed no claims (sam local start-api).
	LocalJWTSecret string
	// AppSecretsKeyID is APP_SECRETS_KEY_ID: the KMS key AppSecrets are sealed under
	// (template.yaml's AppSecretsKey). Against a local DynamoDB a development key is
	// used instead: AppSecretsDevKey, APP_SECRETS_DEV_KEY (default DevAppSecretsKey).
	AppSecretsKeyID  string
	AppSecretsDevKey string
	// SignedWindow is SIGNED_WINDOW, default 15m (at most 1h): how far a signed call's
	// X-Ca-Timestamp may lie from now. SignedAllowSHA1 is SIGNED_ALLOW_SHA1=true.
	SignedWindow    time.Duration
	SignedAllowSHA1 bool
}

// DevAppSecretsKey is the development key's default secret (never used against AWS).
const DevAppSecretsKey = "gatepass-local-dev-appsecrets"

// MaxSignedWindow caps SIGNED_WINDOW: a nonce is kept as long as the window.
const MaxSignedWindow = time.Hour

// MaxStaleness caps CHECK_MAX_STALENESS: as long as API Gateway's longest useful
// authorizer cache, beyond which "at once" would mean nothing to anyone.
const MaxStaleness = 5 * time.Minute

// MaxCommitWait caps CHECK_COMMIT_WAIT: a change's answer waits it out inside a function
// whose Timeout is 10 s.
const MaxCommitWait = 5 * time.Second

// CheckCache is how long a check container may answer from what it read: the bounded
// mode's bound, or the commit wait of strict mode with a cache; 0 reads every time.
func (s Settings) CheckCache() time.Duration { return max(s.CheckMaxStaleness, s.CheckCommitWait) }

// Load reads and validates the settings. getenv is os.Getenv in a function and a map
// lookup in tests.
func Load(getenv func(string) string) (Settings, error) {
	s := Settings{
		TableName:      getenv("TABLE_NAME"),
		EventBusName:   getenv("EVENT_BUS_NAME"),
		CancelNotice:   48 * time.Hour,
		ReminderDays:   []int{7, 1},
		GrantRetention: 30 * 24 * time.Hour,
	}
	switch s.RolesClaimFormat = getenv("ROLES_CLAIM_FORMAT"); s.RolesClaimFormat {
	case "":
		s.RolesClaimFormat = "flattened"
	case "flattened", "json":
	default:
		return s, fmt.Errorf("settings: ROLES_CLAIM_FORMAT %q: want flattened or json", s.RolesClaimFormat)
	}
	if s.TableName == "" {
		return s, fmt.Errorf("settings: TABLE_NAME is required")
	}
	if s.EventBusName == "" {
		s.EventBusName = "default"
	}
	s.MetricsNamespace = getenv("METRICS_NAMESPACE")
	if s.MetricsNamespace == "" {
		s.MetricsNamespace = "gatepass"
	}
	s.LocalDynamoDB = getenv("AWS_ENDPOINT_URL_DYNAMODB") != ""
	if getenv("AWS_SAM_LOCAL") == "true" {
		s.LocalJWTSecret = getenv("LOCAL_JWT_SECRET")
	}
	switch v := getenv("LOG_LEVEL"); v {
	case "", "INFO":
		s.LogLevel = slog.LevelInfo
	case "DEBUG":
		s.LogLevel = slog.LevelDebug
	case "WARN":
		s.LogLevel = slog.LevelWarn
	case "ERROR":
		s.LogLevel = slog.LevelError
	default:
		return s, fmt.Errorf("settings: LOG_LEVEL %q: want DEBUG, INFO, WARN or ERROR", v)
	}
	var err error
	if v := getenv("CANCEL_NOTICE"); v != "" {
		if s.CancelNotice, err = duration(v); err != nil || s.CancelNotice < 0 {
			return s, fmt.Errorf("settings: CANCEL_NOTICE %q: want a Go duration such as 48h, 3s or 0", v)
		}
	}
	if v := getenv("GRANT_RETENTION"); v != "" {
		if s.GrantRetention, err = duration(v); err != nil || s.GrantRetention < 0 {
			return s, fmt.Errorf("settings: GRANT_RETENTION %q: want a Go duration such as 720h", v)
		}
	}
	if v := getenv("CHECK_MAX_STALENESS"); v != "" {
		if s.CheckMaxStaleness, err = duration(v); err != nil || s.CheckMaxStaleness < 0 || s.CheckMaxStaleness > MaxStaleness {
			return s, fmt.Errorf("settings: CHECK_MAX_STALENESS %q: want 0 (strict) or a Go duration up to %s such as 1s", v, MaxStaleness)
		}
	}
	if v := getenv("CHECK_COMMIT_WAIT"); v != "" {
		if s.CheckCommitWait, err = duration(v); err != nil || s.CheckCommitWait < 0 || s.CheckCommitWait > MaxCommitWait {
			return s, fmt.Errorf("settings: CHECK_COMMIT_WAIT %q: want 0 (none) or a Go duration up to %s such as 1s", v, MaxCommitWait)
		}
	}
	if s.CheckMaxStaleness > 0 && s.CheckCommitWait > 0 {
		return s, fmt.Errorf("settings: CHECK_MAX_STALENESS and CHECK_COMMIT_WAIT are both set: choose the bounded mode or strict with a cache, not both")
	}
	s.AppSecretsKeyID = getenv("APP_SECRETS_KEY_ID")
	if s.AppSecretsDevKey = getenv("APP_SECRETS_DEV_KEY"); s.AppSecretsDevKey == "" {
		s.AppSecretsDevKey = DevAppSecretsKey
	}
	s.SignedWindow = 15 * time.Minute
	if v := getenv("SIGNED_WINDOW"); v != "" {
		if s.SignedWindow, err = duration(v); err != nil || s.SignedWindow <= 0 || s.SignedWindow > MaxSignedWindow {
			return s, fmt.Errorf("settings: SIGNED_WINDOW %q: want a Go duration above 0 and up to %s such as 15m", v, MaxSignedWindow)
		}
	}
	switch v := getenv("SIGNED_ALLOW_SHA1"); v {
	case "", "false":
	case "true":
		s.SignedAllowSHA1 = true
	default:
		return s, fmt.Errorf("settings: SIGNED_ALLOW_SHA1 %q: want true or false", v)
	}
	if v := getenv("REMINDER_DAYS"); v != "" {
		if s.ReminderDays, err = days(v); err != nil {
			return s, fmt.Errorf("settings: REMINDER_DAYS %q: %v", v, err)
		}
	}
	return s, nil
}

// duration accepts Go durations and a bare 0.
func duration(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	return time.ParseDuration(v)
}

// days parses "7,1" into distinct positive day counts, largest first.
func days(v string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 3650 {
			return nil, fmt.Errorf("want comma-separated day counts 1-3650")
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b int) int { return b - a })
	return out, nil
}

// AWS loads the SDK configuration once. Endpoints come from the SDK's standard variables
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE, ...), so the same code runs
// against DynamoDB Local, the local bus and AWS. Every call of a client built from it
// runs under the deadline package's budget: it ends before the invocation does, its
// retries included.
func AWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("settings: load aws config: %w", err)
	}
	deadline.Budget{}.Apply(&cfg)
	return cfg, nil
}

// DynamoDB builds the table client. DynamoDB Local answers without the response checksum
// the SDK validates by default, which makes it log a warning: validation is turned off
// for a local endpoint only, never against AWS.
func DynamoDB(cfg aws.Config, local bool) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = local
	})
}

// Logger is the JSON logger of a function at its LOG_LEVEL, on stdout, where Lambda
// captures it into the function's log group.
func (s Settings) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: s.LogLevel}))
}

// KMS builds the KMS client (the AppSecrets' key).
func KMS(cfg aws.Config) *kms.Client {
	return kms.NewFromConfig(cfg)
}

// EventBridge builds the bus client.
func EventBridge(cfg aws.Config) *eventbridge.Client {
	return eventbridge.NewFromConfig(cfg)
}
