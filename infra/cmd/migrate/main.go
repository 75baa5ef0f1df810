// Command migrate runs the table's one-off data migrations (docs/operations.md
// "Migrations") against the table TABLE_NAME names, at the endpoint the AWS SDK's
// standard variables name (AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local):
//
//	TABLE_NAME=gatepass go run ./infra/cmd/migrate -workspace-keys
//	TABLE_NAME=gatepass go run ./infra/cmd/migrate -workspace-directory
//
// Each migration is safe to run again: what is already migrated is left alone, and an
// item changed while it ran is skipped and counted, for the next run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"gatepass/shared/settings"
	"gatepass/shared/store"
)

const usage = "usage: TABLE_NAME=<table> go run ./infra/cmd/migrate -workspace-keys | -workspace-directory"

func main() {
	workspaceKeys := flag.Bool("workspace-keys", false, "rewrite the keys that name a workspace to include its tenant (issue 20)")
	directory := flag.Bool("workspace-directory", false, "register every workspace existing data names in its tenant's directory (R29)")
	timeout := flag.Duration("timeout", 30*time.Minute, "stop after this long (run again to finish)")
	flag.Parse()
	table := os.Getenv("TABLE_NAME")
	if *workspaceKeys == *directory || table == "" {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cfg, err := settings.AWS(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
	local := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != ""
	st := store.New(settings.DynamoDB(cfg, local), table, store.Options{})
	if *directory {
		rep, err := st.RegisterNamedWorkspaces(ctx, time.Now())
		fmt.Printf("workspace directory of %s: %s\n", table, rep)
		if err != nil {
			fmt.Fprintln(os.Stderr, "migrate:", err)
			os.Exit(1)
		}
		return
	}
	rep, err := st.MigrateWorkspaceKeys(ctx)
	fmt.Printf("workspace keys of %s: %s\n", table, rep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
	if rep.Skipped > 0 {
		fmt.Fprintln(os.Stderr, "migrate: some items changed while it ran; run it again")
		os.Exit(3)
	}
}
