# gatepass — every target installs what it needs into .cache/ (git-ignored).
# Prerequisites: Go 1.26, Java 17, Node 20 + npm, make.

SHELL := /bin/bash
CACHE := $(CURDIR)/.cache
export GATEPASS_CACHE := $(CACHE)

FN ?=
EVENT ?=

.PHONY: test vet validate run invoke build bench capacity ddb fmt generate lint

## test: DynamoDB Local + template validation + go vet + go test -race (what CI runs)
test:
	go run ./infra/testrun

## generate: regenerate the typed client shared/client from infra/openapi.yaml (oapi-codegen pinned in go.mod)
generate:
	go generate ./shared/client

## lint: Redocly's recommended rules on infra/openapi.yaml (make test runs it too)
lint:
	go run ./infra/openapilint

## validate: parse template.yaml strictly and check it against the SAM schema and our rules
validate:
	go run ./infra/validate template.yaml

## run: the whole system on 127.0.0.1:3000 (HTTP) and :3001 (EventBridge)
run:
	@mkdir -p $(CACHE)/bin
	go build -o $(CACHE)/bin/gatepass-local ./infra/local
	@exec $(CACHE)/bin/gatepass-local

## invoke: FN=<name> EVENT=<file> — one function under the Lambda RIE, like `sam local invoke -e`
invoke:
	@test -n "$(FN)" || { echo "usage: make invoke FN=<name> EVENT=events/<name>/<file>.json" >&2; exit 2; }
	go run ./infra/invoke -fn "$(FN)" -event "$(EVENT)"

## build: every function as build/<name>/bootstrap (linux/arm64, as deployed)
build:
	go run ./infra/build

## bench: the benchmark program (DynamoDB Local, a realistic data set, ratios against baselines)
bench:
	go run ./infra/bench

## capacity: the capacity model: the real check path through a simulated fleet at 1M checks/s (docs/capacity.md)
capacity:
	go run ./infra/capacity

fmt:
	gofmt -w $$(git ls-files '*.go')

# `sam build` with BuildMethod: makefile calls build-<LogicalId>; ARTIFACTS_DIR is set by SAM.
build-%Function:
	name=$$(echo "$*" | tr 'A-Z' 'a-z'); \
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o "$(ARTIFACTS_DIR)/bootstrap" "./functions/$$name"
