package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The contract's documents: README.md and every Markdown file of docs/.
func contractDocs(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

var (
	// inlineLink is [text](target) and ![alt](target); the target ends at a space
	// (a title follows) or the closing parenthesis.
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refLink is a reference definition: [label]: target.
	refLink = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$`)
	// codeSpan is inline code, whose brackets are not links.
	codeSpan = regexp.MustCompile("`[^`]*`")
	scheme   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// links returns the link targets of a Markdown text with their line numbers, outside
// fenced code blocks and code spans.
func links(text string) (targets []string, lines []int) {
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if m := refLink.FindStringSubmatch(line); m != nil {
			targets, lines = append(targets, m[1]), append(lines, i+1)
			continue
		}
		for _, m := range inlineLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
			targets, lines = append(targets, m[1]), append(lines, i+1)
		}
	}
	return targets, lines
}

// linkProblem says why target, linked from the document at doc, leaves the repository
// at root or points nowhere; "" when it is fine. Web links (http, https) are allowed;
// a path must name a file or directory inside the repository.
func linkProblem(root, doc, target string) string {
	if target == "" {
		return "an empty link"
	}
	if scheme.MatchString(target) {
		lower := strings.ToLower(target)
		if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			return ""
		}
		return "a link that is neither a web address nor a path in the repository"
	}
	path, _, _ := strings.Cut(target, "#")
	path, _, _ = strings.Cut(path, "?")
	if path == "" { // an anchor in the same document
		return ""
	}
	var abs string
	if strings.HasPrefix(path, "/") { // GitHub resolves /x against the repository's root
		abs = filepath.Join(root, filepath.FromSlash(path))
	} else {
		abs = filepath.Join(filepath.Dir(doc), filepath.FromSlash(path))
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "a link outside the repository (a clone has only the repository: say it in our own words in docs/)"
	}
	if _, err := os.Stat(abs); err != nil {
		return "a link to " + filepath.ToSlash(rel) + ", which does not exist in the repository"
	}
	return ""
}

func TestLinks_StayInsideRepository(t *testing.T) {
	root := repoRoot(t)
	for _, doc := range contractDocs(t, root) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		name, _ := filepath.Rel(root, doc)
		targets, lines := links(string(b))
		for i, target := range targets {
			if p := linkProblem(root, doc, target); p != "" {
				t.Errorf("%s:%d: %q is %s", filepath.ToSlash(name), lines[i], target, p)
			}
		}
	}
}

func TestLinks_Parsing(t *testing.T) {
	text := "see [rules](docs/rules.md) and ![x](img.png \"t\")\n" +
		"`[not](a-link.md)` but [web](https://example.com/a)\n" +
		"```\n[in](code.md)\n```\n" +
		"[ref]: ../shared/SPEC.md\n"
	got, lines := links(text)
	want := []string{"docs/rules.md", "img.png", "https://example.com/a", "../shared/SPEC.md"}
	if !slices.Equal(got, want) || !slices.Equal(lines, []int{1, 1, 2, 6}) {
		t.Errorf("links = %q on lines %v, want %q on lines [1 1 2 6]", got, lines, want)
	}
	root := repoRoot(t)
	readme := filepath.Join(root, "README.md")
	for target, ok := range map[string]bool{
		"docs/rules.md#r6": true, "#routes": true, "https://aws.amazon.com/": true, "go.mod": true,
		"../shared/SPEC.md": false, "docs/../../x.md": false, "/../x": false, "file:///etc/passwd": false,
		"docs/no-such-file.md": false,
	} {
		if p := linkProblem(root, readme, target); (p == "") != ok {
			t.Errorf("linkProblem(README.md, %q) = %q; want ok=%v", target, p, ok)
		}
	}
}
