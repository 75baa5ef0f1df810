package main

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	tpl "gatepass/infra/emulators/template"
	"gatepass/shared/metrics"
)

// TestOpsRules_BrokenTemplates: each operations rule (ops.go) fails a template that
// breaks it, with a message naming the resource.
func TestOpsRules_BrokenTemplates(t *testing.T) {
	good := readTemplate(t)
	tests := []struct {
		name     string
		old, new string
		all      bool   // replace every occurrence, not only the first
		want     string // a substring of one issue
	}{
		{
			name: "DLQ without a depth alarm",
			old:  "Value: !GetAtt SchedulesDLQ.QueueName}", new: "Value: !GetAtt PublishDLQ.QueueName}",
			want: "SchedulesDLQ: no alarm on its depth",
		},
		{
			name: "function without an Errors alarm",
			old:  "MetricName: Errors\n      Dimensions:\n        - {Name: FunctionName, Value: !Ref RenewFunction}",
			new:  "MetricName: Errors\n      Dimensions:\n        - {Name: FunctionName, Value: !Ref ListFunction}",
			want: "RenewFunction: no alarm on its Errors",
		},
		{
			name: "function missing from the throttles alarm",
			old:  "MetricName: Throttles\n              Dimensions:\n                - {Name: FunctionName, Value: !Ref PublishFunction}",
			new:  "MetricName: Throttles\n              Dimensions:\n                - {Name: FunctionName, Value: !Ref CheckFunction}",
			want: "PublishFunction: no alarm on its Throttles",
		},
		{
			name: "stream consumer without an IteratorAge alarm",
			old:  "MetricName: IteratorAge\n", new: "MetricName: Duration\n",
			want: "PublishFunction: fed by a stream but no alarm on its IteratorAge",
		},
		{
			name: "function without a log group",
			old:  `LogGroupName: !Sub "/aws/lambda/${GrantFunction}"`, new: `LogGroupName: !Sub "/gatepass/${GrantFunction}"`,
			want: "GrantFunction: no log group",
		},
		{
			name: "log group without retention",
			old:  "      RetentionInDays: !Ref LogRetentionDays\n", new: "",
			want: "CatalogFunctionLogGroup: Properties.RetentionInDays: a function's logs need a retention",
		},
		{
			name: "table without a throttling alarm",
			old:  "MetricName: ThrottledRequests\n", new: "MetricName: ConsumedReadCapacityUnits\n", all: true,
			want: "Table: no alarm on throttling",
		},
		{
			name: "table without a system-errors alarm",
			old:  "MetricName: SystemErrors\n", new: "MetricName: UserErrors\n", all: true,
			want: "Table: no alarm on system errors",
		},
		{
			name: "alarm that notifies nobody",
			old:  "      AlarmActions: [!Ref AlarmTopic]\n", new: "      AlarmActions: []\n",
			want: "SchedulesDLQAlarm: Properties.AlarmActions: an alarm nobody hears",
		},
		{
			name: "alarm without a description",
			old:  `      AlarmDescription: "gatepass: EventBridge Scheduler`, new: `      AlarmDescription: "" # "gatepass: EventBridge Scheduler`,
			want: "SchedulesDLQAlarm: Properties.AlarmDescription: say what the alarm means",
		},
		{
			name: "metric-math alarm over more than ten metrics",
			old:  "        - Id: catalog\n",
			new: "        - Id: extra\n          ReturnData: false\n          MetricStat:\n            Metric:\n              Namespace: AWS/Lambda\n" +
				"              MetricName: Throttles\n            Period: 300\n            Stat: Sum\n        - Id: catalog\n",
			want: "FunctionThrottlesAlarm: Properties.Metrics: 11 metrics: a metric-math alarm reads at most 10",
		},
		{
			name: "metric-math alarm returning two series",
			old:  "          ReturnData: false\n", new: "          ReturnData: true\n",
			want: "FunctionThrottlesAlarm: Properties.Metrics: 2 entries with ReturnData true",
		},
		{
			name: "HTTP API without access logs",
			old:  "      AccessLogSettings:\n", new: "      AccessLogSetting:\n",
			want: "HttpApi: Properties.AccessLogSettings: no access logs",
		},
		{
			name: "access logs not JSON",
			old:  `{"requestId":"$context.requestId",`, new: `$context.requestId {`,
			want: "HttpApi: Properties.AccessLogSettings.Format: want a JSON object",
		},
		{
			name: "access logs to something else than a log group",
			old:  "DestinationArn: !GetAtt HttpApiAccessLogs.Arn", new: "DestinationArn: !GetAtt PublishDLQ.Arn",
			want: "HttpApi: Properties.AccessLogSettings.DestinationArn: want !GetAtt <LogGroup>.Arn",
		},
		{
			name: "asynchronous target without an on-failure destination",
			old:  "      FunctionName: !Ref CatalogEventsFunction\n      Qualifier: $LATEST\n",
			new:  "      FunctionName: !Ref CheckFunction\n      Qualifier: $LATEST\n",
			want: "CatalogEventsFunction: invoked asynchronously by CatalogEventsRule, but what it fails on is discarded",
		},
		{
			name: "on-failure destination the role cannot send to",
			old:  "              Resource: !GetAtt InvokeFailuresDLQ.Arn\n\n  PublishFunction:",
			new:  "              Resource: !GetAtt SchedulesDLQ.Arn\n\n  PublishFunction:",
			want: "CatalogEventsFunction: Properties.Policies: its role may not sqs:SendMessage to InvokeFailuresDLQ",
		},
		{
			name: "on-failure destination that is not a queue",
			old:  "      FunctionName: !Ref RemindersFunction\n      Qualifier: $LATEST\n      MaximumRetryAttempts: 2\n      MaximumEventAgeInSeconds: 3600\n      DestinationConfig:\n        OnFailure:\n          Destination: !GetAtt InvokeFailuresDLQ.Arn\n",
			new:  "      FunctionName: !Ref RemindersFunction\n      Qualifier: $LATEST\n      MaximumRetryAttempts: 2\n      MaximumEventAgeInSeconds: 3600\n      DestinationConfig:\n        OnFailure:\n          Destination: !GetAtt Bus.Arn\n",
			want: "RemindersInvokeConfig: the on-failure destination of RemindersFunction must be an AWS::SQS::Queue",
		},
		{
			name: "local-only variable with a value",
			old:  `        LOCAL_JWT_SECRET: ""`, new: `        LOCAL_JWT_SECRET: dev-secret`,
			want: "Globals: Function.Environment.Variables.LOCAL_JWT_SECRET: got dev-secret: a local-only variable is declared empty",
		},
		{
			name: "local-only variable not declared",
			old:  "        AWS_ENDPOINT_URL_DYNAMODB: \"\"\n", new: "",
			want: "Globals: Function.Environment.Variables.AWS_ENDPOINT_URL_DYNAMODB: declare it with \"\"",
		},
		{
			name: "a duration pattern wider than the settings",
			old:  `    AllowedPattern: "^(0|[0-9]{1,3}ms|[1-4][0-9]{3}ms|5000ms|0?\\.[0-9]+s|[0-4](\\.[0-9]+)?s|5(\\.0+)?s)$"`,
			new:  `    AllowedPattern: "^.*$"`,
			want: `Parameters: CheckCommitWait.AllowedPattern: lets "5001ms" through, which CHECK_COMMIT_WAIT refuses`,
		},
		{
			name: "endpoint set on one function",
			old:  "          CHECK_MAX_STALENESS: !Ref CheckMaxStaleness\n",
			new:  "          CHECK_MAX_STALENESS: !Ref CheckMaxStaleness\n          AWS_ENDPOINT_URL_DYNAMODB: http://127.0.0.1:8000\n",
			want: "CheckFunction: Properties.Environment.Variables.AWS_ENDPOINT_URL_DYNAMODB: got http://127.0.0.1:8000",
		},
		{
			name: "AWS_SAM_LOCAL declared",
			old:  "        LOCAL_JWT_SECRET: \"\"\n", new: "        LOCAL_JWT_SECRET: \"\"\n        AWS_SAM_LOCAL: \"\"\n",
			want: "Globals: Function.Environment.Variables.AWS_SAM_LOCAL: only the SAM CLI sets it",
		},
		{
			name: "issuer not restricted to https",
			old:  "    AllowedPattern: \"^(https://\\\\S+)?$\"\n", new: "",
			want: "Parameters: JwtIssuer.AllowedPattern: got nothing, want a pattern starting ^https://",
		},
		{
			name: "issuer may be http",
			old:  "    AllowedPattern: \"^(https://\\\\S+)?$\"\n", new: "    AllowedPattern: \"^(https?://\\\\S+)?$\"\n",
			want: "Parameters: JwtIssuer.AllowedPattern: got ^(https?://\\S+)?$, want a pattern starting ^https://",
		},
		{
			name: "no authorizer permission",
			old:  "      Principal: apigateway.amazonaws.com\n", new: "      Principal: events.amazonaws.com\n",
			want: "CheckFunction: no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke it",
		},
		{
			name: "unconditional authorizer permission",
			old:  "    Condition: HasDataApi\n", new: "",
			want: "CheckAuthorizerPermission: Condition: want a condition",
		},
		{
			name: "authorizer permission for any API",
			old:  `      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${DataApiId}/authorizers/*"`,
			new:  `      SourceArn: "arn:aws:execute-api:us-east-1:111122223333:*"`,
			want: "CheckAuthorizerPermission: Properties.SourceArn: want !Sub of one data API's execute-api ARN",
		},
		{
			name: "queue missing from the outputs",
			old:  "    Value: !Ref InvokeFailuresDLQ\n", new: "    Value: !GetAtt InvokeFailuresDLQ.Arn\n",
			want: "Outputs: no output gives InvokeFailuresDLQ's URL",
		},
		{
			name: "function name missing from the outputs",
			old:  "    Value: !Ref RenewFunction\n", new: "    Value: !GetAtt RenewFunction.Arn\n",
			want: "Outputs: no output gives RenewFunction's name",
		},
		{
			name: "dashboard body not JSON",
			old:  "        {\"widgets\": [\n", new: "        {\"widgets\": [[\n",
			want: "GatepassDashboard: Properties.DashboardBody: not JSON",
		},
		{
			name: "required operations output",
			old:  "  HttpApiId:\n", new: "  TheHttpApiId:\n",
			want: "Outputs: HttpApiId: required output is missing",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("template.yaml no longer contains %q: update the test", tc.old)
			}
			bad := strings.Replace(good, tc.old, tc.new, 1)
			if tc.all {
				bad = strings.ReplaceAll(good, tc.old, tc.new)
			}
			var got []string
			for _, is := range validate(t, bad, testRoot) {
				if strings.Contains(is.String(), tc.want) {
					return
				}
				got = append(got, is.String())
			}
			t.Errorf("got %d issues:\n%s\nwant one containing %q", len(got), strings.Join(got, "\n"), tc.want)
		})
	}
}

