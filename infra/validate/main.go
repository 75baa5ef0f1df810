// Command validate checks template.yaml without the SAM CLI: goformation's strict parse,
// the SAM JSON schema that goformation ships, and gatepass's own rules (every SPEC.md
// route, least privilege, dead-letter queues, the table as shared/store declares it).
//
//	go run ./infra/validate [-root DIR] template.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	root := flag.String("root", ".", "repository root, where functions/ and events/ are")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: validate [-root DIR] template.yaml")
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
	issues, err := Validate(data, Options{Root: *root})
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
		path, len(Routes), len(Functions), time.Since(start).Seconds())
}
