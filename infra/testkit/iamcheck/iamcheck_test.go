package iamcheck

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/emulators/eventbus"
	tpl "gatepass/infra/emulators/template"
	"gatepass/shared/store"
)

var endpoint, skip string

func TestMain(m *testing.M) {
	ts, err := ddblocal.ForTests(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "iamcheck:", err)
		os.Exit(1)
	}
	endpoint, skip = ts.Endpoint, ts.Skip
	code := m.Run()
	ts.Close()
	os.Exit(code)
}

func s(v string) *string { return aws.String(v) }

// TestRecorder_RecordsTaggedCallsAsIAMActions makes real calls to DynamoDB Local and to
// the local bus through clients with the recorder.
func TestRecorder_RecordsTaggedCallsAsIAMActions(t *testing.T) {
	if skip != "" {
		t.Skip(skip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := New()
	db := dynamodb.NewFromConfig(aws.Config{Region: ddblocal.Region, Credentials: ddblocal.Credentials()},
		func(o *dynamodb.Options) { o.BaseEndpoint = s(endpoint) }, rec.DynamoDB)
	table := fmt.Sprintf("iamcheck-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, db, table); err != nil { // untagged: not recorded
		t.Fatal(err)
	}
	fn := WithFunction(ctx, "GrantFunction")
	key := map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "K"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "META"}}
	if _, err := db.GetItem(fn, &dynamodb.GetItemInput{TableName: s(table), Key: key}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Query(fn, &dynamodb.QueryInput{TableName: s(table), IndexName: s("GSI1"),
		KeyConditionExpression:    s("GSI1PK = :p"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": &ddbtypes.AttributeValueMemberS{Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	other := map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "L"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "META"}}
	if _, err := db.TransactWriteItems(fn, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: s(table), Item: key}},
		{ConditionCheck: &ddbtypes.ConditionCheck{TableName: s(table), Key: other, ConditionExpression: s("attribute_not_exists(PK)")}},
	}}); err != nil {
		t.Fatal(err)
	}

	bus, err := eventbus.New(eventbus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: bus}
	go srv.Serve(ln)
	defer srv.Close()
	eb := eventbridge.NewFromConfig(aws.Config{Region: ddblocal.Region, Credentials: ddblocal.Credentials()},
		func(o *eventbridge.Options) { o.BaseEndpoint = s("http://" + ln.Addr().String()) }, rec.EventBridge)
	if _, err := eb.PutEvents(WithFunction(ctx, "PublishFunction"), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: s("gatepass"), DetailType: s("Grant Created"), Detail: s(`{}`), EventBusName: s("gatepass")},
	}}); err != nil {
		t.Fatal(err)
	}

	want := []Need{{"dynamodb:ConditionCheckItem", Table}, {"dynamodb:GetItem", Table}, {"dynamodb:PutItem", Table}, {"dynamodb:Query", Index}}
	if got := rec.Needs("GrantFunction"); !reflect.DeepEqual(got, want) {
		t.Errorf("GrantFunction: got %v, want %v", got, want)
	}
	if got, want := rec.Needs("PublishFunction"), []Need{{"events:PutEvents", Bus}}; !reflect.DeepEqual(got, want) {
		t.Errorf("PublishFunction: got %v, want %v", got, want)
	}
	if got := rec.Needs(""); len(got) != 0 {
		t.Errorf("untagged calls: got %v, want none recorded", got)
	}
}

func repoTemplate(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tpl.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestGranted_ReadsTheFunctionsPolicy(t *testing.T) {
	raw := repoTemplate(t)
	got, err := Granted(raw, "PublishFunction")
	if err != nil {
		t.Fatal(err)
	}
	// The stream actions (the event source mapping's) and the DLQ's are not the code's.
	if want := []Need{{"events:PutEvents", Bus}}; !reflect.DeepEqual(got, want) {
		t.Errorf("PublishFunction: got %v, want %v", got, want)
	}
	got, err = Granted(raw, "ListFunction")
	if err != nil {
		t.Fatal(err)
	}
	want := []Need{{"dynamodb:BatchGetItem", Table}, {"dynamodb:GetItem", Table}, {"dynamodb:Query", Index}, {"dynamodb:Query", Table}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListFunction: got %v, want %v", got, want)
	}
	if _, err := Granted(raw, "Table"); err == nil {
		t.Errorf("Granted of a table: want an error")
	}
}

func TestCompare_NothingMissingNothingExtra(t *testing.T) {
	raw := repoTemplate(t)
	read := []Need{{"dynamodb:GetItem", Table}, {"dynamodb:BatchGetItem", Table}, {"dynamodb:Query", Table}, {"dynamodb:Query", Index}}
	tests := []struct {
		name   string
		needed []Need
		want   []string
	}{
		{"exactly what it uses", read, nil},
		{"an action it is not granted", append(read[:4:4], Need{"dynamodb:PutItem", Table}),
			[]string{"ListFunction: the code uses dynamodb:PutItem on the table, the policy does not grant it"}},
		{"an action granted on a resource it is not used on", read[:3],
			[]string{"ListFunction: the policy grants dynamodb:Query on the index, which no call of its code needs"}},
		{"a resource it is not granted", append(read[:3:3], Need{"dynamodb:Query", Bus}), []string{
			"ListFunction: the code uses dynamodb:Query on the bus, the policy does not grant it",
			"ListFunction: the policy grants dynamodb:Query on the index, which no call of its code needs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compare(raw, "ListFunction", tc.needed)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