// TestSettingsRules_PatternsTakeTheDocumentedValues: the consistency parameters'
// patterns, narrowed to what shared/settings accepts, still take the values the docs
// give as examples, and refuse the ones past their caps.
func TestSettingsRules_PatternsTakeTheDocumentedValues(t *testing.T) {
	data, err := os.ReadFile("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tpl.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range map[string]map[string]bool{
		"CheckCommitWait":   {"0": true, "1s": true, "2.5s": true, "2500ms": true, "5s": true, "0.5s": true, "5.5s": false, "1m": false},
		"CheckMaxStaleness": {"0": true, "1s": true, "2.5s": true, "2500ms": true, "90s": true, "1m": true, "5m": true, "301s": false, "1h": false},
	} {
		pattern, _ := asMap(asMap(raw["Parameters"])[name])["AllowedPattern"].(string)
		re := regexp.MustCompile(pattern)
		for v, want := range values {
			if re.MatchString(v) != want {
				t.Errorf("%s: %q accepted %v, want %v", name, v, !want, want)
			}
		}
	}
}

func TestNumberDefaults_OnlyNumberParameters(t *testing.T) {
	in := map[string]any{
		"Days": map[string]any{"Type": "Number", "Default": "30"},
		"Name": map[string]any{"Type": "String", "Default": "30"},
		"Bad":  map[string]any{"Type": "Number", "Default": "thirty"},
	}
	out := numberDefaults(in)
	if got := asMap(out["Days"])["Default"]; got != 30.0 {
		t.Errorf("Days: got %v, want 30 as a number", got)
	}
	if got := asMap(out["Name"])["Default"]; got != "30" {
		t.Errorf("Name: got %v, want the string kept", got)
	}
	if got := asMap(out["Bad"])["Default"]; got != "thirty" {
		t.Errorf("Bad: got %v, want it kept for CloudFormation to refuse", got)
	}
	if asMap(in["Days"])["Default"] != "30" {
		t.Errorf("numberDefaults changed its input")
	}
}

