# meterwire: `make test` is the whole test suite (what .ci/run runs).
GO ?= go

.PHONY: test build bench fuzz demo
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o meterwire ./cmd/meterwire

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Each fuzz target for FUZZTIME (go test runs one target at a time).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./wmbus/
	$(GO) test -run='^$$' -fuzz='^FuzzStripCRC$$' -fuzztime=$(FUZZTIME) ./wmbus/
	$(GO) test -run='^$$' -fuzz='^FuzzBuildDecode$$' -fuzztime=$(FUZZTIME) ./wmbus/

demo:
	$(GO) run ./cmd/meterwire decode --examples --explain
