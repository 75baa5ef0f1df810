package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the directory that holds go.mod, found upwards from the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// goIndex is what the repository's Go code declares.
type goIndex struct {
	// funcs holds every function and method of non-test files, keyed as docs/rules.md
	// names them: "pkg.Func", "pkg.Type.Method" (value receiver), "pkg.(*Type).Method"
	// (pointer receiver), pkg being the package's name.
	funcs map[string]bool
	// tests maps each top-level TestX function of a _test.go file to the files
	// (relative to the root) that declare it.
	tests map[string][]string
}

// indexGo parses every .go file under root, skipping hidden directories (.cache, .git)
// and node_modules.
func indexGo(t *testing.T, root string) goIndex {
	t.Helper()
	idx := goIndex{funcs: map[string]bool{}, tests: map[string][]string{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		isTest := strings.HasSuffix(path, "_test.go")
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fn.Name.Name
			if isTest {
				if fn.Recv == nil && strings.HasPrefix(name, "Test") {
					idx.tests[name] = append(idx.tests[name], filepath.ToSlash(rel))
				}
				continue
			}
			idx.funcs[f.Name.Name+"."+receiver(fn)+name] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("parse the Go code: %v", err)
	}
	if len(idx.funcs) == 0 || len(idx.tests) == 0 {
		t.Fatalf("found %d functions and %d tests under %s: the walk is broken", len(idx.funcs), len(idx.tests), root)
	}
	return idx
}

// receiver renders a method's receiver as a prefix ("Type." or "(*Type)."), "" for a
// function. Type parameters are dropped: Page[T] is Page.
func receiver(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return ""
	}
	typ := fn.Recv.List[0].Type
	star := false
	if s, ok := typ.(*ast.StarExpr); ok {
		star, typ = true, s.X
	}
	switch x := typ.(type) {
	case *ast.IndexExpr:
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	id, ok := typ.(*ast.Ident)
	if !ok {
		return "?."
	}
	if star {
		return "(*" + id.Name + ")."
	}
	return id.Name + "."
}
