// Package template loads template.yaml, the SAM template that is the single source of
// truth of gatepass, into a plain model for the tools that run the system without AWS
// (the development server, `make invoke`, the benchmark), so that they cannot drift
// from what is deployed.
//
// The model, per function (AWS::Serverless::Function), sorted by logical id:
//
//   - LogicalID ("CatalogEventsFunction") and Name, the directory under functions/
//     ("catalogevents"): the logical id without its "Function" suffix, lower-cased, as
//     the Makefile's build-%Function target does.
//   - Env: Globals.Function.Environment.Variables merged with the function's own (the
//     function wins), resolved for local use: a Ref to a parameter is its Default, a Ref
//     to a resource is its local name (LocalNames: Table and Bus are both "gatepass",
//     anything else its logical id), Fn::Sub substitutes the same way, Fn::GetAtt
//     becomes a fake ARN "arn:aws:local:<Resource>:<Attribute>".
//   - HTTPRoutes: the HttpApi (and Api) events, {Method (upper case), Path}.
//   - Schedules: the AWS::Scheduler::Schedule and AWS::Events::Rule resources with a
//     ScheduleExpression whose target is the function, and Schedule/ScheduleV2 events;
//     {Expression} such as "rate(1 minute)", with Interval() for rate expressions, and
//     the schedule's Input (Scheduler context attributes such as
//     <aws.scheduler.scheduled-time> left for the caller to fill in).
//   - Rules: the AWS::Events::Rule resources with an EventPattern that target the
//     function, and EventBridgeRule/CloudWatchEvent events: {Pattern}.
//   - Stream: an AWS::Lambda::EventSourceMapping (or DynamoDB event) feeds the function
//     from the table's stream; StreamFilters are its FilterCriteria patterns, decoded.
//   - Timeout: the function's Timeout (else Globals.Function.Timeout; else Lambda's
//     default of 3 s), resolved like Env when it is a Ref to a parameter.
//
// The YAML is read with gopkg.in/yaml.v3; short-form tags (!Ref, !GetAtt, !Sub, ...) are
// turned into their long JSON form by Decode, which infra/cmd/validate uses too.
package template

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LocalNames are the names resources have locally (what !Ref of them resolves to).
var LocalNames = map[string]string{
	"Table": "gatepass",
	"Bus":   "gatepass",
}

// Template is the part of template.yaml the local tools need.
type Template struct {
	Functions []Function        // sorted by LogicalID
	Params    map[string]string // parameter defaults ("" when a parameter has none)
	Raw       map[string]any    // the whole template as Decode returns it
}

// Function is one AWS::Serverless::Function.
type Function struct {
	LogicalID     string
	Name          string
	Env           map[string]string
	HTTPRoutes    []Route
	Schedules     []Schedule
	Rules         []Rule
	Stream        bool
	StreamFilters []map[string]any
	Timeout       time.Duration
}

// Route is one HTTP route of a function.
type Route struct {
	Method string // "GET", "POST", ... upper case
	Path   string // "/v1/apis/{api_id}"
}

// Schedule is one schedule that runs a function.
type Schedule struct {
	Expression string // "rate(1 minute)", "cron(...)"
	Input      string // the payload the target gets, resolved for local use; "" when none
}

// Rule is one EventBridge rule that runs a function.
type Rule struct {
	Pattern map[string]any
}

