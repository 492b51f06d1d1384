#!/bin/sh
# SPDX-License-Identifier: MIT
# Long simulator soak (not part of `make test`): COUNT seeds from FIRST, four configurations
# each (16 nodes default mix; 3 nodes futex-heavy with delayed resume; 24 nodes central
# manager with 25% loss and 20% duplication; 6 nodes dynamic manager with read-ahead, home
# stripes, the resume hold and 15% loss). Prints failures and a verdict line.
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
    run --seed $s --events 100000 --nodes 6 --threads 4 --pages 48 --futexes 3 --loss 15 --dup 5 --resume-delay 100000 \
        --resume-hold --home-stripes 2 --read-ahead 8 --manager dynamic
    s=$((s + 1))
done
echo "soak: $passed passed, $failed failed"
[ $failed -eq 0 ]
