// Package iamcheck makes "least privilege as the code needs" checkable. A Recorder is
// SDK middleware (smithy-go) on the DynamoDB and EventBridge clients of a test: every
// operation made under a context tagged with a function (WithFunction) is recorded as
// the IAM actions it needs, a transaction by the kinds of its items (IAM authorizes
// TransactWriteItems by PutItem, DeleteItem, UpdateItem and ConditionCheckItem), a query
// of an index as a need of the index's ARN. Compare then holds them against the
// function's inline policy in template.yaml: nothing missing, nothing extra.
//
// Only what the code calls is compared: the stream actions that Lambda's event source
// mapping uses with the function's role (dynamodb:DescribeStream, GetRecords,
// GetShardIterator, ListStreams) and the on-failure destinations' sqs:SendMessage are the
// platform's, and left out on both sides.
package iamcheck

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go/middleware"

	tpl "gatepass/infra/emulators/template"
)

// Resource kinds a need names.
const (
	Table = "table"
	Index = "index"
	Bus   = "bus"
)

// Need is one IAM action on one kind of resource.
type Need struct {
	Action   string // "dynamodb:PutItem"
	Resource string // Table, Index or Bus
}

func (n Need) String() string { return n.Action + " on the " + n.Resource }

type fnKey struct{}

// WithFunction tags ctx with the logical id of the function whose code runs under it
// ("GrantFunction"); calls under an untagged context (a test's own seeding) are not
// recorded.
func WithFunction(ctx context.Context, logicalID string) context.Context {
	return context.WithValue(ctx, fnKey{}, logicalID)
}

// Recorder collects the needs of each function.
type Recorder struct {
	mu    sync.Mutex
	needs map[string]map[Need]bool
}

// New returns an empty Recorder.
func New() *Recorder { return &Recorder{needs: map[string]map[Need]bool{}} }

// DynamoDB is a dynamodb.Options function that records the client's calls.
func (r *Recorder) DynamoDB(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, r.add) }

// EventBridge is an eventbridge.Options function that records the client's calls.
func (r *Recorder) EventBridge(o *eventbridge.Options) {
	o.APIOptions = append(o.APIOptions, r.add)
}

func (r *Recorder) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("iamcheck",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if fn, ok := ctx.Value(fnKey{}).(string); ok {
				r.record(fn, needsOf(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), in.Parameters))
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After) // after the SDK has put the service and operation names in ctx
}

func (r *Recorder) record(fn string, needs []Need) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.needs[fn] == nil {
		r.needs[fn] = map[Need]bool{}
	}
	for _, n := range needs {
		r.needs[fn][n] = true
	}
}

// Needs returns what fn's calls needed, sorted.
func (r *Recorder) Needs(fn string) []Need {
	r.mu.Lock()
	defer r.mu.Unlock()
	return sorted(r.needs[fn])
}

// needsOf maps one call to the IAM actions it needs.
func needsOf(service, op string, params any) []Need {
	switch service {
	case "EventBridge":
		return []Need{{"events:" + op, Bus}}
	case "DynamoDB":
	default:
		return []Need{{strings.ToLower(service) + ":" + op, "unknown"}}
	}
	d := func(action string) Need { return Need{"dynamodb:" + action, Table} }
	switch in := params.(type) {
	case *dynamodb.QueryInput:
		if in.IndexName != nil {
			return []Need{{"dynamodb:Query", Index}}
		}
	case *dynamodb.ScanInput:
		if in.IndexName != nil {
			return []Need{{"dynamodb:Scan", Index}}
		}
	case *dynamodb.TransactWriteItemsInput:
		var out []Need
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				out = append(out, d("PutItem"))
			case it.Delete != nil:
				out = append(out, d("DeleteItem"))
			case it.Update != nil:
				out = append(out, d("UpdateItem"))
			case it.ConditionCheck != nil:
				out = append(out, d("ConditionCheckItem"))
			}
		}
		return out
	case *dynamodb.TransactGetItemsInput:
		return []Need{d("GetItem")}
	case *dynamodb.BatchWriteItemInput:
		var out []Need
		for _, reqs := range in.RequestItems {
			for _, w := range reqs {
				if w.PutRequest != nil {
					out = append(out, d("PutItem"))
				}
				if w.DeleteRequest != nil {
					out = append(out, d("DeleteItem"))
				}
			}
		}
		return out
	}
	return []Need{d(op)}
}

// platformActions are used by Lambda with the function's role, not by its code.
var platformActions = map[string]bool{
	"dynamodb:DescribeStream": true, "dynamodb:GetRecords": true,
	"dynamodb:GetShardIterator": true, "dynamodb:ListStreams": true,
}

