// Command validate checks template.yaml without the SAM CLI: goformation's strict parse,
// the SAM JSON schema that goformation ships, and gatepass's own rules (every route
// of infra/openapi.yaml, least privilege, dead-letter queues, the table as shared/store declares it).
//
//	go run ./infra/cmd/validate [-root DIR] [-openapi FILE] template.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	root := flag.String("root", ".", "repository root, where functions/ and events/ are")
	doc := flag.String("openapi", "", "the OpenAPI document whose routes the template must declare (default ROOT/infra/openapi.yaml)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: validate [-root DIR] [-openapi FILE] template.yaml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	path := flag.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	start := time.Now()
	if *doc == "" {
		*doc = filepath.Join(*root, "infra", "openapi.yaml")
	}
	routes, err := LoadRoutes(*doc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	issues, err := Validate(data, Options{Root: *root, Routes: routes})
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	for _, is := range issues {
		fmt.Fprintf(os.Stderr, "%s: %s\n", path, is)
	}
	if len(issues) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d problem(s)\n", path, len(issues))
		os.Exit(1)
	}
	fmt.Printf("%s: valid (SAM schema of goformation v7.14.9, %d routes, %d functions; %.1fs)\n",
		path, len(routes), len(Functions), time.Since(start).Seconds())
}
