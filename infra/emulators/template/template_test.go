package template

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoad_RepoTemplate(t *testing.T) {
	tp, err := Load("../../../template.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantRoutes := map[string]int{
		"catalog": 28, "grant": 12, "revoke": 9, "renew": 2, "list": 15, "check": 1, // R28: 2 review routes on grant, 3 on list
		"reminders": 0, "cancellations": 0, "publish": 0, "catalogevents": 0, "console": 2, "pretoken": 0,
	}
	if len(tp.Functions) != len(wantRoutes) {
		t.Fatalf("got %d functions, want %d", len(tp.Functions), len(wantRoutes))
	}
	for _, f := range tp.Functions {
		n, ok := wantRoutes[f.Name]
		if !ok {
			t.Errorf("unexpected function %s (%s)", f.Name, f.LogicalID)
			continue
		}
		if len(f.HTTPRoutes) != n {
			t.Errorf("%s: got %d routes, want %d", f.Name, len(f.HTTPRoutes), n)
		}
		wantEnv := map[string]string{
			"TABLE_NAME": "gatepass", "EVENT_BUS_NAME": "gatepass", "CANCEL_NOTICE": "48h",
			"REMINDER_DAYS": "7,1", "GRANT_RETENTION": "720h", "LOG_LEVEL": "INFO", "ROLES_CLAIM_FORMAT": "flattened",
			// declared empty so that sam local's --env-vars may set them
			"LOCAL_JWT_SECRET": "", "AWS_ENDPOINT_URL_DYNAMODB": "", "AWS_ENDPOINT_URL_EVENTBRIDGE": "",
			"METRICS_NAMESPACE": "gatepass", "CHECK_COMMIT_WAIT": "0",
		}
		if f.Name == "check" { // the check function's own: its consistency mode
			wantEnv["CHECK_MAX_STALENESS"] = "0"
		}
		if f.Name == "pretoken" { // the user pool's trigger
			wantEnv["CHECKER_TENANT_ID"] = ""
		}
		if f.Name == "console" { // the console's sign-in settings
			wantEnv["CONSOLE_DEV_SIGNIN"] = ""
			for _, k := range []string{"OAUTH_AUTHORIZE_URL", "OAUTH_TOKEN_URL", "OAUTH_CLIENT_ID", "OAUTH_LOGOUT_URL"} {
				wantEnv[k] = ""
			}
			wantEnv["OAUTH_SCOPES"] = "openid"
		}
		if f.Name == "check" || f.Name == "catalog" { // they seal and open AppSecrets
			wantEnv["APP_SECRETS_KEY_ID"] = "AppSecretsKey"
		}
		if !reflect.DeepEqual(f.Env, wantEnv) {
			t.Errorf("%s: got env %v, want %v", f.Name, f.Env, wantEnv)
		}
	}
	check := func(name string, fn func(f *Function) bool, what string) {
		t.Helper()
		f, ok := tp.Function(name)
		if !ok {
			t.Fatalf("no function %s", name)
		}
		if !fn(f) {
			t.Errorf("%s: want %s, got %+v", name, what, f)
		}
	}
	check("cancellations", func(f *Function) bool {
		return len(f.Schedules) == 1 && f.Schedules[0].Expression == "rate(1 minute)"
	}, "schedule rate(1 minute)")
	check("RemindersFunction", func(f *Function) bool {
		return len(f.Schedules) == 1 && strings.Contains(f.Schedules[0].Input, `"source": "aws.scheduler"`) &&
			strings.Contains(f.Schedules[0].Input, `"account": "000000000000"`)
	}, "one schedule with a scheduled-event input")
	check("publish", func(f *Function) bool { return f.Stream && len(f.StreamFilters) == 1 }, "a filtered stream")
	check("catalogevents", func(f *Function) bool {
		return len(f.Rules) == 1 && reflect.DeepEqual(f.Rules[0].Pattern["source"], []any{"dataservice.catalog"})
	}, "the dataservice.catalog rule")
	check("check", func(f *Function) bool {
		return f.HTTPRoutes[0] == Route{Method: "POST", Path: "/v1/check"}
	}, "POST /v1/check")
	check("console", func(f *Function) bool {
		return f.HTTPRoutes[0] == Route{Method: "GET", Path: "/console", Public: true} &&
			f.HTTPRoutes[1] == Route{Method: "GET", Path: "/console/{proxy+}", Public: true}
	}, "GET /console and GET /console/{proxy+} without the authorizer")
	for _, f := range tp.Functions {
		for _, r := range f.HTTPRoutes {
			if r.Public && f.Name != "console" {
				t.Errorf("%s: route %s %s has no authorizer", f.Name, r.Method, r.Path)
			}
		}
	}
}

const samEventsTemplate = `
Parameters:
  Notice: {Type: String, Default: 3s}
  NoDefault: {Type: String}
Globals:
  Function:
    Environment:
      Variables:
        A: global
        B: !Ref Notice
Resources:
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: x}}
  JobsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          A: own
          BUS: !Ref Bus
          ARN: !GetAtt Bus.Arn
          SUB: !Sub "${AWS::Region}/${Notice}/${Bus.Arn}"
          NUM: 5
          NONE: !Ref NoDefault
      Events:
        Api:
          Type: HttpApi
          Properties: {Method: get, Path: /x}
        Tick:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(5 minutes)}
        Old:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
        Rule:
          Type: EventBridgeRule
          Properties:
            Pattern: '{"source": ["s"]}'
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT"]}'
  Plain:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(2 hours)
      Targets:
        - {Id: t, Arn: {"Fn::GetAtt": [JobsFunction, Arn]}}
`