// Granted is what fn's inline policies in the template allow, as needs: DynamoDB
// actions on the table (!GetAtt Table.Arn) and its indexes (${Table.Arn}/index/*), and
// EventBridge actions on the bus. Platform actions and other services are left out.
func Granted(raw map[string]any, fn string) ([]Need, error) {
	res := tpl.Map(tpl.Map(raw["Resources"])[fn])
	if res["Type"] != "AWS::Serverless::Function" {
		return nil, fmt.Errorf("%s is not a function of the template", fn)
	}
	out := map[Need]bool{}
	for _, pol := range tpl.List(tpl.Map(res["Properties"])["Policies"]) {
		for _, st := range tpl.List(tpl.Map(pol)["Statement"]) {
			s := tpl.Map(st)
			if s["Effect"] != "Allow" {
				continue
			}
			for _, a := range tpl.List(s["Action"]) {
				action, _ := a.(string)
				if platformActions[action] || !(strings.HasPrefix(action, "dynamodb:") || strings.HasPrefix(action, "events:")) {
					continue
				}
				for _, r := range tpl.List(s["Resource"]) {
					if kind := resourceKind(raw, r); kind != "" {
						out[Need{action, kind}] = true
					}
				}
			}
		}
	}
	return sorted(out), nil
}

// resourceKind names what a policy Resource points at: Table, Index, Bus, or "".
func resourceKind(raw map[string]any, r any) string {
	typ := func(id string) any { return tpl.Map(tpl.Map(raw["Resources"])[id])["Type"] }
	if id, attr, ok := tpl.RefTarget(r); ok && attr == "Arn" {
		switch typ(id) {
		case "AWS::DynamoDB::Table":
			return Table
		case "AWS::Events::EventBus":
			return Bus
		}
		return ""
	}
	if name, arg, ok := tpl.Intrinsic(r); ok && name == "Fn::Sub" {
		s, _ := arg.(string)
		if id, ok := strings.CutSuffix(strings.TrimPrefix(s, "${"), ".Arn}/index/*"); ok && typ(id) == "AWS::DynamoDB::Table" {
			return Index
		}
	}
	return ""
}

// Compare holds fn's recorded needs against its policy: every needed action must be
// granted on the kind of resource it was used on (the table, its indexes, the bus), and
// every action granted on a kind of resource must be used there.
func Compare(raw map[string]any, fn string, needed []Need) ([]string, error) {
	granted, err := Granted(raw, fn)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, n := range needed {
		if !slices.Contains(granted, n) {
			problems = append(problems, fmt.Sprintf("%s: the code uses %s, the policy does not grant it", fn, n))
		}
	}
	for _, n := range granted {
		if !slices.Contains(needed, n) {
			problems = append(problems, fmt.Sprintf("%s: the policy grants %s, which no call of its code needs", fn, n))
		}
	}
	return problems, nil
}

func sorted(m map[Need]bool) []Need {
	return slices.SortedFunc(maps.Keys(m), func(a, b Need) int {
		if c := strings.Compare(a.Action, b.Action); c != 0 {
			return c
		}
		return strings.Compare(a.Resource, b.Resource)
	})
}

// Verify compares, once a package's tests have run, what they recorded for each of fns
// with its policy in the template at path, writes every difference to w and returns the
// exit code: 1 when there is one. Only a whole run is compared: with -test.run or
// -test.skip (a subset of the tests), or when nothing was recorded (the tests that
// need DynamoDB Local were skipped), it says so and returns 0.
func Verify(w io.Writer, path string, r *Recorder, fns []string) int {
	if os.Getenv("GATEPASS_TIER") == "unit" {
		fmt.Fprintln(w, "iamcheck: the unit tier makes no AWS call; make test compares the policies")
		return 0
	}
	for _, f := range []string{"test.run", "test.skip"} {
		if fl := flag.Lookup(f); fl != nil && fl.Value.String() != "" {
			fmt.Fprintf(w, "iamcheck: -%s: a subset of the tests ran; the policies are compared on a whole run only\n", f)
			return 0
		}
	}
	r.mu.Lock()
	recorded := len(r.needs)
	r.mu.Unlock()
	if recorded == 0 {
		fmt.Fprintln(w, "iamcheck: no call was recorded (were the tests that need DynamoDB skipped?); nothing compared")
		return 0
	}
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(w, "iamcheck:", err)
		return 1
	}
	raw, err := tpl.Decode(b)
	if err != nil {
		fmt.Fprintln(w, "iamcheck:", err)
		return 1
	}
	code := 0
	for _, fn := range fns {
		problems, err := Compare(raw, fn, r.Needs(fn))
		if err != nil {
			problems = []string{err.Error()}
		}
		for _, p := range problems {
			fmt.Fprintln(w, "iamcheck: least privilege:", p)
			code = 1
		}
	}
	if code == 0 {
		fmt.Fprintf(w, "iamcheck: the policies of %s grant exactly what their code called\n", strings.Join(fns, ", "))
	}
	return code
}
