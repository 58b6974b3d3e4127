#!/usr/bin/env bash
# scripts/check-docs.sh checks that gmpkit's documentation speaks of the
# library and its users only, and that every package's documentation is a
# contract a reader can take in: it fails on words that record how the work
# was done rather than what the library does (issue numbers, "the issue",
# targets met or missed, remarks on machine load), and on a package comment
# longer than 80 lines of `go doc`.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0

# Process words, in the library, its docs, the README and the CHANGELOG
# (tests and the bench module's report texts included; examples too).
pattern='\bthe issue\b|\bissue #?[0-9]+|\btargets? (were |was |is |are )?(not )?met\b|\bnot met\b|load average|machine load|loaded (machine|box)|\bquiet window\b'
if matches=$(grep -rniE --include='*.go' --include='*.md' "$pattern" \
	README.md CHANGELOG.md doc.go safechan steal workpool ctxtree mutexbench runtimemetrics examples bench 2>/dev/null); then
	echo "process words in the library or its docs (say what the library does, not how the work went):"
	echo "$matches"
	status=1
fi

# Package comments: at most 80 lines of `go doc` before the first declaration.
for pkg in . ./safechan ./steal ./workpool ./ctxtree ./mutexbench ./runtimemetrics; do
	n=$(go doc "$pkg" | sed -n '3,$p' | sed '/^\(func\|type\|var\|const\) /,$d' | wc -l)
	if [ "$n" -gt 80 ]; then
		echo "$pkg: package comment is $n lines of go doc (want at most 80)"
		status=1
	fi
done
exit $status