// TestRunbook_HasEveryAlarm: every alarm's description points at a README runbook
// entry ("Runbook: README, <Entry>."), and the README's Runbook section has it.
func TestRunbook_HasEveryAlarm(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, runbook, ok := strings.Cut(string(readme), "\n## Runbook\n")
	if !ok {
		t.Fatal(`README.md has no "## Runbook" section`)
	}
	if end := strings.Index(runbook, "\n## "); end >= 0 {
		runbook = runbook[:end]
	}
	raw, err := tpl.Decode([]byte(readTemplate(t)))
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`Runbook: README, (\w+)\.`)
	alarms := 0
	for id, r := range asMap(raw["Resources"]) {
		if asMap(r)["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		alarms++
		d, _ := asMap(asMap(r)["Properties"])["AlarmDescription"].(string)
		m := entry.FindStringSubmatch(d)
		if m == nil {
			t.Errorf("%s: the description names no runbook entry (Runbook: README, <Entry>.)", id)
			continue
		}
		if !strings.Contains(runbook, "### "+m[1]) {
			t.Errorf("%s: README's Runbook has no \"### %s\" entry", id, m[1])
		}
	}
	if alarms == 0 {
		t.Fatal("template.yaml has no alarms")
	}
}

// TestSamconfig_DeployNeedsOnlyIssuerAndAudience: samconfig.toml answers everything
// `sam deploy --guided` would ask but the identity provider's issuer and audience.
func TestSamconfig_DeployNeedsOnlyIssuerAndAudience(t *testing.T) {
	b, err := os.ReadFile("../../../samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, want := range []string{
		"[default.global.parameters]\nstack_name = \"gatepass\"\nregion = ",
		"build_in_source = true\ncached = true\nparallel = true\n",
		"capabilities = \"CAPABILITY_IAM\"\n", "resolve_s3 = true\n",
		"parameter_overrides = \"JwtIssuer=CHANGE-ME JwtAudience=CHANGE-ME\"\n",
		"env_vars = \"infra/env/sam-local.json\"\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("samconfig.toml lacks %q", want)
		}
	}
	// Every parameter without a default is one the overrides give.
	raw, err := tpl.Decode([]byte(readTemplate(t)))
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range asMap(raw["Parameters"]) {
		if _, ok := asMap(p)["Default"]; !ok && name != "JwtIssuer" && name != "JwtAudience" {
			t.Errorf("parameter %s has no default: sam deploy would ask for it", name)
		}
	}
}

