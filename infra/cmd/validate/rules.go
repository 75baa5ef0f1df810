package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	tpl "gatepass/infra/emulators/template"
	"gatepass/shared/settings"
	"gatepass/shared/store"
)

// projectRules are gatepass's rules on top of the schema (docs/design.md).
func (v *validator) projectRules() {
	v.functionRules()
	v.routeRules()
	v.iamRules()
	v.triggerRules()
	v.tableRules()
	v.outputRules()
	v.settingsRules()
	v.opsRules()    // ops.go
	v.signInRules() // signin.go
}

// settingsParams are the parameters that reach shared/settings as a duration variable.
var settingsParams = map[string]string{
	"CancelNotice": "CANCEL_NOTICE", "GrantRetention": "GRANT_RETENTION",
	"CheckMaxStaleness": "CHECK_MAX_STALENESS", "CheckCommitWait": "CHECK_COMMIT_WAIT",
}

// settingsSamples are values an operator may type for a duration parameter.
var settingsSamples = []string{
	"0", "1ms", "500ms", "4999ms", "5000ms", "5001ms", "9999ms", "299999ms", "300000ms", "300001ms",
	"0.5s", "1s", "2.5s", "5s", "5.001s", "6s", "10s", "300s", "300.5s", "1m", "4.5m", "5m", "5.5m", "6m", "1h", "48h", "720h",
}

// settingsRules: a value a parameter's AllowedPattern lets through must be one that
// shared/settings accepts, or every function would fail at its cold start after a
// deploy that CloudFormation let pass.
func (v *validator) settingsRules() {
	params := asMap(v.raw["Parameters"])
	for _, name := range sortedKeys(settingsParams) {
		pattern, _ := asMap(params[name])["AllowedPattern"].(string)
		re, err := regexp.Compile(pattern)
		if pattern == "" || err != nil {
			v.add("Parameters", name+".AllowedPattern", "got %q (%v), want a pattern of the values %s accepts", pattern, err, settingsParams[name])
			continue
		}
		for _, val := range settingsSamples {
			env := map[string]string{"TABLE_NAME": "t", settingsParams[name]: val}
			if _, err := settings.Load(func(k string) string { return env[k] }); re.MatchString(val) && err != nil {
				v.add("Parameters", name+".AllowedPattern", "lets %q through, which %s refuses (%v): the functions would fail at cold start", val, settingsParams[name], err)
			}
		}
	}
}

// functionProps are a function's properties with Globals.Function under them.
func (v *validator) functionProps(id string) map[string]any {
	global := asMap(asMap(v.raw["Globals"])["Function"])
	own := asMap(asMap(v.resources()[id])["Properties"])
	out := map[string]any{}
	for k, val := range global {
		out[k] = val
	}
	for k, val := range own {
		out[k] = val
	}
	env := map[string]any{}
	for _, src := range []map[string]any{global, own} {
		for k, val := range asMap(asMap(src["Environment"])["Variables"]) {
			env[k] = val
		}
	}
	out["Environment"] = map[string]any{"Variables": env}
	return out
}

func (v *validator) functionIDs() []string {
	var ids []string
	for _, id := range sortedKeys(v.resources()) {
		if asMap(v.resources()[id])["Type"] == "AWS::Serverless::Function" {
			ids = append(ids, id)
		}
	}
	return ids
}

func (v *validator) functionRules() {
	ids := v.functionIDs()
	for _, id := range Functions {
		if !contains(ids, id) {
			v.add(id, "", "function %s is missing (docs/design.md names it)", tpl.FunctionName(id))
		}
	}
	for _, id := range ids {
		if !strings.HasSuffix(id, "Function") {
			v.add(id, "", "a function's logical id must end in Function (the Makefile's build-%%Function target)")
			continue
		}
		name := tpl.FunctionName(id)
		p := v.functionProps(id)
		want := map[string]any{
			"Runtime": "provided.al2023", "Handler": "bootstrap",
			"Architectures": []any{"arm64"}, "CodeUri": ".",
		}
		for _, k := range sortedKeys(want) {
			if !reflect.DeepEqual(p[k], want[k]) {
				v.add(id, "Properties."+k, "got %v, want %v", show(p[k]), show(want[k]))
			}
		}
		if m := asMap(asMap(v.resources()[id])["Metadata"]); m["BuildMethod"] != "makefile" {
			v.add(id, "Metadata.BuildMethod", "got %v, want makefile", show(m["BuildMethod"]))
		}
		env := asMap(asMap(p["Environment"])["Variables"])
		for _, k := range sortedKeys(requiredEnv) {
			val, ok := env[k]
			switch {
			case !ok:
				v.add(id, "Properties.Environment.Variables."+k, "required variable is missing")
			case requiredEnv[k] != "":
				if ref, attr, _ := tpl.RefTarget(val); ref != requiredEnv[k] || attr != "" {
					v.add(id, "Properties.Environment.Variables."+k, "want !Ref %s", requiredEnv[k])
				}
			}
		}
		if fi, err := os.Stat(filepath.Join(v.opt.Root, "functions", name)); err != nil || !fi.IsDir() {
			v.add(id, "", "functions/%s/ does not exist", name)
		}
		samples, _ := filepath.Glob(filepath.Join(v.opt.Root, "events", name, "*.json"))
		if len(samples) == 0 {
			v.add(id, "", "events/%s/ has no sample event (*.json)", name)
		}
		for _, s := range samples {
			v.checkSample(id, name, s)
		}
	}
}

