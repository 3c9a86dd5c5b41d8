# shepgate — build, run and test. Two commands do everything on a fresh machine:
#   make run    start the whole system with embedded defaults (test PKI created on first start)
#   make test   install the test tools, check generated code, vet and run every test
SHELL := /bin/bash
GO    ?= go
ADDR  ?= 127.0.0.1:8080
DATA  ?= ./var
BIN   := bin/shepgate
# Debian packages the tests use: xmlsec1 (signature cross-check), xmllint (XSD validation),
# chromium (the web screens' end-to-end tests).

.PHONY: all build run test deps generate check-generated vet bench vulncheck clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/shepgate

run: build
	$(BIN) serve --addr $(ADDR) --data $(DATA) --test-mode --nuc-validity 5s

# deps installs the Debian tools the tests need, once, when they are missing.
deps:
	@missing=""; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	command -v xmllint >/dev/null || missing="$$missing libxml2-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# generate regenerates generated/ from wsdl/ with gowsdl v0.5.0 (pinned in go.mod as a tool).
generate:
	bash wsdl/generate.sh generated

# check-generated fails when generated/ differs from a fresh generation.
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	bash wsdl/generate.sh $$tmp/generated >/dev/null && \
	diff -ru generated $$tmp/generated && echo "generated/ is up to date"

vet:
	$(GO) vet ./...

test: deps check-generated vet
	$(GO) test -count=1 -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./adapter/... 

vulncheck:
	$(GO) tool govulncheck ./...

clean:
	rm -rf bin var