// TestEnvFiles_SetOnlyDeclaredVariables: sam local (and make invoke) apply an env-vars
// value only to a variable the template declares; a value for anything else would be
// silently dropped.
func TestEnvFiles_SetOnlyDeclaredVariables(t *testing.T) {
	raw, err := tpl.Decode([]byte(readTemplate(t)))
	if err != nil {
		t.Fatal(err)
	}
	global := asMap(asMap(asMap(asMap(raw["Globals"])["Function"])["Environment"])["Variables"])
	for _, file := range []string{"../../../infra/env/sam-local.json", "../../../infra/env/invoke.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var env map[string]map[string]string
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: want {\"Parameters\": {...}, \"<LogicalId>\": {...}}: %v", file, err)
		}
		if len(env["Parameters"]) == 0 {
			t.Errorf("%s: no Parameters", file)
		}
		for scope, vars := range env {
			declared := global
			if scope != "Parameters" {
				fn := asMap(asMap(raw["Resources"])[scope])
				if fn["Type"] != "AWS::Serverless::Function" {
					t.Errorf("%s: %s is not a function of the template", file, scope)
					continue
				}
				declared = maps.Clone(global)
				maps.Copy(declared, asMap(asMap(asMap(fn["Properties"])["Environment"])["Variables"]))
			}
			for k := range vars {
				if _, ok := declared[k]; !ok {
					t.Errorf("%s: %s.%s is not declared in template.yaml: sam local would ignore it", file, scope, k)
				}
			}
		}
	}
}

// TestDashboard_ShowsOnlyMetricsTheCodeWrites: every metric of the stack's namespace on
// the dashboard is one that shared/metrics writes (a renamed metric would leave an
// empty graph).
func TestDashboard_ShowsOnlyMetricsTheCodeWrites(t *testing.T) {
	raw, err := tpl.Decode([]byte(readTemplate(t)))
	if err != nil {
		t.Fatal(err)
	}
	body := asMap(asMap(asMap(raw["Resources"])["GatepassDashboard"])["Properties"])["DashboardBody"]
	_, sub, _ := tpl.Intrinsic(body)
	s, _ := sub.(string)
	var d struct {
		Widgets []struct {
			Properties struct {
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(subVar.ReplaceAllStringFunc(s, func(v string) string {
		if v == "${AWS::StackName}" {
			return "NS"
		}
		return "x"
	})), &d); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, w := range d.Widgets {
		for _, m := range w.Properties.Metrics {
			if len(m) >= 2 && m[0] == "NS" {
				seen++
				if name, _ := m[1].(string); !slices.Contains(metrics.Names, name) {
					t.Errorf("dashboard metric %q: shared/metrics writes no such metric (%v)", name, metrics.Names)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the dashboard shows none of the functions' metrics")
	}
}
