// Package ddblocal installs and runs DynamoDB Local, the official emulator, for the
// test runner, the development server and the benchmark. The jar ships inside the npm
// package amplify-dynamodb-simulator (DESIGN.md, "Local stack"), which is installed once
// into $GATEPASS_CACHE/ddb and reused. Each Server is one emulator on a free port, in
// memory (tests) or in a file under Options.DataDir (the development server); it is
// stopped with its process group by Stop, and killed by the kernel if this process dies
// first. Supervise keeps one running on the same port, restarting it when it exits.
//
// DynamoDB Local has no host option and listens on all interfaces: send it traffic only
// on 127.0.0.1 (Endpoint does).
package ddblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"gatepass/infra/internal/proc"
	"gatepass/infra/internal/progress"
)

// Package is the npm package that carries DynamoDB Local 1.25.1.
const Package = "amplify-dynamodb-simulator@2.9.30"

// Region and the dummy credentials the local clients sign with; DynamoDB Local accepts any.
const (
	Region          = "us-east-1"
	AccessKeyID     = "local"
	SecretAccessKey = "local"
)

// Options configure Start. The zero value is ready to use.
type Options struct {
	// CacheDir holds the npm install (<CacheDir>/ddb). Default: $GATEPASS_CACHE, else
	// <repo root>/.cache.
	CacheDir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Output receives the emulator's stdout and stderr; nil discards them (the last
	// lines are still quoted in a start error).
	Output io.Writer
	// StartTimeout bounds the wait for the first answer. Default 3 minutes: a JVM that
	// starts in 3 s on an idle machine took over a minute with 20 processes beside it.
	StartTimeout time.Duration
	// DataDir, when set, keeps the data in a file there (-sharedDb: one database for
	// every client, whatever its credentials and region) so that it survives a restart.
	// Empty: in memory, gone when the emulator stops.
	DataDir string
	// SharedDB serves one database to every caller (-sharedDb) in memory too. Without it
	// DynamoDB Local keeps one per access key and region, so a client with other
	// credentials (a `sam local` container, say) would not see the tables.
	SharedDB bool
}

// Server is a running DynamoDB Local.
type Server struct {
	port int
	file bool // the data is in a file: stop gently so that it is flushed
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, valid after done
	once sync.Once
}

// Endpoint is the URL to give the SDK (BaseEndpoint or AWS_ENDPOINT_URL_DYNAMODB).
func (s *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// Port is the TCP port the emulator listens on.
func (s *Server) Port() int { return s.port }

// Stop ends the emulator (its whole process group) and waits for it to exit. It is
// safe to call more than once.
func (s *Server) Stop() error {
	s.once.Do(func() {
		if s.file {
			// A file database: SIGTERM lets the JVM close it; SIGKILL if it lingers.
			_ = proc.Terminate(s.cmd.Process)
			select {
			case <-s.done:
				return
			case <-time.After(5 * time.Second):
			}
		}
		// In-memory data has nothing to flush: SIGKILL is the fast, certain stop.
		_ = proc.Kill(s.cmd.Process)
		<-s.done
	})
	return nil
}

// CPU is the CPU time the emulator's process used, once it has exited (0 before).
func (s *Server) CPU() time.Duration {
	select {
	case <-s.done:
	default:
		return 0
	}
	if ps := s.cmd.ProcessState; ps != nil {
		return ps.UserTime() + ps.SystemTime()
	}
	return 0
}

// Done is closed when the emulator's process has exited, for whatever reason.
func (s *Server) Done() <-chan struct{} { return s.done }

// Pid is the emulator's process id (tests kill it to play a crash).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Start installs DynamoDB Local if needed, starts it and waits until it answers
// ListTables. ctx bounds the start only; the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("ddblocal: %w: java not found on PATH: DynamoDB Local needs a Java runtime (17 or newer), e.g. apt-get install openjdk-17-jre-headless", ErrPrerequisite)
	}
	dir, err := Install(ctx, opts.CacheDir)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// A free port found by listening can be taken by someone else before java binds it;
	// when the emulator exits early for that reason, try another.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		s, err := launch(ctx, java, dir, port, opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if opts.Port != 0 || ctx.Err() != nil || !errors.Is(err, errExited) {
			break
		}
	}
	return nil, lastErr
}

// ErrPrerequisite is wrapped by the errors that mean a program this package needs (java,
// npm) is missing from the machine, as opposed to a failure of the emulator itself.
var ErrPrerequisite = errors.New("missing prerequisite")

// Required reports whether a missing prerequisite must fail a test run rather than skip
// the tests that need DynamoDB Local: under CI or when GATEPASS_REQUIRE_DDB is set.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("GATEPASS_REQUIRE_DDB") != ""
}

var errExited = errors.New("DynamoDB Local exited during start")

// jvmFlags keep the emulator's JIT to its quick tier and its collector to one thread:
// its work is short requests against native SQLite, where the optimizing compiler's
// CPU does not pay back. Measured on shared/api's suite (2 cores): start 6.0 -> 3.3
// CPU-seconds, the suite 31.5 -> 18.6.
var jvmFlags = []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"}