var rateRE = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// Interval returns the period of a rate(...) expression; cron and at expressions are
// an error.
func (s Schedule) Interval() (time.Duration, error) {
	m := rateRE.FindStringSubmatch(strings.TrimSpace(s.Expression))
	if m == nil {
		return 0, fmt.Errorf("schedule %q: only rate(N minute|minutes|hour|hours|day|days) has an interval", s.Expression)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schedule %q: the rate must be a positive integer", s.Expression)
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	return time.Duration(n) * unit, nil
}

// Function returns the function with this directory name or logical id.
func (t *Template) Function(name string) (*Function, bool) {
	for i := range t.Functions {
		if f := &t.Functions[i]; f.Name == name || f.LogicalID == name {
			return f, true
		}
	}
	return nil, false
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// FunctionName is the functions/ directory of a function's logical id.
func FunctionName(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(logicalID, "Function"))
}

// Parse builds the model from a template's bytes.
func Parse(data []byte) (*Template, error) {
	raw, err := Decode(data)
	if err != nil {
		return nil, err
	}
	t := &Template{Params: map[string]string{}, Raw: raw}
	for name, p := range asMap(raw["Parameters"]) {
		if d, ok := asMap(p)["Default"]; ok {
			t.Params[name] = fmt.Sprint(d)
		} else {
			t.Params[name] = ""
		}
	}
	resources := asMap(raw["Resources"])
	globalFn := asMap(asMap(raw["Globals"])["Function"])
	globalEnv := asMap(asMap(globalFn["Environment"])["Variables"])
	index := map[string]*Function{}
	for id, r := range resources {
		res := asMap(r)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		props := asMap(res["Properties"])
		f := Function{LogicalID: id, Name: FunctionName(id), Env: map[string]string{}}
		own := asMap(asMap(props["Environment"])["Variables"])
		for _, vars := range []map[string]any{globalEnv, own} {
			for k, v := range vars {
				if f.Env[k], err = t.resolve(v); err != nil {
					return nil, fmt.Errorf("%s: Environment.Variables.%s: %w", id, k, err)
				}
			}
		}
		timeout, ok := props["Timeout"]
		if !ok {
			timeout, ok = globalFn["Timeout"]
		}
		f.Timeout = 3 * time.Second // Lambda's default
		if ok {
			v, err := t.resolve(timeout)
			if err == nil {
				var secs int
				if secs, err = strconv.Atoi(v); err == nil && (secs < 1 || secs > 900) {
					err = fmt.Errorf("want 1-900 seconds")
				}
				f.Timeout = time.Duration(secs) * time.Second
			}
			if err != nil {
				return nil, fmt.Errorf("%s: Timeout %v: %w", id, timeout, err)
			}
		}
		if err := t.samEvents(&f, asMap(props["Events"])); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		t.Functions = append(t.Functions, f)
	}
	slices.SortFunc(t.Functions, func(a, b Function) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	for i := range t.Functions {
		index[t.Functions[i].LogicalID] = &t.Functions[i]
	}
	if err := t.attachResources(resources, index); err != nil {
		return nil, err
	}
	return t, nil
}

// samEvents reads a function's SAM Events, in name order.
func (t *Template) samEvents(f *Function, events map[string]any) error {
	for _, name := range sortedKeys(events) {
		ev := asMap(events[name])
		p := asMap(ev["Properties"])
		switch ev["Type"] {
		case "HttpApi", "Api":
			m, _ := p["Method"].(string)
			path, _ := p["Path"].(string)
			if m == "" || path == "" {
				return fmt.Errorf("event %s: Method and Path are required", name)
			}
			f.HTTPRoutes = append(f.HTTPRoutes, Route{Method: strings.ToUpper(m), Path: path})
		case "Schedule":
			if s, ok := p["Schedule"].(string); ok {
				f.Schedules = append(f.Schedules, Schedule{Expression: s})
			}
		case "ScheduleV2":
			if s, ok := p["ScheduleExpression"].(string); ok {
				f.Schedules = append(f.Schedules, Schedule{Expression: s})
			}
		case "EventBridgeRule", "CloudWatchEvent":
			pat, err := pattern(p["Pattern"])
			if err != nil {
				return fmt.Errorf("event %s: Pattern: %w", name, err)
			}
			f.Rules = append(f.Rules, Rule{Pattern: pat})
		case "DynamoDB":
			if err := f.addStream(p["FilterCriteria"]); err != nil {
				return fmt.Errorf("event %s: FilterCriteria: %w", name, err)
			}
		}
	}
	return nil
}

// attachResources reads the plain CloudFormation resources that run a function:
// schedules, rules and event source mappings. Resources are read in id order.
func (t *Template) attachResources(resources map[string]any, fns map[string]*Function) error {
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		p := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::Scheduler::Schedule":
			tg := asMap(p["Target"])
			if f := fns[target(tg["Arn"])]; f != nil {
				if s, ok := p["ScheduleExpression"].(string); ok {
					sch := Schedule{Expression: s}
					if tg["Input"] != nil {
						in, err := t.resolve(tg["Input"])
						if err != nil {
							return fmt.Errorf("%s: Target.Input: %w", id, err)
						}
						sch.Input = in
					}
					f.Schedules = append(f.Schedules, sch)
				}
			}
		case "AWS::Events::Rule":
			for _, tg := range asSlice(p["Targets"]) {
				f := fns[target(asMap(tg)["Arn"])]
				if f == nil {
					continue
				}
				if s, ok := p["ScheduleExpression"].(string); ok {
					f.Schedules = append(f.Schedules, Schedule{Expression: s})
				}
				if p["EventPattern"] != nil {
					pat, err := pattern(p["EventPattern"])
					if err != nil {
						return fmt.Errorf("%s: EventPattern: %w", id, err)
					}
					f.Rules = append(f.Rules, Rule{Pattern: pat})
				}
			}
		case "AWS::Lambda::EventSourceMapping":
			f := fns[target(p["FunctionName"])]
			src, attr, _ := RefTarget(p["EventSourceArn"])
			if f == nil || attr != "StreamArn" || src == "" {
				continue
			}
			if err := f.addStream(p["FilterCriteria"]); err != nil {
				return fmt.Errorf("%s: FilterCriteria: %w", id, err)
			}
		}
	}
	return nil
}

