package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"

	tpl "gatepass/infra/emulators/template"
)

// Issue is one thing wrong with the template, named by resource (a logical id, or a
// section such as "Globals") and property path inside it.
type Issue struct {
	Resource string
	Property string // "Properties.Events.Check.Properties.Path"; "" for the whole resource
	Msg      string
}

func (i Issue) String() string {
	if i.Property == "" {
		return i.Resource + ": " + i.Msg
	}
	return i.Resource + ": " + i.Property + ": " + i.Msg
}

// Options says where the rest of the repository is: the rules that every function has
// functions/<name>/ and events/<name>/*.json look under Root. The routes the template
// must declare are Routes, else those of the OpenAPI document at OpenAPI (default
// Root/infra/openapi.yaml).
type Options struct {
	Root    string
	OpenAPI string
	Routes  []Route
}

// Validate checks a SAM template in four passes: YAML decoding, goformation's strict
// parse (per resource, so that errors name it), the SAM JSON schema (per resource and
// per function event, with intrinsic functions replaced by placeholders), and the
// project's own rules (rules.go). The error is for a failure of the validator itself.
func Validate(data []byte, opt Options) ([]Issue, error) {
	sch, err := samSchema()
	if err != nil {
		return nil, err
	}
	if opt.Routes == nil {
		if opt.OpenAPI == "" {
			opt.OpenAPI = filepath.Join(opt.Root, "infra", "openapi.yaml")
		}
		if opt.Routes, err = LoadRoutes(opt.OpenAPI); err != nil {
			return nil, err
		}
	}
	raw, err := tpl.Decode(data)
	if err != nil {
		return []Issue{{Resource: "template", Msg: err.Error()}}, nil
	}
	v := &validator{raw: raw, schema: sch, opt: opt}
	v.sections()
	v.strictParse()
	if err := v.schemaResources(); err != nil {
		return nil, err
	}
	model, err := tpl.Parse(data)
	if err != nil {
		v.add("template", "", "%v", err)
	} else {
		v.model = model
		v.projectRules()
	}
	slices.SortStableFunc(v.issues, func(a, b Issue) int { return strings.Compare(a.Resource, b.Resource) })
	return v.issues, nil
}

type validator struct {
	raw    map[string]any
	schema *Schema
	opt    Options
	model  *tpl.Template
	issues []Issue
}