func TestParse_SAMEventsAndEnv(t *testing.T) {
	tp, err := Parse([]byte(samEventsTemplate))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	f, ok := tp.Function("jobs")
	if !ok {
		t.Fatalf("no function jobs in %+v", tp.Functions)
	}
	wantEnv := map[string]string{
		"A": "own", "B": "3s", "BUS": "gatepass", "ARN": "arn:aws:local:Bus:Arn",
		"SUB": "us-east-1/3s/arn:aws:local:Bus:Arn", "NUM": "5", "NONE": "",
	}
	if !reflect.DeepEqual(f.Env, wantEnv) {
		t.Errorf("got env %v, want %v", f.Env, wantEnv)
	}
	if want := []Route{{Method: "GET", Path: "/x"}}; !reflect.DeepEqual(f.HTTPRoutes, want) {
		t.Errorf("got routes %v, want %v", f.HTTPRoutes, want)
	}
	wantSched := []Schedule{{Expression: "rate(1 day)"}, {Expression: "rate(5 minutes)"}, {Expression: "rate(2 hours)"}}
	if !reflect.DeepEqual(f.Schedules, wantSched) {
		t.Errorf("got schedules %v, want %v", f.Schedules, wantSched)
	}
	if len(f.Rules) != 1 || !reflect.DeepEqual(f.Rules[0].Pattern, map[string]any{"source": []any{"s"}}) {
		t.Errorf("got rules %v, want one with source s", f.Rules)
	}
	if !f.Stream || len(f.StreamFilters) != 1 {
		t.Errorf("got stream %v filters %v, want a stream with one filter", f.Stream, f.StreamFilters)
	}
}

func TestScheduleInterval(t *testing.T) {
	tests := []struct {
		expr    string
		want    time.Duration
		wantErr bool
	}{
		{"rate(1 minute)", time.Minute, false},
		{"rate(5 minutes)", 5 * time.Minute, false},
		{"rate(1 hour)", time.Hour, false},
		{"rate(2 days)", 48 * time.Hour, false},
		{"rate(0 minutes)", 0, true},
		{"rate(1 second)", 0, true},
		{"cron(0 * * * ? *)", 0, true},
		{"at(2030-01-01T00:00:00)", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := Schedule{Expression: tc.expr}.Interval()
			if (err != nil) != tc.wantErr {
				t.Fatalf("got err %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecode_ShortFormTags(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"ref", "v: !Ref Table", map[string]any{"Ref": "Table"}},
		{"getatt", "v: !GetAtt Table.StreamArn", map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}}},
		{"sub", `v: !Sub "${Table.Arn}/index/*"`, map[string]any{"Fn::Sub": "${Table.Arn}/index/*"}},
		{"join", "v: !Join [',', [a, b]]", map[string]any{"Fn::Join": []any{",", []any{"a", "b"}}}},
		{"nested", "v: !Select [0, !Split [',', !Ref P]]", map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::Split": []any{",", map[string]any{"Ref": "P"}}}}}},
		{"scalars", "v: [1, 1.5, true, null, '7', OFF]", []any{1, 1.5, true, nil, "7", "OFF"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.yaml))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got["v"], tc.want) {
				t.Errorf("got %#v, want %#v", got["v"], tc.want)
			}
		})
	}
}

func TestDecode_Errors(t *testing.T) {
	for _, src := range []string{"a: 1\na: 2", "- a", "v: !GetAtt NoDot", "a: [b"} {
		if _, err := Decode([]byte(src)); err == nil {
			t.Errorf("Decode(%q): got no error, want one", src)
		}
	}
}

// TestFunctionTimeout: the function's own Timeout wins over Globals, and Lambda's 3 s
// applies when neither sets one.
func TestFunctionTimeout(t *testing.T) {
	tp, err := Load("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{"grant": 10 * time.Second, "check": 10 * time.Second} {
		if f, ok := tp.Function(name); !ok || f.Timeout != want {
			t.Errorf("%s: got %v, want %v", name, f.Timeout, want)
		}
	}
	for src, want := range map[string]time.Duration{
		"Globals: {Function: {Timeout: 7}}\nResources: {F: {Type: AWS::Serverless::Function, Properties: {Timeout: 20}}}":               20 * time.Second,
		"Globals: {Function: {Timeout: 7}}\nResources: {F: {Type: AWS::Serverless::Function, Properties: {}}}":                          7 * time.Second,
		"Resources: {F: {Type: AWS::Serverless::Function, Properties: {}}}":                                                             3 * time.Second,
		"Parameters: {T: {Type: Number, Default: 9}}\nResources: {F: {Type: AWS::Serverless::Function, Properties: {Timeout: !Ref T}}}": 9 * time.Second,
	} {
		tp, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := tp.Functions[0].Timeout; got != want {
			t.Errorf("%s: got %v, want %v", src, got, want)
		}
	}
	if _, err := Parse([]byte("Resources: {F: {Type: AWS::Serverless::Function, Properties: {Timeout: 0}}}")); err == nil {
		t.Error("a Timeout of 0 was accepted")
	}
}