func launch(ctx context.Context, java, dir string, port int, opts Options) (*Server, error) {
	tail := &tailBuffer{max: 4096}
	var w io.Writer = tail
	if opts.Output != nil {
		w = io.MultiWriter(opts.Output, tail)
	}
	args := append(slices.Clone(jvmFlags), "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-port", strconv.Itoa(port), "-disableTelemetry")
	if opts.DataDir == "" {
		args = append(args, "-inMemory")
		if opts.SharedDB {
			args = append(args, "-sharedDb")
		}
	} else {
		abs, err := filepath.Abs(opts.DataDir)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("ddblocal: data directory: %w", err)
		}
		args = append(args, "-sharedDb", "-dbPath", abs)
	}
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = w, w
	proc.OwnGroup(cmd)
	proc.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ddblocal: start java: %w", err)
	}
	s := &Server{port: port, file: opts.DataDir != "", cmd: cmd, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()

	db := Client(ctx, s.Endpoint())
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ListTables(callCtx, &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) {
			o.RetryMaxAttempts = 1
		})
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("ddblocal: %w on port %d (%v); its output:\n%s", errExited, port, s.err, tail.String())
		case <-ctx.Done():
			_ = s.Stop()
			return nil, fmt.Errorf("ddblocal: DynamoDB Local did not answer on port %d: %w (last error: %v); its output:\n%s", port, ctx.Err(), err, tail.String())
		case <-tick.C:
		}
	}
}

// Install makes sure the npm package is in <cacheDir>/ddb and returns the directory that
// holds DynamoDBLocal.jar. An empty cacheDir means the default of Options.CacheDir.
// Concurrent callers (test packages run in parallel) are serialised by a file lock.
func Install(ctx context.Context, cacheDir string) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	prefix := filepath.Join(cacheDir, "ddb")
	dir := filepath.Join(prefix, "node_modules", "amplify-dynamodb-simulator", "emulator")
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if fileExists(jar) {
		return dir, nil
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", fmt.Errorf("ddblocal: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(prefix, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("ddblocal: %w", err)
	}
	defer lock.Close()
	if err := proc.Lock(lock); err != nil {
		return "", fmt.Errorf("ddblocal: lock %s: %w", lock.Name(), err)
	}
	defer proc.Unlock(lock) //nolint:errcheck
	// Another process may have installed it while we waited for the lock.
	if fileExists(jar) {
		return dir, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("ddblocal: %w: DynamoDB Local is not installed in %s and npm was not found on PATH: install Node.js 22 or 24 (LTS) with npm (e.g. apt-get install nodejs npm)", ErrPrerequisite, prefix)
	}
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", prefix, Package)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := progress.Run(nil, "ddblocal: installing DynamoDB Local ("+Package+") from npm into "+prefix, cmd.Run); err != nil {
		return "", fmt.Errorf("ddblocal: npm install %s: %w\n%s", Package, err, out.String())
	}
	if !fileExists(jar) {
		return "", fmt.Errorf("ddblocal: npm installed %s but %s is missing", Package, jar)
	}
	return dir, nil
}

// DefaultCacheDir is $GATEPASS_CACHE, else the .cache folder at the root of the module
// that contains the working directory.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("GATEPASS_CACHE"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".cache"), nil
}

// RepoRoot is the nearest directory at or above the working directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("ddblocal: %w", err)
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ddblocal: no go.mod above the working directory; set GATEPASS_CACHE")
		}
		dir = parent
	}
}

// Client is a DynamoDB client for a local endpoint: region us-east-1, dummy static
// credentials, and no response checksum validation (DynamoDB Local's responses would
// make the SDK log a warning).
func Client(_ context.Context, endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          Region,
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     Credentials(),
		DisableValidateResponseChecksum: true,
	})
}

// StreamsClient is a DynamoDB Streams client for the same local endpoint (DynamoDB
// Local serves both APIs on one port).
func StreamsClient(endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  Credentials(),
	})
}

// Credentials are the static dummy credentials of the local stack.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ddblocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// TestStack is DynamoDB Local for a test binary, from ForTests.
type TestStack struct {
	// Endpoint is the DynamoDB endpoint; empty when Skip is set.
	Endpoint string
	// Skip says why the tests that need DynamoDB Local must be skipped: a prerequisite
	// is missing and Required() is false. Tests report it with t.Skip, never silently.
	Skip   string
	server *Server
}

// ForTests gives a TestMain a DynamoDB endpoint: AWS_ENDPOINT_URL_DYNAMODB when the test
// runner provides one (tests then make tables with unique names), else a DynamoDB Local
// of its own. A missing java or npm is an error under Required(), else a Skip reason;
// so is the unit tier (GATEPASS_TIER=unit), which starts no emulator.
func ForTests(ctx context.Context) (*TestStack, error) {
	if os.Getenv("GATEPASS_TIER") == "unit" {
		return &TestStack{Skip: "needs DynamoDB Local; `make test-unit` runs none, `make test` runs this test"}, nil
	}
	if ep := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); ep != "" {
		return &TestStack{Endpoint: ep}, nil
	}
	s, err := Start(ctx, Options{})
	if errors.Is(err, ErrPrerequisite) && !Required() {
		return &TestStack{Skip: err.Error()}, nil
	}
	if err != nil {
		return nil, err
	}
	return &TestStack{Endpoint: s.Endpoint(), server: s}, nil
}

// Close stops the DynamoDB Local that ForTests started, if any.
func (t *TestStack) Close() {
	if t != nil && t.server != nil {
		_ = t.server.Stop()
	}
}
