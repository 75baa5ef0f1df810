// Command ddb is `make ddb`: DynamoDB Local alone, with the gatepass table, for the SAM
// CLI's local commands and `make invoke ENV_VARS=...` (README "With the SAM CLI").
//
//	go run ./infra/cmd/ddb [-port 8000] [-table gatepass]
//
// It serves one shared database (-sharedDb), so that any credentials and region see the
// table: a `sam local` container signs with whatever the host passes it. DynamoDB Local
// listens on every interface (it has no host option): that is what lets a container
// reach it at host.docker.internal. Data is in memory; Ctrl-C stops it. It prints a
// tenant_admin token signed with LOCAL_JWT_SECRET (default gatepass-local-dev-secret,
// the development server's), for `sam local start-api`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/localjwt"
	"gatepass/shared/store"
)

func main() {
	port := 8000
	if v := os.Getenv("DDB_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ddb: DDB_PORT %q: want a port number\n", v)
			os.Exit(2)
		}
		port = p
	}
	flag.IntVar(&port, "port", port, "port to listen on (DDB_PORT)")
	table := flag.String("table", "gatepass", "the table to create")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, port, *table); err != nil {
		fmt.Fprintln(os.Stderr, "ddb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, port int, table string) error {
	srv, err := ddblocal.Start(ctx, ddblocal.Options{Port: port, SharedDB: true})
	if err != nil {
		return err
	}
	defer srv.Stop()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.CreateTable(cctx, ddblocal.Client(cctx, srv.Endpoint()), table); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	secret := os.Getenv("LOCAL_JWT_SECRET")
	if secret == "" {
		secret = localjwt.DevSecret
	}
	tok, err := localjwt.Mint(secret, map[string]any{
		"sub": "dev-admin", "tenant_id": "t-dev", "roles": []string{"tenant_admin", "checker"},
	}, 12*time.Hour)
	if err != nil {
		return err
	}
	fmt.Printf(`DynamoDB Local on port %d (every interface; one shared database), table %s
  from this machine      AWS_ENDPOINT_URL_DYNAMODB=%s
  from a sam local container   http://host.docker.internal:%d   (infra/env/sam-local.json)

A tenant_admin token for tenant t-dev, valid 12h:

  export TOKEN=%s

Ctrl-C stops it; the data is in memory.
`, srv.Port(), table, srv.Endpoint(), srv.Port(), tok)
	<-ctx.Done()
	return nil
}
