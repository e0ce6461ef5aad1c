# The two set-up commands of the README: `make run` and `make test`. The rest mirrors the CI pipeline.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SOLUTION      := ShopOperator.slnx
CONFIGURATION ?= Release
PORT          ?= 8080
TEST_PROJECTS := $(sort $(wildcard tests/*.Tests/*.Tests.csproj))
RESULTS       := TestResults

.PHONY: help run test build lint format crds images image-list deploy promote dev-cluster run-operator bench clean install-plugin plugin-archive seed-catalog bench-catalog bench-operator test-setup

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

run: ## Run the whole shop locally (PostgreSQL, api, web, nginx) on http://127.0.0.1:$(PORT)
	@PORT=$(PORT) ./shop/run-local.sh

seed-catalog: ## Grow the make run catalog to N generated products (deterministic): make seed-catalog N=50000
	@[[ "$(N)" =~ ^[0-9]{1,7}$$ ]] || { echo "usage: make seed-catalog N=50000" >&2; exit 2; }
	@PGPASSWORD="$$(cat .dev/pg-password)" "$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql" \
	  -h 127.0.0.1 -p $${PG_PORT:-55432} -U postgres -d shop -tAq -v ON_ERROR_STOP=1 \
	  -c "SELECT generate_demo_products($(N)) AS added" | sed 's/^/generated products: /'

build: ## Build every project (warnings are errors)
	dotnet build $(SOLUTION) -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

test-setup: ## Install what the tests need (apt-get, npm ci), as make run does; SHOP_TEST_SETUP=skip to leave the machine alone
	@./build/test-setup.sh

test: test-setup build ## Run every test project (installs what they need first); the last line is the total
	@rm -rf $(RESULTS); status=0; \
	for p in $(TEST_PROJECTS); do \
	  name=$$(basename $$p .csproj); \
	  echo "== $$name"; \
	  dotnet test $$p -c $(CONFIGURATION) --no-build -nologo \
	    --logger "trx;LogFileName=$$name.trx" --logger "console;verbosity=normal" \
	    --results-directory $(RESULTS) || status=1; \
	done; \
	./build/test-summary.sh $(RESULTS) || status=1; \
	exit $$status

lint: ## Formatting and analyzers, as the CI quality gate
	dotnet format $(SOLUTION) --verify-no-changes --no-restore
	dotnet build $(SOLUTION) -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

format: ## Apply dotnet format
	dotnet format $(SOLUTION) --no-restore

crds: ## Regenerate crds/ from the operator's C# types (a test fails when the committed CRD differs)
	dotnet build operator/ShopOperator -c $(CONFIGURATION) -nologo -v q -clp:ErrorsOnly
	dotnet operator/ShopOperator/bin/$(CONFIGURATION)/net10.0/shop-operator.dll crd > crds/shop.example.com_shopinstances.yaml

images: ## Build both images (needs a Docker engine)
	@./build/images.sh

image-list: ## Every image an install needs, one per line, by digest (to mirror for an air-gapped install)
	@./build/image-list.sh

install-plugin: ## Install the kubectl plugin `kubectl shop` (diagnose) into $(PREFIX)/bin (default ~/.local)
	@./build/install-plugin.sh

plugin-archive: ## The plugin's release archive: dist/kubectl-shop-$(VERSION).tar.gz and .sha256 (VERSION=1.2.3)
	@VERSION=$${VERSION:-0.0.0-dev} ./build/package-plugin.sh dist

deploy: ## Install the operator on the current kubectl context
	kubectl apply -k config/default

promote: ## Copy the image digest from one environment to the next: make promote FROM=stage TO=prod
	@./build/promote.sh "$(FROM)" "$(TO)"

dev-cluster: ## Start the Kubernetes API emulator on 127.0.0.1; writes .dev/kubeconfig
	@./tests/KubeEmulator/run-dev-cluster.sh

run-operator: ## Run the operator against KUBECONFIG (default .dev/kubeconfig); health and metrics on 127.0.0.1:8081
	@KUBECONFIG=$${KUBECONFIG:-$(CURDIR)/.dev/kubeconfig} OPERATOR_HTTP_PORT=$${OPERATOR_HTTP_PORT:-8081} OPERATOR_LISTEN_ADDRESS=$${OPERATOR_LISTEN_ADDRESS:-127.0.0.1} OPERATOR_METRICS_SECURE=$${OPERATOR_METRICS_SECURE:-false} dotnet run --project operator/ShopOperator -c $(CONFIGURATION) -- run

bench: ## Benchmarks; writes docs/benchmarks.md (then the catalog at 28, 5,000 and 50,000 products)
	@./bench/run.sh
	@./bench/catalog.sh

bench-catalog: ## Only the catalog-size benchmark (BENCH_CATALOG_SIZES="demo 5000 50000"); its section of docs/benchmarks.md
	@./bench/catalog.sh

bench-operator: ## The operator at 200, 1,000 and 5,000 shops on the emulator (BENCH_OPERATOR_SIZES); its section of docs/benchmarks.md
	@./bench/operator.sh

clean:
	rm -rf $(RESULTS) .dev artifacts
	dotnet clean $(SOLUTION) -nologo -v q
