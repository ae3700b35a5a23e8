# Entraide: one deployment serving every département's mutual-aid portal.
# `make help` lists the targets; a newcomer needs `make run` and `make test`.

GO      ?= go
BIN     := bin/entraide
SERVICES := ./deploy/with-services.sh

.DEFAULT_GOAL := help
.PHONY: help build run test test-browser browser-deps axe lint bench check-tenants territories stop clean

# axe-core checks pages for accessibility problems in the browser tests.
AXE_VERSION := 4.14.1
AXE_JS      := build/npm/node_modules/axe-core/axe.min.js

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/entraide
	$(GO) build -o $(BIN) ./cmd/entraide

run: build ## serve the three demo portals (finds or starts PostgreSQL, migrates, serves on :8080)
	$(SERVICES) run ./deploy/run-dev.sh

test: browser-deps ## run every test with -race against real PostgreSQL, Redis and Chromium (each test in its own database)
	$(SERVICES) test $(GO) test -race -count=1 -timeout 30m ./...

test-browser: browser-deps ## run only the browser tests: axe on every page of every demo theme (build/a11y/), core flows, screenshots (build/screenshots/)
	$(SERVICES) test $(GO) test -count=1 -timeout 20m -run Browser -v ./internal/web/

browser-deps: axe ## install Debian's Chromium (and axe-core) for the browser tests when missing
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
		echo "*** could not install chromium: the browser tests will be skipped ***"; \
	else echo "*** chromium is missing (sudo apt-get install chromium): the browser tests will be skipped ***"; fi; }

axe: ## install axe-core $(AXE_VERSION) from npm into build/npm when missing
	@test -f $(AXE_JS) && grep -q '"version": "$(AXE_VERSION)"' build/npm/node_modules/axe-core/package.json || \
	{ npm install --no-save --no-audit --no-fund --prefix build/npm axe-core@$(AXE_VERSION) >/dev/null || \
	  echo "*** could not install axe-core with npm: the accessibility tests will be skipped ***"; }

bench: build ## measure pages against floors, 1,000-portal scale and hot paths (build/bench/results.md); BENCH_FLAGS=-tenants=1000 for the large run
	$(GO) build -o bin/entraide-bench ./cmd/entraide-bench
	$(SERVICES) run ./bin/entraide-bench $(BENCH_FLAGS)

lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l cmd internal migrations); if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

check-tenants: build ## validate the portal files in tenants/
	./$(BIN) tenant check

territories: ## rebuild internal/territory/data/territories.json (communes and EPCIs of the portals' départements) from the official data on npm
	npm install --no-save --no-audit --no-fund --prefix build/npm @etalab/decoupage-administratif@6.0.0
	$(GO) run ./internal/territory/gen -src build/npm/node_modules/@etalab/decoupage-administratif/data -geo ../shared/data/geo -tenants tenants -out internal/territory/data/territories.json

stop: ## stop the throwaway PostgreSQL and Redis that make run/test may have started under var/
	@if [ -f var/postgres/data/postmaster.pid ]; then \
		if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- pg_ctl -D var/postgres/data stop; else pg_ctl -D var/postgres/data stop; fi; fi
	@if [ -f var/redis/redis.pid ]; then kill "$$(cat var/redis/redis.pid)" && rm -f var/redis/redis.pid; fi

clean: stop ## remove build output and the throwaway databases
	rm -rf bin build var
