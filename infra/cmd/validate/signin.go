package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	tpl "gatepass/infra/emulators/template"
)

// signInResources are the resources of the optional user pool (CreateUserPool=true),
// each made only under signInCondition.
var signInResources = []string{
	"UserPool", "UserPoolDomain", "ConsoleClient", "CheckerScopes", "CheckerClient",
	"PreTokenFunction", "PreTokenFunctionPermission", "PreTokenFunctionLogGroup",
	"PreTokenFunctionErrorsAlarm", "PreTokenFunctionThrottlesAlarm",
}

const signInCondition = "HasUserPool"

// signInRules: the user pool is optional (off by default, every part of it under the
// condition), its trigger has least privilege (no policy; only the pool may invoke it),
// the console's client is public and code-only and cannot write the attributes the
// trigger trusts, and the HTTP API trusts the pool only when it exists.
func (v *validator) signInRules() {
	params := asMap(v.raw["Parameters"])
	if p := asMap(params["CreateUserPool"]); p["Default"] != "false" || !reflect.DeepEqual(p["AllowedValues"], []any{"true", "false"}) {
		v.add("Parameters", "CreateUserPool", "want a parameter with AllowedValues [\"true\", \"false\"] and Default \"false\" (the user pool is optional)")
	}
	conds := asMap(v.raw["Conditions"])
	if !reflect.DeepEqual(conds[signInCondition], map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "CreateUserPool"}, "true"}}) {
		v.add("Conditions", signInCondition, "want !Equals [!Ref CreateUserPool, \"true\"]")
	}
	res := v.resources()
	for _, id := range signInResources {
		r := asMap(res[id])
		if r == nil {
			v.add(id, "", "missing: the optional user pool needs it")
			continue
		}
		if r["Condition"] != signInCondition {
			v.add(id, "Condition", "got %v, want %s: nothing of the user pool exists unless CreateUserPool is true", show(r["Condition"]), signInCondition)
		}
	}
	// Anything that refers to a conditional resource is itself conditional or chooses with !If.
	v.signInTrigger()
	v.signInClients()
	v.signInAuthorizer()
	v.deployStepsRules()
}

func (v *validator) signInTrigger() {
	res := v.resources()
	fn := asMap(asMap(res["PreTokenFunction"])["Properties"])
	if fn["Policies"] != nil || fn["Role"] != nil {
		v.add("PreTokenFunction", "Properties.Policies", "the trigger reads only its event and calls nothing: no policy, no role of its own")
	}
	if len(asMap(fn["Events"])) > 0 {
		v.add("PreTokenFunction", "Properties.Events", "Cognito invokes the trigger; it has no events")
	}
	pool := asMap(asMap(asMap(asMap(res["UserPool"])["Properties"])["LambdaConfig"])["PreTokenGenerationConfig"])
	if id, attr, _ := tpl.RefTarget(pool["LambdaArn"]); id != "PreTokenFunction" || attr != "Arn" || pool["LambdaVersion"] != "V3_0" {
		v.add("UserPool", "Properties.LambdaConfig.PreTokenGenerationConfig", "want LambdaArn !GetAtt PreTokenFunction.Arn and LambdaVersion V3_0 (claims in access tokens, client credentials included)")
	}
	if asMap(asMap(res["UserPool"])["Properties"])["UserPoolTier"] != "ESSENTIALS" {
		v.add("UserPool", "Properties.UserPoolTier", "want ESSENTIALS: below it Cognito does not customize access tokens")
	}
	if acc := asMap(asMap(asMap(res["UserPool"])["Properties"])["AdminCreateUserConfig"]); acc["AllowAdminCreateUserOnly"] != true {
		v.add("UserPool", "Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly", "want true: people are made by an administrator, who sets their tenant and roles")
	}
	invokers := 0
	for _, id := range v.ofType("AWS::Lambda::Permission") {
		p := asMap(asMap(res[id])["Properties"])
		if lambdaTarget(p["FunctionName"]) != "PreTokenFunction" {
			continue
		}
		invokers++
		src, attr, _ := tpl.RefTarget(p["SourceArn"])
		if p["Principal"] != "cognito-idp.amazonaws.com" || src != "UserPool" || attr != "Arn" || p["Action"] != "lambda:InvokeFunction" {
			v.add(id, "Properties", "only the stack's user pool may invoke the trigger: want Principal cognito-idp.amazonaws.com, SourceArn !GetAtt UserPool.Arn, Action lambda:InvokeFunction")
		}
	}
	if invokers != 1 {
		v.add("PreTokenFunction", "", "%d AWS::Lambda::Permission resources invoke it, want exactly one (the user pool's)", invokers)
	}
}

