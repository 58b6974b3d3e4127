#!/usr/bin/env bash
# scripts/test.sh runs every check gmpkit's CI runs, on any machine with Go:
# gofmt, go vet, staticcheck (pinned, fetched through the module proxy),
# the library's tests under the race detector at GOMAXPROCS 1, 2 and 8, and
# the bench module's tests. It exits non-zero on the first failure.
#
# Tests that need outside programs (a real Prometheus server, headless
# Chromium) skip themselves when the program is missing; .ci/run installs
# both and sets GMPKIT_REQUIRE_PROMETHEUS=1 and GMPKIT_REQUIRE_CHROMIUM=1 so
# that in CI a missing program is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2 # staticcheck 2025.x line; pinned so CI is repeatable

step() { printf '\n==> %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l . bench)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

step "docs: contracts, not process notes (scripts/check-docs.sh)"
./scripts/check-docs.sh

step "go vet (library)"
go vet ./...
step "go vet (bench)"
(cd bench && go vet ./...)

step "staticcheck ${STATICCHECK_VERSION}"
go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" ./...
(cd bench && go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" ./...)

step "go test -race -cpu 1,2,8 (library)"
go test -race -count=1 -cpu 1,2,8 -timeout 15m ./...

step "go test -cpu 1,2,8 without -race (stress tests at full size)"
# Under the race detector the stress tests shrink (the detector slows them
# tenfold); this pass runs the queues', channel's and pool's stress tests at
# the sizes their issues name (1e6 items, 1e5 tasks).
go test -count=1 -cpu 1,2,8 -timeout 10m ./safechan/ ./steal/ ./workpool/

step "go test -race -cpu 1,2,8 (bench module)"
(cd bench && go test -race -count=1 -cpu 1,2,8 -timeout 15m ./...)

step "all checks passed"
