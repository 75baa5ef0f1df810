# gatepass — every target installs what it needs into .cache/ (git-ignored).
# Prerequisites: Go 1.26, Java 17, Node.js 22 or 24 LTS with npm (DynamoDB Local, Redocly CLI), make.

SHELL := /bin/bash
CACHE := $(CURDIR)/.cache
export GATEPASS_CACHE := $(CACHE)

FN ?=
EVENT ?=
ENV_VARS ?=

.PHONY: test test-unit token vet validate run reset invoke build bench soak capacity ddb fmt generate lint console screenshots

## test: DynamoDB Local + template validation + go vet + go test -race (what CI runs)
test:
	go run -trimpath ./infra/cmd/testrun

## test-unit: the fast tier, no Java: pure rules, decisions, parsing, the emulators' own logic (GATEPASS_TIER=unit skips what needs DynamoDB)
UNIT := ./functions/... ./shared/... ./infra/emulators/eventbus ./infra/emulators/gateway ./infra/emulators/template ./infra/testkit/... ./infra/cmd/testrun
test-unit:
	GATEPASS_TIER=unit go test -trimpath -count=1 $(UNIT)

## token: a dev token for any caller: make token [SUB=u-ana] [TENANT=t-dev] [ROLES="ws:ws-sales:reviewer checker"] (export TOKEN=$$(make -s token ...))
token:
	@go run ./infra/cmd/token $(if $(SUB),-sub "$(SUB)") $(if $(TENANT),-tenant "$(TENANT)") $(if $(ROLES)$(filter ROLES,$(.VARIABLES)),-roles "$(ROLES)")

## generate: regenerate the typed clients from infra/openapi.yaml: shared/client (oapi-codegen pinned in go.mod) and the console's api.gen.ts (openapi-typescript pinned in its package-lock.json)
generate:
	go generate ./shared/client
	go run ./infra/cmd/consolebuild -generate

## screenshots: PNGs of every console screen at 1280x800 and 390x844 under docs/img/ (headless Chromium against the development server)
screenshots:
	GATEPASS_SCREENSHOTS=$(CURDIR)/docs/img go run ./infra/cmd/testrun -run 'TestConsole_Screenshots' ./infra/cmd/local/

## console: build the console's front end (pinned npm packages) into shared/console/dist, which the console function embeds
console:
	go run ./infra/cmd/consolebuild

## lint: Redocly's recommended rules on infra/openapi.yaml (make test runs it too)
lint:
	go run ./infra/cmd/openapilint

## validate: parse template.yaml strictly and check it against the SAM schema and our rules
validate:
	go run ./infra/cmd/validate template.yaml

## run: the whole system on 127.0.0.1:3000 (HTTP) and :3001 (EventBridge)
run: console
	@mkdir -p $(CACHE)/bin
	go build -o $(CACHE)/bin/gatepass-local ./infra/cmd/local
	@exec $(CACHE)/bin/gatepass-local

## reset: wipe the data make run keeps between runs (the table and the stream position), of every stack
reset:
	rm -rf $(CACHE)/data $(CACHE)/data-*

## invoke: FN=<name> EVENT=<file> [ENV_VARS=<file>] — one function under the Lambda RIE, like `sam local invoke -e [--env-vars]`
invoke:
	@test -n "$(FN)" || { echo "usage: make invoke FN=<name> EVENT=events/<name>/<file>.json [ENV_VARS=infra/env/invoke.json]" >&2; exit 2; }
	go run ./infra/cmd/invoke -fn "$(FN)" -event "$(EVENT)" $(if $(ENV_VARS),-env-vars "$(ENV_VARS)") $(if $(ALLOW_REMOTE),-allow-remote) $(if $(APPCODE),-appcode "$(APPCODE)") $(if $(APPKEY),-appkey "$(APPKEY)" -appsecret "$(APPSECRET)")

## ddb: DynamoDB Local alone on port 8000 (DDB_PORT), with the gatepass table, for sam local and make invoke ENV_VARS=
ddb:
	go run ./infra/cmd/ddb

## build: every function as build/<name>/bootstrap (linux/arm64, as deployed)
build: console
	go run ./infra/cmd/build

## bench: the benchmark program (DynamoDB Local, a realistic data set, ratios against baselines)
bench:
	go run ./infra/perf/bench

## soak: a bounded mixed load (60 s, DURATION=2m for longer, at most 4m) through the development server
soak:
	go run ./infra/perf/soak $(if $(DURATION),-duration $(DURATION))

## capacity: the capacity model: the real check path through a simulated fleet at 1M checks/s (docs/capacity.md)
capacity:
	go run ./infra/perf/capacity

fmt:
	gofmt -w $$(git ls-files '*.go')

# `sam build` with BuildMethod: makefile calls build-<LogicalId>; ARTIFACTS_DIR is set by SAM.
# The console function embeds the console's files: they are built first.
build-ConsoleFunction: console
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o "$(ARTIFACTS_DIR)/bootstrap" ./functions/console

build-%Function:
	name=$$(echo "$*" | tr 'A-Z' 'a-z'); \
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o "$(ARTIFACTS_DIR)/bootstrap" "./functions/$$name"