func (v *validator) signInClients() {
	res := v.resources()
	c := asMap(asMap(res["ConsoleClient"])["Properties"])
	if c["GenerateSecret"] != false || !reflect.DeepEqual(c["AllowedOAuthFlows"], []any{"code"}) {
		v.add("ConsoleClient", "Properties", "the console is a public client: want GenerateSecret false and AllowedOAuthFlows [code] (PKCE)")
	}
	for _, a := range asSlice(c["WriteAttributes"]) {
		if s, _ := a.(string); strings.HasPrefix(s, "custom:") {
			v.add("ConsoleClient", "Properties.WriteAttributes", "%s: a person may not write the attributes the trigger turns into tenant_id and roles", s)
		}
	}
	k := asMap(asMap(res["CheckerClient"])["Properties"])
	if k["GenerateSecret"] != true || !reflect.DeepEqual(k["AllowedOAuthFlows"], []any{"client_credentials"}) {
		v.add("CheckerClient", "Properties", "the checker machines' client: want GenerateSecret true and AllowedOAuthFlows [client_credentials]")
	}
	for _, attr := range []string{"tenant_id", "roles"} {
		found := false
		for _, s := range asSlice(asMap(asMap(res["UserPool"])["Properties"])["Schema"]) {
			found = found || asMap(s)["Name"] == attr
		}
		if !found {
			v.add("UserPool", "Properties.Schema", "want the custom attribute %s (the trigger reads custom:%s)", attr, attr)
		}
	}
}

// signInAuthorizer: the HTTP API trusts the user pool exactly when it exists.
func (v *validator) signInAuthorizer() {
	auth := asMap(asMap(asMap(v.resources()["HttpApi"])["Properties"])["Auth"])
	jwt := asMap(asMap(asMap(auth["Authorizers"])[fmt.Sprint(auth["DefaultAuthorizer"])])["JwtConfiguration"])
	if n, args, _ := tpl.Intrinsic(jwt["issuer"]); n != "Fn::If" || asSlice(args)[0] != signInCondition {
		v.add("HttpApi", "Properties.Auth", "want issuer !If [%s, the pool's issuer, !Ref JwtIssuer]", signInCondition)
	}
	for _, a := range asSlice(jwt["audience"]) {
		if n, args, _ := tpl.Intrinsic(a); n != "Fn::If" || asSlice(args)[0] != signInCondition {
			v.add("HttpApi", "Properties.Auth", "want each audience !If [%s, a client of the pool, ...]", signInCondition)
		}
	}
}

// deployStepsRules checks the README's "Deploy to AWS" against the template: every
// parameter its commands set, every output they read and every custom attribute they
// write exist, so that a newcomer's copy-paste works.
func (v *validator) deployStepsRules() {
	b, err := os.ReadFile(filepath.Join(v.opt.Root, "README.md"))
	if err != nil {
		v.add("README.md", "", "%v", err)
		return
	}
	text := string(b)
	start := strings.Index(text, "\n## Deploy to AWS")
	if start < 0 {
		v.add("README.md", "", "no \"Deploy to AWS\" section")
		return
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	params := asMap(v.raw["Parameters"])
	outputs := asMap(v.raw["Outputs"])
	var code strings.Builder
	for i, part := range strings.Split(section, "```") {
		if i%2 == 1 {
			code.WriteString(part)
		}
	}
	cmds := code.String()
	for _, line := range strings.Split(cmds, "\n") {
		if !strings.Contains(line, "--parameter-overrides") {
			continue
		}
		for _, m := range regexp.MustCompile(`\b([A-Z][A-Za-z0-9]+)=`).FindAllStringSubmatch(line, -1) {
			if params[m[1]] == nil {
				v.add("README.md", "Deploy to AWS", "%s= is not a parameter of the template", m[1])
			}
		}
	}
	for _, m := range regexp.MustCompile(`OutputKey=='([A-Za-z0-9]+)'`).FindAllStringSubmatch(cmds, -1) {
		if outputs[m[1]] == nil {
			v.add("README.md", "Deploy to AWS", "the output %s does not exist", m[1])
		}
	}
	schema := map[string]bool{}
	for _, s := range asSlice(asMap(asMap(v.resources()["UserPool"])["Properties"])["Schema"]) {
		schema["custom:"+fmt.Sprint(asMap(s)["Name"])] = true
	}
	for _, m := range regexp.MustCompile(`Name=(custom:[a-z_]+)`).FindAllStringSubmatch(cmds, -1) {
		if !schema[m[1]] {
			v.add("README.md", "Deploy to AWS", "%s is not an attribute of UserPool", m[1])
		}
	}
	for _, want := range []string{"CreateUserPool=true", "ConsoleCallbackUrl=", "admin-create-user", "custom:tenant_id", "custom:roles"} {
		if !strings.Contains(cmds, want) {
			v.add("README.md", "Deploy to AWS", "the steps do not show %q (signing in with the stack's user pool)", want)
		}
	}
}
