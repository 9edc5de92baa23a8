#!/usr/bin/env bash
# Builds the libFuzzer targets (with AddressSanitizer) and runs each, one after the other, for
# N inputs (default 1,000,000), starting from the seed corpus in corpus/<target>/. New inputs go to
# work/<target>/ and a crash, hang (-timeout) or runaway memory (-rss_limit_mb) to
# artifacts/<target>/ (both git-ignored); a target stops at its first one. Prints a table of
# inputs run, executions per second and crashes. See docs/fuzzing.md.
#
#   tools/fuzz/run.sh [runs]                      every target
#   FUZZ_TARGETS="json yaml" tools/fuzz/run.sh    some of them
set -euo pipefail

runs=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# SwiftPM's --sanitize=fuzzer --sanitize=address hands swiftc two -sanitize options, of which the
# driver keeps only the last (Swift code would get no coverage): Swift gets one combined option,
# C code (CPeapod) AddressSanitizer on top of the fuzzer instrumentation --sanitize adds.
build=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address -Xswiftc -enable-testing)
swift build "${build[@]}"
bin=$(swift build "${build[@]}" --show-bin-path)

targets=(${FUZZ_TARGETS:-json yaml http-response chunked redirect cri-log})
declare -A maxlen=([json]=4096 [yaml]=4096 [http-response]=4096 [chunked]=4096 [redirect]=1024 [cri-log]=1024)

# Swift's own crash handler would run inside AddressSanitizer's signal handling: off.
export SWIFT_BACKTRACE=enable=no

rows=()
failed=0
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "artifacts/$t"
    before=$(ls "artifacts/$t" | wc -l)
    dict=()
    [[ -f dict/$t.dict ]] && dict=(-dict="dict/$t.dict")
    log="work/$t.log"
    echo "fuzz-$t: $runs inputs (log: tools/fuzz/$log)"
    status=0
    "$bin/fuzz-$t" -runs="$runs" -max_len="${maxlen[$t]:-4096}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" "${dict[@]}" \
        "work/$t" "corpus/$t" >"$log" 2>&1 || status=$?
    inputs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    speed=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
    crashes=$(( $(ls "artifacts/$t" | wc -l) - before ))
    if (( status != 0 && crashes == 0 )); then crashes="? (exit $status)"; fi
    [[ $crashes != 0 ]] && failed=1
    rows+=("$(printf '%-15s %12s %10s  %s' "$t" "${inputs:--}" "${speed:--}" "$crashes")")
    grep -E "property failed|ERROR: (AddressSanitizer|libFuzzer)|Test unit written" "$log" | head -5 || true
done

printf '\n%-15s %12s %10s  %s\n' target inputs exec/s crashes
printf '%s\n' "${rows[@]}"
exit $failed
