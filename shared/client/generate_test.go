package client

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGenerated_IsWhatTheDocumentGenerates runs the pinned generator on infra/openapi.yaml
// into a temporary file and requires the committed client.gen.go to be that, byte for byte.
func TestGenerated_IsWhatTheDocumentGenerates(t *testing.T) {
	out := filepath.Join(t.TempDir(), "client.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", out, "../../infra/openapi.yaml")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("shared/client/client.gen.go is not what infra/openapi.yaml generates: run `make generate` and commit the result")
	}
}