func (v *validator) add(resource, property, format string, args ...any) {
	v.issues = append(v.issues, Issue{Resource: resource, Property: property, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) resources() map[string]any { return asMap(v.raw["Resources"]) }

// sections checks the top-level keys and every section but Resources against the
// schema's root properties. Globals sections are not closed in the schema (an unknown
// key passes), so their keys are checked against its property lists here.
func (v *validator) sections() {
	known := v.schema.propertyNames()
	for _, k := range sortedKeys(v.raw) {
		if !contains(known, k) {
			v.add("template", k, "unknown top-level section")
			continue
		}
		if k == "Resources" {
			continue
		}
		probs, err := v.schema.validate("/properties/"+k, placeholders(v.raw[k], v.paramTypes()))
		if err != nil {
			v.add(k, "", "%v", err)
		}
		for _, p := range probs {
			v.add(k, joinPath(p.path), "%s", p.msg)
		}
	}
	for _, section := range sortedKeys(asMap(v.raw["Globals"])) {
		allowed := v.schema.propertyNames("properties", "Globals", "properties", section)
		for _, k := range sortedKeys(asMap(asMap(v.raw["Globals"])[section])) {
			if !contains(allowed, k) {
				v.add("Globals", section+"."+k, "unknown property (not in the SAM schema's Globals.%s)", section)
			}
		}
	}
	if len(v.resources()) == 0 {
		v.add("template", "Resources", "no resources")
	}
}

// strictParse runs goformation over the parameters and over each resource on its own:
// its resource types reject unknown properties and wrong types.
func (v *validator) strictParse() {
	parse := func(doc map[string]any) error {
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		_, err = goformation.ParseJSON(b)
		return err
	}
	params := numberDefaults(asMap(v.raw["Parameters"]))
	if err := parse(map[string]any{"Parameters": params}); err != nil {
		v.add("Parameters", "", "goformation: %v", err)
	}
	all := cloudformation.AllResources()
	for _, id := range sortedKeys(v.resources()) {
		res := asMap(v.resources()[id])
		typ, _ := res["Type"].(string)
		if _, ok := all[typ]; !ok {
			v.add(id, "Type", "unknown resource type %q", typ)
			continue
		}
		doc := map[string]any{"Parameters": params, "Resources": map[string]any{id: allowListed(typ, res)}}
		if err := parse(doc); err != nil {
			v.add(id, "", "goformation: %v", err)
		}
	}
}

// eventDefinitions maps a SAM function event Type to its schema definition.
var eventDefinitions = map[string]string{
	"S3": "S3Event", "SNS": "SNSEvent", "SQS": "SQSEvent", "Kinesis": "KinesisEvent",
	"DynamoDB": "DynamoDBEvent", "Api": "ApiEvent", "Schedule": "ScheduleEvent",
	"CloudWatchEvent": "CloudWatchEventEvent", "CloudWatchLogs": "CloudWatchLogsEvent",
	"IoTRule": "IoTRuleEvent", "AlexaSkill": "AlexaSkillEvent",
	"EventBridgeRule": "EventBridgeRuleEvent", "HttpApi": "HttpApiEvent", "Cognito": "CognitoEvent",
}

// schemaResources validates each resource against its definition. A function's events
// are validated one by one against the definition of their Type, which is stricter than
// the schema's anyOf over all event kinds and names the event in the error.
func (v *validator) schemaResources() error {
	types := v.paramTypes()
	for _, id := range sortedKeys(v.resources()) {
		res, ok := placeholders(v.resources()[id], types).(map[string]any)
		if !ok {
			v.add(id, "", "a resource must be a mapping")
			continue
		}
		typ, _ := res["Type"].(string)
		if !v.schema.hasDefinition(typ) {
			v.add(id, "Type", "%q is not in the SAM schema", typ)
			continue
		}
		var events map[string]any
		if typ == "AWS::Serverless::Function" {
			props := asMap(res["Properties"])
			events = asMap(props["Events"])
			if props != nil && events != nil {
				clone := make(map[string]any, len(props))
				for k, val := range props {
					clone[k] = val
				}
				clone["Events"] = map[string]any{}
				res = copyWith(res, "Properties", clone)
			}
		}
		if err := v.check(id, "", "/definitions/"+typ, res, typ); err != nil {
			return err
		}
		for _, name := range sortedKeys(events) {
			if err := v.checkEvent(id, name, asMap(events[name])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (v *validator) checkEvent(fn, name string, ev map[string]any) error {
	at := "Properties.Events." + name
	for _, k := range sortedKeys(ev) {
		if k != "Type" && k != "Properties" {
			v.add(fn, at+"."+k, "unknown property (not in the SAM schema)")
		}
	}
	typ, _ := ev["Type"].(string)
	def, ok := eventDefinitions[typ]
	if !ok {
		v.add(fn, at+".Type", "event type %q is not in the SAM schema (use the plain CloudFormation resource)", typ)
		return nil
	}
	props, ok := ev["Properties"].(map[string]any)
	if !ok {
		v.add(fn, at+".Properties", "required mapping is missing")
		return nil
	}
	full := "AWS::Serverless::Function." + def
	return v.check(fn, at+".Properties", "/definitions/"+full, props, full)
}

// check validates value against the definition at ptr, after taking out the
// properties the allow-list accepts for definition def.
func (v *validator) check(id, prefix, ptr string, value map[string]any, def string) error {
	value = allowListed(def, value)
	probs, err := v.schema.validate(ptr, value)
	if err != nil {
		return err
	}
	for _, p := range probs {
		path := joinPath(p.path)
		if prefix != "" {
			path = strings.TrimSuffix(prefix+"."+path, ".")
		}
		v.add(id, path, "%s", p.msg)
	}
	return nil
}

// paramTypes maps each parameter to its Type, for placeholders.
func (v *validator) paramTypes() map[string]string {
	out := map[string]string{}
	for name, p := range asMap(v.raw["Parameters"]) {
		out[name], _ = asMap(p)["Type"].(string)
	}
	return out
}

// placeholders replaces every intrinsic function by a value of the shape it stands
// for: a string ("{{Ref:Table}}"), a list for a list parameter or Fn::Split/GetAZs/Cidr,
// the first branch of Fn::If.
func placeholders(v any, paramTypes map[string]string) any {
	if name, arg, ok := tpl.Intrinsic(v); ok {
		switch name {
		case "Ref":
			s, _ := arg.(string)
			if t := paramTypes[s]; strings.HasPrefix(t, "List<") || t == "CommaDelimitedList" {
				return []any{"{{Ref:" + s + "}}"}
			} else if t == "Number" {
				return 0 // where a property wants a number (RetentionInDays)
			}
			return "{{Ref:" + s + "}}"
		case "Fn::GetAtt":
			id, attr, _ := tpl.RefTarget(v)
			return "{{GetAtt:" + id + "." + attr + "}}"
		case "Fn::Split", "Fn::GetAZs", "Fn::Cidr":
			return []any{"{{" + name + "}}"}
		case "Fn::If":
			if a, ok := arg.([]any); ok && len(a) == 3 {
				return placeholders(a[1], paramTypes)
			}
		case "Fn::Not", "Fn::Equals", "Fn::And", "Fn::Or":
			// Condition functions: the schema's Conditions section wants them as objects.
			return map[string]any{name: placeholders(arg, paramTypes)}
		}
		return "{{" + name + "}}"
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = placeholders(val, paramTypes)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = placeholders(val, paramTypes)
		}
		return out
	}
	return v
}

func copyWith(m map[string]any, k string, val any) map[string]any {
	out := make(map[string]any, len(m))
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = val
	return out
}

// joinPath writes a property path as Properties.Policies[0].Statement.
func joinPath(p []string) string {
	var sb strings.Builder
	for _, s := range p {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			sb.WriteString("[" + s + "]")
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(s)
	}
	return sb.String()
}

func asMap(v any) map[string]any { return tpl.Map(v) }

func asSlice(v any) []any { return tpl.List(v) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func contains(list []string, s string) bool { return slices.Contains(list, s) }
