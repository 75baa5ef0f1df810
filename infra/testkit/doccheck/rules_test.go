package doccheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Rules is the number of product rules, R1–R29.
const Rules = 29

const rulesDoc = "docs/rules.md"

// notBuilt marks a row whose rule has no code yet: it names no function and no test.
const notBuilt = "not yet built"

// row is one line of the rules table: | R6 | sentence | decided by | tests |.
type row struct {
	line  int
	rule  int
	funcs []string
	tests []string
	built bool
}

var (
	ruleCell = regexp.MustCompile(`^R([0-9]+)$`)
	backtick = regexp.MustCompile("`([^`]+)`")
	// funcRef is pkg.Func, pkg.Type.Method or pkg.(*Type).Method.
	funcRef = regexp.MustCompile(`^[a-z][a-z0-9]*\.(\(\*[A-Za-z_][A-Za-z0-9_]*\)\.|[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$`)
	// citation finds the rules a test name cites: TestRenewal_R6_CannotShorten cites R6,
	// TestAuthorizer_R4R5R14Denials R4, R5 and R14.
	citation = regexp.MustCompile(`R([0-9]+)`)
)

// splitRow splits a Markdown table line on the pipes that are not escaped as \|.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func quoted(cell string) []string {
	var out []string
	for _, m := range backtick.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// readRules parses the rules table of docs/rules.md: the first table whose header names
// the columns "decided by" and "tests".
func readRules(t *testing.T, root string) []row {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rulesDoc))
	if err != nil {
		t.Fatalf("%s: %v", rulesDoc, err)
	}
	var rows []row
	in := false
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if !in {
			lower := strings.ToLower(trimmed)
			in = strings.HasPrefix(trimmed, "|") && strings.Contains(lower, "decided by") && strings.Contains(lower, "tests")
			continue
		}
		if !strings.HasPrefix(trimmed, "|") {
			break
		}
		cells := splitRow(trimmed)
		m := ruleCell.FindStringSubmatch(cells[0])
		if m == nil {
			if strings.Trim(cells[0], "-: ") != "" {
				t.Errorf("%s:%d: a row of the rules table must start with its rule, R1…R%d; got %q", rulesDoc, i+1, Rules, cells[0])
			}
			continue
		}
		if len(cells) != 4 {
			t.Errorf("%s:%d: row %s has %d cells; want 4 (rule | in one sentence | decided by | tests)", rulesDoc, i+1, cells[0], len(cells))
			continue
		}
		n, _ := strconv.Atoi(m[1])
		rows = append(rows, row{
			line: i + 1, rule: n, funcs: quoted(cells[2]), tests: quoted(cells[3]),
			built: !strings.Contains(strings.ToLower(cells[2]), notBuilt),
		})
	}
	if !in {
		t.Fatalf("%s has no rules table (a header with the columns \"decided by\" and \"tests\")", rulesDoc)
	}
	return rows
}

func TestRules_OneRowPerRule(t *testing.T) {
	rows := readRules(t, repoRoot(t))
	seen := map[int]int{}
	for _, r := range rows {
		if r.rule < 1 || r.rule > Rules {
			t.Errorf("%s:%d: R%d is not a product rule (R1–R%d)", rulesDoc, r.line, r.rule, Rules)
		}
		if prev, ok := seen[r.rule]; ok {
			t.Errorf("%s:%d: R%d has a second row (the first is on line %d)", rulesDoc, r.line, r.rule, prev)
		}
		seen[r.rule] = r.line
	}
	for n := 1; n <= Rules; n++ {
		if _, ok := seen[n]; !ok {
			t.Errorf("%s: the rules table has no row for R%d", rulesDoc, n)
		}
	}
}

func TestRules_NamedFunctionsExist(t *testing.T) {
	idx := indexGo(t, repoRoot(t))
	checkNamed(t, "function", func(r row) []string { return r.funcs }, func(f string) string {
		switch {
		case !funcRef.MatchString(f):
			return "which is not of the form pkg.Func, pkg.Type.Method or pkg.(*Type).Method"
		case !idx.funcs[f]:
			return "which no non-test Go file of the repository declares (renamed or moved? a pointer receiver is written pkg.(*Type).Method)"
		}
		return ""
	})
}

func TestRules_NamedTestsExist(t *testing.T) {
	idx := indexGo(t, repoRoot(t))
	checkNamed(t, "test", func(r row) []string { return r.tests }, func(name string) string {
		if _, ok := idx.tests[name]; !ok {
			return "which no _test.go file of the repository declares as func " + name
		}
		return ""
	})
}

// checkNamed checks one column of every row: a rule not yet built names nothing there;
// a built one names at least one item, and problem finds nothing wrong with any of them.
func checkNamed(t *testing.T, what string, column func(row) []string, problem func(string) string) {
	t.Helper()
	for _, r := range readRules(t, repoRoot(t)) {
		where := fmt.Sprintf("%s:%d: R%d", rulesDoc, r.line, r.rule)
		names := column(r)
		switch {
		case !r.built && len(names) > 0:
			t.Errorf("%s is marked %q but names %ss %v", where, notBuilt, what, names)
		case r.built && len(names) == 0:
			t.Errorf("%s names no %s (or say %q in the decided-by column)", where, what, notBuilt)
		}
		for _, name := range names {
			if p := problem(name); p != "" && r.built {
				t.Errorf("%s names %s %s, %s", where, what, name, p)
			}
		}
	}
}

// TestRules_EveryRuleTestListed keeps the table complete: a test whose name cites a
// rule is listed in that rule's row.
func TestRules_EveryRuleTestListed(t *testing.T) {
	root := repoRoot(t)
	idx := indexGo(t, root)
	listed := map[int][]string{}
	for _, r := range readRules(t, root) {
		listed[r.rule] = append(listed[r.rule], r.tests...)
	}
	names := make([]string, 0, len(idx.tests))
	for name := range idx.tests {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, m := range citation.FindAllStringSubmatch(name, -1) {
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > Rules || slices.Contains(listed[n], name) {
				continue
			}
			t.Errorf("%s (%s) is named after R%d but the R%d row of %s does not list it",
				name, strings.Join(idx.tests[name], ", "), n, n, rulesDoc)
		}
	}
}

// TestSplitRow pins the table parsing the other tests rely on.
func TestSplitRow(t *testing.T) {
	got := splitRow("| R3 | one `APP\\|WS` slot | `access.Decide` | `TestA`, `TestB` |")
	want := []string{"R3", "one `APP|WS` slot", "`access.Decide`", "`TestA`, `TestB`"}
	if !slices.Equal(got, want) {
		t.Errorf("splitRow = %q, want %q", got, want)
	}
	for ref, ok := range map[string]bool{
		"access.Decide": true, "access.Grant.Status": true, "access.(*Service).Renew": true,
		"access": false, "Access.Decide": false, "access.(Service).Renew": false, "access.Decide()": false,
	} {
		if funcRef.MatchString(ref) != ok {
			t.Errorf("funcRef matches %q: %v, want %v", ref, !ok, ok)
		}
	}
}
