#!/bin/sh
# SPDX-License-Identifier: MIT
# Long simulator soak (not part of `make test`): COUNT seeds from FIRST, three configurations
# each (16 nodes default mix; 3 nodes futex-heavy with delayed resume; 24 nodes central
# manager with 25% loss and 20% duplication). Prints failures and a verdict line.
# Usage: soak.sh DSM_SIM [FIRST] [COUNT]
sim=$1
first=${2:-1000}
count=${3:-50}
passed=0
failed=0
run() {
    if out=$("$sim" "$@"); then passed=$((passed + 1)); else failed=$((failed + 1)); echo "$out" | grep -E '^(VIOLATION|replay)'; fi
}
s=$first
while [ $s -lt $((first + count)) ]; do
    run --seed $s --events 150000
    run --seed $s --events 100000 --nodes 3 --threads 6 --pages 5 --futexes 2 --futex-pct 50 --resume-delay 150000
    run --seed $s --events 100000 --nodes 24 --threads 3 --pages 10 --futexes 5 --loss 25 --dup 20 --manager central
    s=$((s + 1))
done
echo "soak: $passed passed, $failed failed"
[ $failed -eq 0 ]
