// Command token is `make token`: it prints a bearer token for the development server
// (make run, make ddb, sam local start-api) for any sub, tenant and roles, signed with
// the local secret (LOCAL_JWT_SECRET, default the development one), so that every role
// of the walkthrough can be tried without writing a token minter.
//
//	go run ./infra/cmd/token -sub u-ana -tenant t-dev -roles ws:ws-sales:reviewer
//	make token SUB=u-ana ROLES="ws:ws-sales:reviewer checker"
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"gatepass/shared/localjwt"
)

func main() {
	sub := flag.String("sub", "dev-admin", "the token's sub (the caller)")
	tenant := flag.String("tenant", "t-dev", "the token's tenant_id")
	roles := flag.String("roles", "tenant_admin checker", "roles, separated by spaces or commas: tenant_admin, checker, ws:<workspace_id>:owner|reviewer|developer; empty for none")
	ttl := flag.Duration("ttl", 12*time.Hour, "how long the token is valid")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "token: unexpected arguments:", strings.Join(flag.Args(), " "))
		os.Exit(2)
	}
	secret := os.Getenv("LOCAL_JWT_SECRET")
	if secret == "" {
		secret = localjwt.DevSecret
	}
	list := strings.FieldsFunc(*roles, func(r rune) bool { return r == ' ' || r == ',' })
	if list == nil {
		list = []string{}
	}
	tok, err := localjwt.Mint(secret, map[string]any{"sub": *sub, "tenant_id": *tenant, "roles": list}, *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
