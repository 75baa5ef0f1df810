package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	tpl "gatepass/infra/emulators/template"
)

// Operations rules: what an operator needs from the stack (README "Deploy to AWS" and
// "Runbook"). Each names the resource that lacks something:
//
//   - every SQS queue (each is a dead-letter queue or an on-failure destination) has an
//     alarm on its depth;
//   - every function has an alarm on its Errors and one on its Throttles (a metric of
//     its own or one of a metric-math alarm's metrics), a function fed by a stream one
//     on its IteratorAge, and a log group /aws/lambda/<name> with a retention;
//   - every table has alarms on its throttled requests and its system errors;
//   - every alarm notifies an SNS topic of the template and says what it means; a
//     metric-math alarm reads at most 10 metrics and returns exactly one series;
//   - the HTTP API writes JSON access logs to a log group of the template with a
//     retention;
//   - every asynchronously invoked function (by a schedule or a rule) has an on-failure
//     destination in a queue of the template, which its role may send to;
//   - the local-only variables are declared in Globals with the empty string, and no
//     function gives them a value; AWS_SAM_LOCAL is never declared;
//   - CheckFunction may be invoked by API Gateway as an authorizer (a conditional
//     permission for one API), and the outputs name what an operator looks up;
//   - the issuer must be an https:// URL;
//   - a dashboard's body is JSON (with every ${...} of its !Sub replaced).
func (v *validator) opsRules() {
	v.queueAlarmRules()
	v.functionOpsRules()
	v.tableAlarmRules()
	v.alarmRules()
	v.accessLogRules()
	v.asyncRules()
	v.localEnvRules()
	v.authorizerRules()
	v.opsOutputRules()
	v.dashboardRules()
}

// localOnlyEnv are the variables only `sam local` and `make invoke` set (through their
// env-vars files): declared so that those tools may set them, empty in every deploy.
var localOnlyEnv = []string{"LOCAL_JWT_SECRET", "AWS_ENDPOINT_URL_DYNAMODB"}

// samLocalVar is set to "true" by the SAM CLI in its containers (and by make invoke);
// with LOCAL_JWT_SECRET it lets a function verify a token itself. The template never
// declares it, so no env-vars file or deploy can set it in AWS.
const samLocalVar = "AWS_SAM_LOCAL"

// metricRef is one metric an alarm reads.
type metricRef struct {
	Namespace, Name string
	Dims            map[string]any // dimension name → value (often an intrinsic)
}

// alarmMetrics are the metrics an alarm reads: its own, or its metric-math metrics.
func alarmMetrics(p map[string]any) []metricRef {
	dims := func(list any) map[string]any {
		out := map[string]any{}
		for _, d := range asSlice(list) {
			if name, ok := asMap(d)["Name"].(string); ok {
				out[name] = asMap(d)["Value"]
			}
		}
		return out
	}
	var out []metricRef
	if name, ok := p["MetricName"].(string); ok {
		ns, _ := p["Namespace"].(string)
		out = append(out, metricRef{ns, name, dims(p["Dimensions"])})
	}
	for _, q := range asSlice(p["Metrics"]) {
		m := asMap(asMap(asMap(q)["MetricStat"])["Metric"])
		if name, ok := m["MetricName"].(string); ok {
			ns, _ := m["Namespace"].(string)
			out = append(out, metricRef{ns, name, dims(m["Dimensions"])})
		}
	}
	return out
}

// alarmed reports whether some alarm of the template reads a metric of namespace ns
// named one of names whose dimension dim names id (with attribute attr: "" for Ref).
func (v *validator) alarmed(ns string, names []string, dim, id, attr string) bool {
	for _, aid := range v.ofType("AWS::CloudWatch::Alarm") {
		for _, m := range alarmMetrics(asMap(asMap(v.resources()[aid])["Properties"])) {
			if m.Namespace != ns || !contains(names, m.Name) {
				continue
			}
			if rid, rattr, ok := tpl.RefTarget(m.Dims[dim]); ok && rid == id && rattr == attr {
				return true
			}
		}
	}
	return false
}

