package doccheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadme_GoSnippetsAreCompiledExamples: every Go block of the README is quoted
// from shared/client/example_test.go, which go vet and go test compile: its lines, in
// order, are lines of the example (lines may be left out, none added or changed). So a
// snippet that would not compile cannot stay in the README.
func TestReadme_GoSnippetsAreCompiledExamples(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(root, "shared", "client", "example_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block: this test guards nothing")
	}
	src := trimmedLines(string(example))
	for i, b := range blocks {
		if line, ok := subsequence(trimmedLines(b), src); !ok {
			t.Errorf("README.md Go block %d: line %q is not the next line of shared/client/example_test.go (quote the example; do not edit the quote)", i+1, line)
		}
	}
}

// goBlocks are the bodies of the ```go fences of a Markdown text.
func goBlocks(md string) []string {
	var out []string
	for {
		i := strings.Index(md, "```go\n")
		if i < 0 {
			return out
		}
		md = md[i+len("```go\n"):]
		j := strings.Index(md, "```")
		if j < 0 {
			return append(out, md)
		}
		out = append(out, md[:j])
		md = md[j+3:]
	}
}

// trimmedLines are the non-blank lines of s without their indentation.
func trimmedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// subsequence reports whether want's lines appear in src in order; if not, the first
// line that does not.
func subsequence(want, src []string) (string, bool) {
	j := 0
	for _, w := range want {
		for j < len(src) && src[j] != w {
			j++
		}
		if j == len(src) {
			return w, false
		}
		j++
	}
	return "", true
}