// target is the logical id a Ref or GetAtt (of Arn) names, or "".
func target(v any) string {
	id, attr, ok := RefTarget(v)
	if !ok || (attr != "" && attr != "Arn") {
		return ""
	}
	return id
}

// pattern accepts an event pattern as a mapping or as a JSON string (both are valid
// CloudFormation).
func pattern(v any) (map[string]any, error) {
	switch p := v.(type) {
	case map[string]any:
		return p, nil
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, fmt.Errorf("want a mapping or a JSON string")
}

// addStream marks f as fed by the table's stream, with the patterns of its
// FilterCriteria.
func (f *Function) addStream(filterCriteria any) error {
	f.Stream = true
	for _, flt := range asSlice(asMap(filterCriteria)["Filters"]) {
		p, err := pattern(asMap(flt)["Pattern"])
		if err != nil {
			return err
		}
		f.StreamFilters = append(f.StreamFilters, p)
	}
	return nil
}

var subRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// resolve gives a value its local meaning (see the package comment).
func (t *Template) resolve(v any) (string, error) {
	name, arg, ok := Intrinsic(v)
	if !ok {
		switch s := v.(type) {
		case string:
			return s, nil
		case int, float64, bool:
			return fmt.Sprint(s), nil
		}
		return "", fmt.Errorf("want a string, got %T", v)
	}
	switch name {
	case "Ref":
		s, _ := arg.(string)
		return t.local(s), nil
	case "Fn::GetAtt":
		id, attr, _ := RefTarget(v)
		return "arn:aws:local:" + id + ":" + attr, nil
	case "Fn::Sub":
		s, isStr := arg.(string)
		if !isStr {
			return "", fmt.Errorf("Fn::Sub with a variable map is not supported here")
		}
		return subRE.ReplaceAllStringFunc(s, func(m string) string {
			ref := m[2 : len(m)-1]
			if res, attr, found := strings.Cut(ref, "."); found {
				return "arn:aws:local:" + res + ":" + attr
			}
			return t.local(ref)
		}), nil
	}
	return "", fmt.Errorf("%s cannot be resolved locally", name)
}

// local is what a Ref of a parameter, pseudo parameter or resource resolves to.
func (t *Template) local(ref string) string {
	if d, ok := t.Params[ref]; ok {
		return d
	}
	if n, ok := LocalNames[ref]; ok {
		return n
	}
	switch ref {
	case "AWS::Region":
		return "us-east-1"
	case "AWS::AccountId":
		return "000000000000"
	case "AWS::StackName":
		return "gatepass"
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	}
	return ref
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