func (v *validator) ofType(typ string) []string {
	var ids []string
	for _, id := range sortedKeys(v.resources()) {
		if asMap(v.resources()[id])["Type"] == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

func (v *validator) queueAlarmRules() {
	for _, q := range v.ofType("AWS::SQS::Queue") {
		if !v.alarmed("AWS/SQS", []string{"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"}, "QueueName", q, "QueueName") {
			v.add(q, "", "no alarm on its depth: want an AWS::CloudWatch::Alarm on AWS/SQS ApproximateNumberOfMessagesVisible with QueueName !GetAtt %s.QueueName", q)
		}
	}
}

func (v *validator) functionOpsRules() {
	streamFed := map[string]bool{}
	if v.model != nil {
		for _, f := range v.model.Functions {
			streamFed[f.LogicalID] = f.Stream
		}
	}
	groups := map[string]string{} // function → its log group
	for _, lg := range v.ofType("AWS::Logs::LogGroup") {
		p := asMap(asMap(v.resources()[lg])["Properties"])
		name, arg, ok := tpl.Intrinsic(p["LogGroupName"])
		s, _ := arg.(string)
		if !ok || name != "Fn::Sub" || !strings.HasPrefix(s, "/aws/lambda/${") || !strings.HasSuffix(s, "}") {
			continue
		}
		fn := strings.TrimSuffix(strings.TrimPrefix(s, "/aws/lambda/${"), "}")
		groups[fn] = lg
		if p["RetentionInDays"] == nil {
			v.add(lg, "Properties.RetentionInDays", "a function's logs need a retention (logs kept forever cost forever)")
		}
	}
	for _, fn := range v.functionIDs() {
		if !v.alarmed("AWS/Lambda", []string{"Errors"}, "FunctionName", fn, "") {
			v.add(fn, "", "no alarm on its Errors: want an alarm (or a metric-math alarm's metric) on AWS/Lambda Errors with FunctionName !Ref %s", fn)
		}
		if !v.alarmed("AWS/Lambda", []string{"Throttles"}, "FunctionName", fn, "") {
			v.add(fn, "", "no alarm on its Throttles: want an alarm (or a metric-math alarm's metric) on AWS/Lambda Throttles with FunctionName !Ref %s", fn)
		}
		if streamFed[fn] && !v.alarmed("AWS/Lambda", []string{"IteratorAge"}, "FunctionName", fn, "") {
			v.add(fn, "", "fed by a stream but no alarm on its IteratorAge (FunctionName !Ref %s)", fn)
		}
		if _, ok := groups[fn]; !ok {
			v.add(fn, "", "no log group: want an AWS::Logs::LogGroup with LogGroupName !Sub \"/aws/lambda/${%s}\" and RetentionInDays", fn)
		}
	}
}

func (v *validator) tableAlarmRules() {
	for _, t := range v.ofType("AWS::DynamoDB::Table") {
		if !v.alarmed("AWS/DynamoDB", []string{"ThrottledRequests", "ReadThrottleEvents", "WriteThrottleEvents"}, "TableName", t, "") {
			v.add(t, "", "no alarm on throttling: want an alarm on AWS/DynamoDB ThrottledRequests with TableName !Ref %s", t)
		}
		if !v.alarmed("AWS/DynamoDB", []string{"SystemErrors"}, "TableName", t, "") {
			v.add(t, "", "no alarm on system errors: want an alarm on AWS/DynamoDB SystemErrors with TableName !Ref %s", t)
		}
	}
}

// maxAlarmMetrics is CloudWatch's hard limit on the metrics a metric-math alarm reads.
const maxAlarmMetrics = 10

func (v *validator) alarmRules() {
	for _, id := range v.ofType("AWS::CloudWatch::Alarm") {
		p := asMap(asMap(v.resources()[id])["Properties"])
		notifies := false
		for _, a := range asSlice(p["AlarmActions"]) {
			if t, attr, ok := tpl.RefTarget(a); ok && attr == "" && asMap(v.resources()[t])["Type"] == "AWS::SNS::Topic" {
				notifies = true
			}
		}
		if !notifies {
			v.add(id, "Properties.AlarmActions", "an alarm nobody hears: want !Ref of an AWS::SNS::Topic of this template")
		}
		if d, _ := p["AlarmDescription"].(string); strings.TrimSpace(d) == "" {
			v.add(id, "Properties.AlarmDescription", "say what the alarm means and where its runbook entry is")
		}
		if p["Metrics"] == nil {
			continue
		}
		stats, returned := 0, 0
		for i, q := range asSlice(p["Metrics"]) {
			m := asMap(q)
			if m["MetricStat"] != nil {
				stats++
			}
			switch m["ReturnData"] {
			case true:
				returned++
			case false:
			default:
				v.add(id, fmt.Sprintf("Properties.Metrics[%d].ReturnData", i), "set it: true on the one series the alarm watches, false on the others")
			}
		}
		if stats > maxAlarmMetrics {
			v.add(id, "Properties.Metrics", "%d metrics: a metric-math alarm reads at most %d (split it)", stats, maxAlarmMetrics)
		}
		if returned != 1 {
			v.add(id, "Properties.Metrics", "%d entries with ReturnData true: want exactly one", returned)
		}
	}
}

func (v *validator) accessLogRules() {
	for _, api := range v.ofType("AWS::Serverless::HttpApi") {
		s := asMap(asMap(asMap(v.resources()[api])["Properties"])["AccessLogSettings"])
		at := "Properties.AccessLogSettings"
		if s == nil {
			v.add(api, at, "no access logs: want DestinationArn (!GetAtt <LogGroup>.Arn) and a JSON Format")
			continue
		}
		lg, attr, _ := tpl.RefTarget(s["DestinationArn"])
		res := asMap(v.resources()[lg])
		switch {
		case res["Type"] != "AWS::Logs::LogGroup" || attr != "Arn":
			v.add(api, at+".DestinationArn", "want !GetAtt <LogGroup>.Arn of an AWS::Logs::LogGroup of this template")
		case asMap(res["Properties"])["RetentionInDays"] == nil:
			v.add(lg, "Properties.RetentionInDays", "the access logs need a retention")
		}
		format, _ := s["Format"].(string)
		var fields map[string]any
		if err := json.Unmarshal([]byte(format), &fields); err != nil {
			v.add(api, at+".Format", "want a JSON object (one per request, for Logs Insights): %v", err)
		} else if !strings.Contains(format, "$context.requestId") {
			v.add(api, at+".Format", "want $context.requestId (API Gateway requires it; it joins a request to its function's logs)")
		}
	}
}

// asyncTargets are the functions invoked asynchronously (Lambda's own retries, then
// discard unless an on-failure destination is set) and what invokes them.
func (v *validator) asyncTargets() map[string]string {
	out := map[string]string{}
	for _, id := range sortedKeys(v.resources()) {
		res := asMap(v.resources()[id])
		p := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::Scheduler::Schedule":
			if fn := lambdaTarget(asMap(p["Target"])["Arn"]); fn != "" {
				out[fn] = id
			}
		case "AWS::Events::Rule":
			for _, t := range asSlice(p["Targets"]) {
				if fn := lambdaTarget(asMap(t)["Arn"]); fn != "" {
					out[fn] = id
				}
			}
		case "AWS::Serverless::Function":
			for _, name := range sortedKeys(asMap(p["Events"])) {
				switch asMap(asMap(p["Events"])[name])["Type"] {
				case "Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "SNS", "S3":
					out[id] = id + ".Events." + name
				}
			}
		}
	}
	for fn := range out {
		if asMap(v.resources()[fn])["Type"] != "AWS::Serverless::Function" {
			delete(out, fn)
		}
	}
	return out
}

// lambdaTarget is the logical id a target Arn (!GetAtt X.Arn or !Ref X) names.
func lambdaTarget(arn any) string {
	id, attr, ok := tpl.RefTarget(arn)
	if !ok || (attr != "" && attr != "Arn") {
		return ""
	}
	return id
}

func (v *validator) asyncRules() {
	targets := v.asyncTargets()
	for _, fn := range sortedKeys(targets) {
		queue, at := v.onFailureQueue(fn)
		if queue == "" {
			v.add(fn, "", "invoked asynchronously by %s, but what it fails on is discarded after Lambda's retries: want an AWS::Lambda::EventInvokeConfig (or EventInvokeConfig) with DestinationConfig.OnFailure.Destination !GetAtt <Queue>.Arn", targets[fn])
			continue
		}
		if asMap(v.resources()[queue])["Type"] != "AWS::SQS::Queue" {
			v.add(at, "", "the on-failure destination of %s must be an AWS::SQS::Queue of this template (alarmed)", fn)
			continue
		}
		if !v.mayAccess(fn, "sqs:SendMessage", queue) {
			v.add(fn, "Properties.Policies", "its role may not sqs:SendMessage to %s, its on-failure destination", queue)
		}
	}
}

// onFailureQueue is the queue that receives fn's failed asynchronous invocations, and
// the resource that says so.
func (v *validator) onFailureQueue(fn string) (queue, at string) {
	dest := func(cfg map[string]any) string {
		q, _, _ := tpl.RefTarget(asMap(asMap(cfg["DestinationConfig"])["OnFailure"])["Destination"])
		return q
	}
	for _, id := range v.ofType("AWS::Lambda::EventInvokeConfig") {
		p := asMap(asMap(v.resources()[id])["Properties"])
		if f, _, _ := tpl.RefTarget(p["FunctionName"]); f == fn {
			if q := dest(p); q != "" {
				return q, id
			}
		}
	}
	p := v.functionProps(fn)
	if q := dest(asMap(p["EventInvokeConfig"])); q != "" {
		return q, fn
	}
	if q, _, _ := tpl.RefTarget(asMap(p["DeadLetterQueue"])["TargetArn"]); q != "" {
		return q, fn
	}
	return "", ""
}

// mayAccess reports whether one of fn's inline policy statements allows action on
// resource id. SAM adds this itself only for its own EventInvokeConfig; the plain
// resource needs the statement.
func (v *validator) mayAccess(fn, action, id string) bool {
	p := asMap(asMap(v.resources()[fn])["Properties"])
	if q, _, _ := tpl.RefTarget(asMap(asMap(asMap(p["EventInvokeConfig"])["DestinationConfig"])["OnFailure"])["Destination"]); q == id {
		return true
	}
	for _, pol := range asSlice(p["Policies"]) {
		for _, st := range asSlice(asMap(pol)["Statement"]) {
			s := asMap(st)
			if s["Effect"] != "Allow" || !contains(toStrings(asSlice(s["Action"])), action) {
				continue
			}
			for _, r := range asSlice(s["Resource"]) {
				if rid, _, _ := tpl.RefTarget(r); rid == id {
					return true
				}
			}
		}
	}
	return false
}

func (v *validator) localEnvRules() {
	global := asMap(asMap(asMap(asMap(v.raw["Globals"])["Function"])["Environment"])["Variables"])
	for _, k := range localOnlyEnv {
		val, ok := global[k]
		switch {
		case !ok:
			v.add("Globals", "Function.Environment.Variables."+k, "declare it with \"\": sam local only passes --env-vars values for declared variables")
		case val != "":
			v.add("Globals", "Function.Environment.Variables."+k, "got %v: a local-only variable is declared empty, never given a value", show(val))
		}
	}
	for _, fn := range v.functionIDs() {
		own := asMap(asMap(asMap(asMap(v.resources()[fn])["Properties"])["Environment"])["Variables"])
		for _, k := range sortedKeys(own) {
			if (contains(localOnlyEnv, k) || strings.HasPrefix(k, "AWS_ENDPOINT_URL")) && own[k] != "" {
				v.add(fn, "Properties.Environment.Variables."+k, "got %v: a local-only variable must stay empty in the template", show(own[k]))
			}
		}
	}
	for _, scope := range append([]string{""}, v.functionIDs()...) {
		vars, id, at := global, "Globals", "Function.Environment.Variables."
		if scope != "" {
			vars, id, at = asMap(asMap(asMap(asMap(v.resources()[scope])["Properties"])["Environment"])["Variables"]), scope, "Properties.Environment.Variables."
		}
		if _, ok := vars[samLocalVar]; ok {
			v.add(id, at+samLocalVar, "only the SAM CLI sets it: declared here, a deploy could switch on the functions' own token check")
		}
	}
	for _, k := range sortedKeys(global) {
		if strings.HasPrefix(k, "AWS_ENDPOINT_URL") && global[k] != "" {
			v.add("Globals", "Function.Environment.Variables."+k, "got %v: an endpoint override must stay empty in the template", show(global[k]))
		}
	}
	issuer := asMap(asMap(v.raw["Parameters"])["JwtIssuer"])
	if pat, _ := issuer["AllowedPattern"].(string); !strings.HasPrefix(pat, "^https://") {
		v.add("Parameters", "JwtIssuer.AllowedPattern", "got %v, want a pattern starting ^https:// (an issuer is an https URL)", show(issuer["AllowedPattern"]))
	}
}

// authorizerFunction is the function the data APIs attach as their Lambda authorizer.
const authorizerFunction = "CheckFunction"

func (v *validator) authorizerRules() {
	found := false
	for _, id := range v.ofType("AWS::Lambda::Permission") {
		r := asMap(v.resources()[id])
		p := asMap(r["Properties"])
		if p["Principal"] != "apigateway.amazonaws.com" || lambdaTarget(p["FunctionName"]) != authorizerFunction {
			continue
		}
		found = true
		src, _, _ := tpl.Intrinsic(p["SourceArn"])
		if src != "Fn::Sub" {
			v.add(id, "Properties.SourceArn", "want !Sub of one data API's execute-api ARN (…:${ApiId}/authorizers/*), never any API")
		}
		if r["Condition"] == nil {
			v.add(id, "Condition", "want a condition on the parameter that names the data API (no API named, no permission)")
		}
	}
	if !found && asMap(v.resources()[authorizerFunction]) != nil {
		v.add(authorizerFunction, "", "no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke it as the data APIs' authorizer")
	}
}

// opsOutputs are the outputs an operator and the data APIs' stacks look up.
var opsOutputs = []string{"HttpApiId", "BusArn", "CheckFunctionName", "CheckFunctionArn", "AlarmTopicArn"}

func (v *validator) opsOutputRules() {
	outs := asMap(v.raw["Outputs"])
	for _, name := range opsOutputs {
		if _, ok := outs[name]; !ok {
			v.add("Outputs", name, "required output is missing")
		}
	}
	refs := map[string]bool{}
	for _, o := range outs {
		if id, attr, ok := tpl.RefTarget(asMap(o)["Value"]); ok && attr == "" {
			refs[id] = true
		}
	}
	for _, q := range v.ofType("AWS::SQS::Queue") {
		if !refs[q] {
			v.add("Outputs", "", "no output gives %s's URL (!Ref %s): the runbook reads it", q, q)
		}
	}
	for _, fn := range v.functionIDs() {
		if !refs[fn] {
			v.add("Outputs", "", "no output gives %s's name (!Ref %s): the runbook invokes it", fn, fn)
		}
	}
}

// numberDefaults gives goformation the Number parameters' defaults as numbers: the
// schema wants a parameter's Default as a string, goformation resolves a Ref to it and
// then refuses "30" for an integer property.
func numberDefaults(params map[string]any) map[string]any {
	if params == nil {
		return nil
	}
	out := make(map[string]any, len(params))
	for name, p := range params {
		out[name] = p
		pm := asMap(p)
		s, ok := pm["Default"].(string)
		if pm["Type"] != "Number" || !ok {
			continue
		}
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			out[name] = copyWith(pm, "Default", n)
		}
	}
	return out
}

var subVar = regexp.MustCompile(`\$\{[^}]*\}`)

// dashboardRules: CloudFormation takes any string as a DashboardBody and the console
// shows a broken one as empty; parse it here.
func (v *validator) dashboardRules() {
	for _, id := range v.ofType("AWS::CloudWatch::Dashboard") {
		body := asMap(asMap(v.resources()[id])["Properties"])["DashboardBody"]
		if name, arg, ok := tpl.Intrinsic(body); ok && name == "Fn::Sub" {
			body = arg
		}
		s, ok := body.(string)
		if !ok {
			v.add(id, "Properties.DashboardBody", "want a JSON string (or !Sub of one)")
			continue
		}
		var d struct {
			Widgets []json.RawMessage `json:"widgets"`
		}
		if err := json.Unmarshal([]byte(subVar.ReplaceAllString(s, "x")), &d); err != nil {
			v.add(id, "Properties.DashboardBody", "not JSON: %v", err)
		} else if len(d.Widgets) == 0 {
			v.add(id, "Properties.DashboardBody", "no widgets")
		}
	}
}
