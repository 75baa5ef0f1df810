package ddblocal

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"gatepass/infra/internal/proc"
)

func needJava(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		if Required() {
			t.Fatalf("java is required (CI or GATEPASS_REQUIRE_DDB is set): %v", err)
		}
		t.Skipf("DynamoDB Local needs java: %v", err)
	}
}

func TestStartStop(t *testing.T) {
	needJava(t)
	ctx := context.Background()
	start := time.Now()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DynamoDB Local ready in %v at %s", time.Since(start).Round(time.Millisecond), s.Endpoint())
	t.Cleanup(func() { _ = s.Stop() })
	if !strings.HasPrefix(s.Endpoint(), "http://127.0.0.1:") {
		t.Fatalf("got endpoint %s, want http://127.0.0.1:N", s.Endpoint())
	}

	db := Client(ctx, s.Endpoint())
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("ddblocal-test"),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash}},
		StreamSpecification: &ddbtypes.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage,
		},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ddblocal-test")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Table.LatestStreamArn == nil {
		t.Fatal("got no stream on the table, want one")
	}
	// The streams API answers on the same port.
	if _, err := StreamsClient(s.Endpoint()).DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
		StreamArn: out.Table.LatestStreamArn,
	}); err != nil {
		t.Fatal(err)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	_ = s.Stop() // idempotent
	if c, err := net.DialTimeout("tcp", s.Endpoint()[len("http://"):], time.Second); err == nil {
		c.Close()
		t.Fatalf("port %d still open after Stop", s.Port())
	}
}

func TestTwoServersSideBySide(t *testing.T) {
	needJava(t)
	ctx := context.Background()
	a, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	if a.Port() == b.Port() {
		t.Fatalf("both servers on port %d", a.Port())
	}
}

func TestMissingPrerequisites(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Options{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrPrerequisite) || !strings.Contains(err.Error(), "java") {
		t.Fatalf("Start without java: got %v, want an ErrPrerequisite naming java", err)
	}
	_, err = Install(context.Background(), t.TempDir())
	if !errors.Is(err, ErrPrerequisite) || !strings.Contains(err.Error(), "npm") {
		t.Fatalf("Install without npm: got %v, want an ErrPrerequisite naming npm", err)
	}
}

func TestInstallReusesJar(t *testing.T) {
	cache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := Install(context.Background(), cache)
	if err != nil {
		t.Skipf("no installed jar to reuse: %v", err)
	}
	t.Setenv("PATH", t.TempDir()) // npm is not needed when the jar is there
	again, err := Install(context.Background(), cache)
	if err != nil || again != dir {
		t.Fatalf("got %q, %v; want %q, nil", again, err, dir)
	}
}

func TestForTestsReusesEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")
	ts, err := ForTests(context.Background())
	if err != nil || ts.Endpoint != "http://127.0.0.1:1" || ts.Skip != "" {
		t.Fatalf("got %+v, %v; want the given endpoint", ts, err)
	}
	ts.Close()
}

func TestForTestsSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	t.Setenv("CI", "")
	t.Setenv("GATEPASS_REQUIRE_DDB", "")
	ts, err := ForTests(context.Background())
	if err != nil || !strings.Contains(ts.Skip, "java") {
		t.Fatalf("got %+v, %v; want a skip reason naming java", ts, err)
	}
	t.Setenv("GATEPASS_REQUIRE_DDB", "1")
	if _, err := ForTests(context.Background()); !errors.Is(err, ErrPrerequisite) {
		t.Fatalf("got %v, want ErrPrerequisite when required", err)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 4}
	tb.Write([]byte("abc"))
	tb.Write([]byte("defg"))
	if got := tb.String(); got != "defg" {
		t.Fatalf("got %q, want %q", got, "defg")
	}
}

// TestSupervise_RestartsAndKeepsFileData: the emulator killed outright comes back on the
// same endpoint, ready runs again, and a file-backed table still holds its items.
func TestSupervise_RestartsAndKeepsFileData(t *testing.T) {
	needJava(t)
	ctx := context.Background()
	readies := 0
	table := &dynamodb.CreateTableInput{
		TableName:            aws.String("supervised"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash}},
	}
	ready := func(ctx context.Context, endpoint string) error {
		readies++
		_, err := Client(ctx, endpoint).CreateTable(ctx, table)
		var inUse *ddbtypes.ResourceInUseException
		if errors.As(err, &inUse) {
			return nil
		}
		return err
	}
	sup, err := Supervise(ctx, Options{DataDir: t.TempDir()}, nil, ready)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sup.Stop() })
	db := Client(ctx, sup.Endpoint())
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table.TableName, Item: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}}); err != nil {
		t.Fatal(err)
	}
	first := sup.Current()
	p, err := os.FindProcess(first.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(p); err != nil { // the JVM's whole group, as a crash would
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute) // a restart is a JVM start: the default StartTimeout
	for sup.Restarts() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if sup.Restarts() != 1 || readies != 2 {
		t.Fatalf("got %d restarts and %d ready calls, want 1 and 2", sup.Restarts(), readies)
	}
	if sup.Current().Endpoint() != first.Endpoint() {
		t.Fatalf("restarted at %s, want the same endpoint %s", sup.Current().Endpoint(), first.Endpoint())
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table.TableName, Key: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "kept"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatal("the item written before the crash is gone")
	}
}
