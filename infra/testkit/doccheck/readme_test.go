package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadme_LayoutNamesEveryFolder: the README's Layout names every top-level and
// second-level folder of the repository (hidden ones, testdata and what .gitignore
// ignores aside); "functions/<name>/" stands for every folder under functions/.
func TestReadme_LayoutNamesEveryFolder(t *testing.T) {
	root := repoRoot(t)
	named := layoutEntries(t, root)
	ignored := ignoredDirs(t, root)
	var missing []string
	for _, dir := range foldersToDepth2(t, root, ignored) {
		if !covered(dir, named) {
			missing = append(missing, dir+"/")
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md, Layout: no line for %s", strings.Join(missing, ", "))
	}
}

func TestLayout_Covered(t *testing.T) {
	named := map[string]bool{"functions/<name>": true, "shared": true, "shared/api": true}
	for dir, want := range map[string]bool{
		"functions/check": true, "shared/api": true, "shared": true,
		"functions": true, "shared/bus": false, "infra": false, "events/check": false,
	} {
		if got := covered(dir, named); got != want {
			t.Errorf("covered(%q) = %v, want %v", dir, got, want)
		}
	}
}

// layoutEntries are the paths that start the lines of the Layout's code block, without
// their trailing slash.
func layoutEntries(t *testing.T, root string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "\n## Layout\n")
	if start < 0 {
		t.Fatal("README.md has no Layout section")
	}
	s = s[start+1:]
	open := strings.Index(s, "\n```\n")
	if open < 0 {
		t.Fatal("README.md, Layout: no code block")
	}
	s = s[open+5:]
	s = s[:strings.Index(s, "```")]
	named := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			for _, p := range strings.Split(f[0], ",") {
				named[strings.TrimSuffix(p, "/")] = true
			}
		}
	}
	return named
}

// covered: dir is named, or a folder inside it is (which names it too), or its parent
// is named with "<name>" for its last element.
func covered(dir string, named map[string]bool) bool {
	if named[dir] {
		return true
	}
	for n := range named {
		if strings.HasPrefix(n, dir+"/") {
			return true
		}
	}
	if parent := filepath.ToSlash(filepath.Dir(dir)); parent != "." {
		return named[parent+"/<name>"]
	}
	return false
}

// ignoredDirs are the folders .gitignore ignores by a rooted line ("/build/").
func ignoredDirs(t *testing.T, root string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "/") && strings.HasSuffix(line, "/") {
			out[strings.Trim(line, "/")] = true
		}
	}
	return out
}

// foldersToDepth2 lists the repository's folders one and two levels down, slash-separated.
func foldersToDepth2(t *testing.T, root string, ignored map[string]bool) []string {
	t.Helper()
	skip := func(name string) bool {
		return strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata"
	}
	var out []string
	top, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range top {
		if !d.IsDir() || skip(d.Name()) || ignored[d.Name()] {
			continue
		}
		out = append(out, d.Name())
		sub, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sub {
			if s.IsDir() && !skip(s.Name()) {
				out = append(out, d.Name()+"/"+s.Name())
			}
		}
	}
	return out
}

// TestDocs_RuleRangeIsEveryRule: wherever the README, docs/ or shared/access name the
// range of the product rules ("R1–R24"), it ends at the last rule of docs/rules.md.
func TestDocs_RuleRangeIsEveryRule(t *testing.T) {
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"), filepath.Join(root, "shared", "access", "doc.go"))
	rng := regexp.MustCompile(`R1\s?[–-]\s?R([0-9]+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rng.FindAllStringSubmatch(string(b), -1) {
			if n, _ := strconv.Atoi(m[1]); n != Rules {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s names the rules %q; they are R1–R%d", rel, m[0], Rules)
			}
		}
	}
}