// checkSample: a sample is JSON, and an HTTP sample (payload 2.0, not an authorizer
// request) names a route of its own function.
func (v *validator) checkSample(id, name, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		v.add(id, "", "events/%s/%s: %v", name, filepath.Base(file), err)
		return
	}
	var ev struct {
		Version  string `json:"version"`
		Type     string `json:"type"`
		RouteKey string `json:"routeKey"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		v.add(id, "", "events/%s/%s: not JSON: %v", name, filepath.Base(file), err)
		return
	}
	if ev.Version != "2.0" || ev.Type != "" || ev.RouteKey == "" || v.model == nil {
		return
	}
	if f, ok := v.model.Function(id); ok {
		for _, r := range f.HTTPRoutes {
			if r.Method+" "+r.Path == ev.RouteKey {
				return
			}
		}
	}
	v.add(id, "", "events/%s/%s: routeKey %q is not a route of this function", name, filepath.Base(file), ev.RouteKey)
}

// logicalID is the logical id of the function in functions/<name>.
func logicalID(name string) string {
	for _, id := range Functions {
		if tpl.FunctionName(id) == name {
			return id
		}
	}
	return name
}

// routeRules: every route of the OpenAPI document on its function, nothing else, every route behind the
// HTTP API's default JWT authorizer with payload 2.0.
func (v *validator) routeRules() {
	type at struct{ fn, event string }
	declared := map[string]at{}
	for _, id := range v.functionIDs() {
		events := asMap(asMap(asMap(v.resources()[id])["Properties"])["Events"])
		for _, name := range sortedKeys(events) {
			ev := asMap(events[name])
			if ev["Type"] != "HttpApi" {
				if ev["Type"] == "Api" {
					v.add(id, "Properties.Events."+name, "a REST Api event: gatepass serves HttpApi routes only")
				}
				continue
			}
			p := asMap(ev["Properties"])
			path := "Properties.Events." + name + ".Properties"
			method, _ := p["Method"].(string)
			route, _ := p["Path"].(string)
			key := strings.ToUpper(method) + " " + route
			if prev, dup := declared[key]; dup {
				v.add(id, path, "route %s is also declared by %s.%s", key, prev.fn, prev.event)
			}
			declared[key] = at{id, name}
			api, _, _ := tpl.RefTarget(p["ApiId"])
			if asMap(v.resources()[api])["Type"] != "AWS::Serverless::HttpApi" {
				v.add(id, path+".ApiId", "want !Ref of the template's AWS::Serverless::HttpApi")
			} else {
				v.checkHTTPAPI(api)
			}
			if pf, ok := p["PayloadFormatVersion"]; ok && pf != "2.0" {
				v.add(id, path+".PayloadFormatVersion", "got %v, want \"2.0\"", show(pf))
			}
			public := id == consoleFunction && contains(consoleRoutes, key)
			auth, hasAuth := p["Auth"]
			switch {
			case public && !reflect.DeepEqual(auth, map[string]any{"Authorizer": "NONE"}):
				v.add(id, path+".Auth", "a console route serves public files: want {Authorizer: NONE}; got %v", show(auth))
			case !public && hasAuth:
				v.add(id, path+".Auth", "every route but the console's uses the API's default JWT authorizer; got %v", show(auth))
			}
		}
	}
	for _, key := range consoleRoutes {
		if got, ok := declared[key]; !ok || got.fn != consoleFunction {
			v.add(consoleFunction, "Properties.Events", "want the console route %s on %s", key, consoleFunction)
		}
		delete(declared, key) // not in the OpenAPI document
	}
	if p := asMap(asMap(v.resources()[consoleFunction])["Properties"]); p != nil {
		if p["Policies"] != nil {
			v.add(consoleFunction, "Properties.Policies", "the console serves embedded files and calls nothing: no policy")
		}
		env := asMap(asMap(p["Environment"])["Variables"])
		for _, k := range consoleLocalEnv {
			if val, ok := env[k]; !ok || val != "" {
				v.add(consoleFunction, "Properties.Environment.Variables."+k, "got %v: declare it empty (only the development server sets it)", show(val))
			}
		}
	}
	documented := map[string]bool{}
	for _, r := range v.opt.Routes {
		key := r.Method + " " + r.Path
		documented[key] = true
		got, ok := declared[key]
		switch {
		case !ok && r.Function == "":
			v.add("template", "", "route %s of the OpenAPI document is missing", key)
		case !ok:
			v.add(logicalID(r.Function), "Properties.Events", "route %s is missing (OpenAPI document)", key)
		case r.Function != "" && got.fn != logicalID(r.Function):
			v.add(got.fn, "Properties.Events."+got.event, "route %s belongs on %s (%s in the OpenAPI document)", key, logicalID(r.Function), FunctionExtension)
		}
	}
	for _, key := range sortedKeys(declared) {
		if !documented[key] {
			d := declared[key]
			v.add(d.fn, "Properties.Events."+d.event, "route %s is not in the OpenAPI document (infra/openapi.yaml)", key)
		}
	}
}

func (v *validator) checkHTTPAPI(id string) {
	auth := asMap(asMap(asMap(v.resources()[id])["Properties"])["Auth"])
	def, _ := auth["DefaultAuthorizer"].(string)
	a := asMap(asMap(auth["Authorizers"])[def])
	if def == "" || a == nil {
		v.add(id, "Properties.Auth.DefaultAuthorizer", "want a default authorizer declared in Auth.Authorizers")
		return
	}
	jwt := asMap(a["JwtConfiguration"])
	if jwt["issuer"] == nil || jwt["audience"] == nil {
		v.add(id, "Properties.Auth.Authorizers."+def+".JwtConfiguration", "want a JWT authorizer with issuer and audience")
	}
}

// iamRules: no "*" action or resource in any policy; functions use inline statements
// whose resources are this template's resources; read-only functions only read.
func (v *validator) iamRules() {
	for _, id := range sortedKeys(v.resources()) {
		res := asMap(v.resources()[id])
		p := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::Serverless::Function":
			for i, pol := range asSlice(p["Policies"]) {
				at := fmt.Sprintf("Properties.Policies[%d]", i)
				doc := asMap(pol)
				if doc["Statement"] == nil {
					v.add(id, at, "want an inline policy document (Statement), not a managed policy or SAM policy template: least privilege is spelled out")
					continue
				}
				v.checkPolicy(id, at, doc, true)
				if readOnlyFunctions[tpl.FunctionName(id)] {
					for j, st := range asSlice(doc["Statement"]) {
						for _, a := range asSlice(asMap(st)["Action"]) {
							if s, _ := a.(string); !tableReadActions[s] && !readOnlyException(s, asMap(st)) {
								v.add(id, fmt.Sprintf("%s.Statement[%d].Action", at, j), "%v: a read-only function may only have %s (and a nonce's PutItem bound to NONCE# leading keys, kms:Decrypt)", show(a), strings.Join(sortedKeys(tableReadActions), ", "))
							}
						}
					}
				}
			}
			if p["Role"] != nil {
				v.add(id, "Properties.Role", "let SAM build the role from the inline Policies")
			}
		case "AWS::IAM::Role":
			for i, pol := range asSlice(p["Policies"]) {
				v.checkPolicy(id, fmt.Sprintf("Properties.Policies[%d].PolicyDocument", i), asMap(asMap(pol)["PolicyDocument"]), true)
			}
			if p["ManagedPolicyArns"] != nil {
				v.add(id, "Properties.ManagedPolicyArns", "use inline least-privilege policies")
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			v.checkPolicy(id, "Properties.PolicyDocument", asMap(p["PolicyDocument"]), true)
		case "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::Events::EventBusPolicy":
			v.checkPolicy(id, "Properties.PolicyDocument", asMap(p["PolicyDocument"]), false)
		}
	}
}

// readOnlyException reports whether a read-only function's statement st may have
// action: one of readOnlyExceptions, bound to its leading keys where it names some
// (ForAllValues:StringLike dynamodb:LeadingKeys, every pattern under the prefix).
func readOnlyException(action string, st map[string]any) bool {
	prefix, ok := readOnlyExceptions[action]
	if !ok || prefix == "" {
		return ok
	}
	keys := asSlice(asMap(asMap(st["Condition"])["ForAllValues:StringLike"])["dynamodb:LeadingKeys"])
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if s, _ := k.(string); !strings.HasPrefix(s, prefix) {
			return false
		}
	}
	return true
}

func (v *validator) checkPolicy(id, at string, doc map[string]any, identity bool) {
	stmts := asSlice(doc["Statement"])
	if len(stmts) == 0 {
		v.add(id, at+".Statement", "no statements")
	}
	for j, s := range stmts {
		st := asMap(s)
		sat := fmt.Sprintf("%s.Statement[%d]", at, j)
		for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
			if st[k] != nil {
				v.add(id, sat+"."+k, "%s grants by exclusion: list what is allowed", k)
			}
		}
		if len(asSlice(st["Action"])) == 0 {
			v.add(id, sat+".Action", "no actions")
		}
		for _, a := range asSlice(st["Action"]) {
			if s, ok := a.(string); !ok || strings.Contains(s, "*") {
				v.add(id, sat+".Action", "%v: no wildcard actions", show(a))
			}
		}
		if identity && len(asSlice(st["Resource"])) == 0 {
			v.add(id, sat+".Resource", "no resources")
		}
		for _, r := range asSlice(st["Resource"]) {
			if msg := resourceProblem(r, v.resources()); msg != "" {
				v.add(id, sat+".Resource", "%v: %s", show(r), msg)
			}
		}
	}
}

// resourceProblem says what is wrong with one Resource entry: "*", a wildcard other
// than a table's /index/* or /stream/*, or a literal ARN instead of a reference to one
// of the template's resources.
func resourceProblem(r any, resources map[string]any) string {
	if id, _, ok := tpl.RefTarget(r); ok {
		if _, exists := resources[id]; !exists {
			return "names no resource of this template"
		}
		return ""
	}
	name, arg, ok := tpl.Intrinsic(r)
	if !ok || name != "Fn::Sub" {
		if s, isStr := r.(string); isStr && strings.Contains(s, "*") {
			return "no wildcard resources"
		}
		return "want a reference (!Ref, !GetAtt, !Sub) to a resource of this template"
	}
	s, _ := arg.(string)
	for _, okSuffix := range []string{"/index/*", "/stream/*"} {
		s = strings.TrimSuffix(s, okSuffix)
	}
	if strings.Contains(s, "*") {
		return "no wildcard resources (only a table's /index/* and /stream/*)"
	}
	if !strings.HasPrefix(s, "${") {
		return "want the ARN of a resource of this template (${Resource.Arn}...)"
	}
	ref := strings.SplitN(strings.TrimPrefix(s, "${"), "}", 2)[0]
	if _, exists := resources[strings.SplitN(ref, ".", 2)[0]]; !exists {
		return "names no resource of this template"
	}
	return ""
}

// triggerRules: schedules, rules and streams retry and dead-letter what fails, and the
// job functions have their triggers.
func (v *validator) triggerRules() {
	for _, id := range sortedKeys(v.resources()) {
		res := asMap(v.resources()[id])
		p := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::Scheduler::Schedule":
			t := asMap(p["Target"])
			v.requireDLQ(id, "Properties.Target.DeadLetterConfig.Arn", asMap(t["DeadLetterConfig"])["Arn"])
			if t["RetryPolicy"] == nil {
				v.add(id, "Properties.Target.RetryPolicy", "a schedule needs a retry policy")
			}
		case "AWS::Events::Rule":
			for i, t := range asSlice(p["Targets"]) {
				at := fmt.Sprintf("Properties.Targets[%d]", i)
				v.requireDLQ(id, at+".DeadLetterConfig.Arn", asMap(asMap(t)["DeadLetterConfig"])["Arn"])
				if asMap(t)["RetryPolicy"] == nil {
					v.add(id, at+".RetryPolicy", "a rule target needs a retry policy")
				}
			}
		case "AWS::Lambda::EventSourceMapping":
			if _, attr, _ := tpl.RefTarget(p["EventSourceArn"]); attr == "StreamArn" {
				v.streamSettings(id, "Properties", p)
			}
		case "AWS::Serverless::Function":
			v.functionEventRules(id, asMap(p["Events"]))
		}
	}
	v.jobTriggerRules()
}

// functionEventRules: a function's schedule, rule and stream events retry and
// dead-letter what fails.
func (v *validator) functionEventRules(id string, events map[string]any) {
	for _, name := range sortedKeys(events) {
		ev := asMap(events[name])
		ep := asMap(ev["Properties"])
		at := "Properties.Events." + name + ".Properties"
		switch ev["Type"] {
		case "Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent":
			dlq := asMap(ep["DeadLetterConfig"])
			if dlq["Type"] != "SQS" {
				v.requireDLQ(id, at+".DeadLetterConfig.Arn", dlq["Arn"])
			}
			if ep["RetryPolicy"] == nil {
				v.add(id, at+".RetryPolicy", "a scheduled or rule-driven event needs a retry policy")
			}
		case "DynamoDB":
			v.streamSettings(id, at, ep)
		}
	}
}

// jobTriggerRules: each job function has the trigger that runs it, at a rate the
// development server can fire.
func (v *validator) jobTriggerRules() {
	if v.model == nil {
		return
	}
	need := map[string]func(f *tpl.Function) bool{
		"reminders":     func(f *tpl.Function) bool { return len(f.Schedules) > 0 },
		"cancellations": func(f *tpl.Function) bool { return len(f.Schedules) > 0 },
		"publish":       func(f *tpl.Function) bool { return f.Stream },
		"catalogevents": func(f *tpl.Function) bool {
			for _, r := range f.Rules {
				if reflect.DeepEqual(r.Pattern["source"], []any{"dataservice.catalog"}) {
					return true
				}
			}
			return false
		},
	}
	for _, name := range sortedKeys(need) {
		if f, ok := v.model.Function(name); ok && !need[name](f) {
			v.add(f.LogicalID, "", "nothing runs it: want its schedule, stream or dataservice.catalog rule")
		}
		if f, ok := v.model.Function(name); ok {
			for _, s := range f.Schedules {
				if _, err := s.Interval(); err != nil {
					v.add(f.LogicalID, "", "%v (the development server fires schedules at their rate)", err)
				}
			}
		}
	}
}

func (v *validator) streamSettings(id, at string, p map[string]any) {
	v.requireDLQ(id, at+".DestinationConfig.OnFailure.Destination", asMap(asMap(p["DestinationConfig"])["OnFailure"])["Destination"])
	if p["BisectBatchOnFunctionError"] != true {
		v.add(id, at+".BisectBatchOnFunctionError", "want true")
	}
	if !contains(toStrings(asSlice(p["FunctionResponseTypes"])), "ReportBatchItemFailures") {
		v.add(id, at+".FunctionResponseTypes", "want [ReportBatchItemFailures]")
	}
	if len(asSlice(asMap(p["FilterCriteria"])["Filters"])) == 0 {
		v.add(id, at+".FilterCriteria", "want a filter (the stream carries every item; the relay wants audit inserts)")
	}
}

// requireDLQ: ref must name an AWS::SQS::Queue of the template.
func (v *validator) requireDLQ(id, at string, ref any) {
	q, _, _ := tpl.RefTarget(ref)
	if ref == nil {
		v.add(id, at, "a dead-letter queue is required")
	} else if asMap(v.resources()[q])["Type"] != "AWS::SQS::Queue" {
		v.add(id, at, "want !GetAtt <Queue>.Arn of an AWS::SQS::Queue of this template")
	}
}

// tableRules: the table matches store.TableInput, with TTL, stream and PITR.
func (v *validator) tableRules() {
	const id = "Table"
	res := asMap(v.resources()[id])
	if res["Type"] != "AWS::DynamoDB::Table" {
		v.add(id, "", "want an AWS::DynamoDB::Table with logical id Table")
		return
	}
	p := asMap(res["Properties"])
	in := store.TableInput("x")
	if got := p["BillingMode"]; got != string(in.BillingMode) {
		v.add(id, "Properties.BillingMode", "got %v, want %s (store.TableInput)", show(got), in.BillingMode)
	}
	wantAttrs := map[string]any{}
	for _, a := range in.AttributeDefinitions {
		wantAttrs[*a.AttributeName] = string(a.AttributeType)
	}
	gotAttrs := map[string]any{}
	for _, a := range asSlice(p["AttributeDefinitions"]) {
		name, _ := asMap(a)["AttributeName"].(string)
		gotAttrs[name] = asMap(a)["AttributeType"]
	}
	if !reflect.DeepEqual(gotAttrs, wantAttrs) {
		v.add(id, "Properties.AttributeDefinitions", "got %v, want %v (store.TableInput)", show(gotAttrs), show(wantAttrs))
	}
	if got, want := templateKeys(p["KeySchema"]), sdkKeys(in.KeySchema); !reflect.DeepEqual(got, want) {
		v.add(id, "Properties.KeySchema", "got %v, want %v (store.TableInput)", got, want)
	}
	v.tableIndexRules(id, p, in)
	if p["LocalSecondaryIndexes"] != nil {
		v.add(id, "Properties.LocalSecondaryIndexes", "not in store.TableInput")
	}
	ttl := asMap(p["TimeToLiveSpecification"])
	if ttl["AttributeName"] != store.AttrTTL || ttl["Enabled"] != true {
		v.add(id, "Properties.TimeToLiveSpecification", "want TTL enabled on %q", store.AttrTTL)
	}
	if got := asMap(p["StreamSpecification"])["StreamViewType"]; got != string(in.StreamSpecification.StreamViewType) {
		v.add(id, "Properties.StreamSpecification.StreamViewType", "got %v, want %s (the outbox relay reads new images)", show(got), in.StreamSpecification.StreamViewType)
	}
	if asMap(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true {
		v.add(id, "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", "want true")
	}
}

// tableIndexRules: the table's global secondary indexes are store.TableInput's.
func (v *validator) tableIndexRules(id string, p map[string]any, in *dynamodb.CreateTableInput) {
	gotIdx := map[string]string{}
	for _, g := range asSlice(p["GlobalSecondaryIndexes"]) {
		name, _ := asMap(g)["IndexName"].(string)
		gotIdx[name] = fmt.Sprintf("%v projection %v", templateKeys(asMap(g)["KeySchema"]), asMap(asMap(g)["Projection"])["ProjectionType"])
	}
	wantIdx := map[string]string{}
	for _, g := range in.GlobalSecondaryIndexes {
		wantIdx[*g.IndexName] = fmt.Sprintf("%v projection %v", sdkKeys(g.KeySchema), g.Projection.ProjectionType)
	}
	for _, name := range sortedKeys(wantIdx) {
		if gotIdx[name] != wantIdx[name] {
			v.add(id, "Properties.GlobalSecondaryIndexes."+name, "got %q, want %q (store.TableInput)", gotIdx[name], wantIdx[name])
		}
	}
	for _, name := range sortedKeys(gotIdx) {
		if _, ok := wantIdx[name]; !ok {
			v.add(id, "Properties.GlobalSecondaryIndexes."+name, "not in store.TableInput")
		}
	}
}

// templateKeys and sdkKeys write a key schema as ["PK HASH", "SK RANGE"].
func templateKeys(ks any) []string {
	var out []string
	for _, k := range asSlice(ks) {
		out = append(out, fmt.Sprintf("%v %v", asMap(k)["AttributeName"], asMap(k)["KeyType"]))
	}
	return out
}

func sdkKeys(ks []ddbtypes.KeySchemaElement) []string {
	var out []string
	for _, k := range ks {
		out = append(out, fmt.Sprintf("%s %s", *k.AttributeName, k.KeyType))
	}
	return out
}

func (v *validator) outputRules() {
	outs := asMap(v.raw["Outputs"])
	for _, name := range requiredOutputs {
		if _, ok := outs[name]; !ok {
			v.add("Outputs", name, "required output is missing")
		}
	}
	params := asMap(v.raw["Parameters"])
	for _, name := range []string{"JwtIssuer", "JwtAudience", "CancelNotice", "ReminderDays", "GrantRetention", "AuthorizerResultTtl"} {
		if _, ok := params[name]; !ok {
			v.add("Parameters", name, "required parameter is missing")
		}
	}
}

// show prints a template value compactly for a message.
func show(v any) string {
	if v == nil {
		return "nothing"
	}
	if name, _, ok := tpl.Intrinsic(v); ok {
		if id, attr, ok := tpl.RefTarget(v); ok {
			if attr != "" {
				return "!GetAtt " + id + "." + attr
			}
			return "!Ref " + id
		}
		return name
	}
	return fmt.Sprint(v)
}

func toStrings(s []any) []string {
	out := make([]string, 0, len(s))
	for _, x := range s {
		if str, ok := x.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
