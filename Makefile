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

# Every fuzz target, each for FUZZTIME (go test fuzzes one target at a time).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

demo:
	$(GO) run ./cmd/meterwire decode --examples --explain
