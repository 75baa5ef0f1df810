package main

// allowed is a property that SAM accepts but the schema goformation v7.14.9 ships does
// not (the schema lags SAM). It is taken out before schema validation of that one
// definition only; the project rules still check it where it matters (DLQs, retry
// policies, stream settings). A resource is never skipped as a whole.
type allowed struct {
	Definition string // schema definition, e.g. "AWS::Serverless::Function.ScheduleEvent"
	Property   string
	Doc        string // the SAM documentation page that defines the property
}

// allowList is kept short on purpose: template.yaml prefers the plain CloudFormation
// resources (AWS::Scheduler::Schedule, AWS::Events::Rule, AWS::Lambda::EventSourceMapping),
// which the schema knows fully. These entries let the equivalent SAM event forms
// through, should the template use them.
var allowList = []allowed{
	{"AWS::Serverless::Function.DynamoDBEvent", "FilterCriteria",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-dynamodb.html"},
	{"AWS::Serverless::Function.DynamoDBEvent", "FunctionResponseTypes",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-dynamodb.html"},
	{"AWS::Serverless::Function.ScheduleEvent", "DeadLetterConfig",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html"},
	{"AWS::Serverless::Function.ScheduleEvent", "RetryPolicy",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html"},
	{"AWS::Serverless::Function.EventBridgeRuleEvent", "DeadLetterConfig",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventbridgerule.html"},
	{"AWS::Serverless::Function.EventBridgeRuleEvent", "RetryPolicy",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventbridgerule.html"},
	// The schema (and goformation's struct) spell it AccessLogSetting, which SAM refuses
	// on an HttpApi; ops.go checks the property.
	{"AWS::Serverless::HttpApi", "AccessLogSettings",
		"https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-httpapi.html"},
}

// allowListed returns value without the properties the allow-list accepts for def.
// value is a definition's properties, or a whole resource of type def, whose
// Properties are then looked at.
func allowListed(def string, value map[string]any) map[string]any {
	if props, ok := value["Properties"].(map[string]any); ok && value["Type"] == def {
		if out := allowListed(def, props); len(out) != len(props) {
			return copyWith(value, "Properties", out)
		}
		return value
	}
	var out map[string]any
	for _, a := range allowList {
		if a.Definition != def {
			continue
		}
		if _, ok := value[a.Property]; !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(value))
			for k, v := range value {
				out[k] = v
			}
		}
		delete(out, a.Property)
	}
	if out == nil {
		return value
	}
	return out
}
