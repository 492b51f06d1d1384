#!/bin/sh
# SPDX-License-Identifier: MIT
# The `test-sim` tier: runs the DSM simulator on several configuration/seed batches (each
# one "test"), then the deliberately broken builds, which pass only if the checker reports
# a violation. Usage: run_tier.sh BINDIR [BASE_SEED]. Ends with "sim: N passed, N failed".
bin=$1
seed=${2:-1}
passed=0
failed=0

# batch NAME BINARY ARGS...: must finish clean.
batch() {
    name=$1
    prog=$2
    shift 2
    out=$("$bin/$prog" "$@" 2>&1)
    rc=$?
    echo "$out" | grep -E '^(ok|FAIL|VIOLATION|replay)' | sed "s/^/  [$name] /"
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "$name: ok"; else failed=$((failed + 1)); echo "$name: FAILED"; fi
}

# broken NAME BINARY PATTERN ARGS...: the checker must catch it (exit 1, PATTERN reported).
broken() {
    name=$1
    prog=$2
    pattern=$3
    shift 3
    out=$("$bin/$prog" "$@" 2>&1)
    rc=$?
    echo "$out" | grep -E '^(ok|FAIL|VIOLATION)' | sed "s/^/  [$name] /"
    if [ $rc -eq 1 ] && echo "$out" | grep -q "VIOLATION.*$pattern"; then
        passed=$((passed + 1)); echo "$name: caught (ok)"
    else
        failed=$((failed + 1)); echo "$name: NOT caught"
    fi
}

start=$(date +%s)
batch fixed-16 dsm_sim --seed $seed --events 500000 --nodes 16 --threads 3 --pages 24
batch central-lossy dsm_sim --seed $((seed + 1)) --events 200000 --nodes 16 --manager central --loss 20 --dup 10
batch contended-32 dsm_sim --seed $((seed + 2)) --events 200000 --nodes 32 --threads 4 --pages 8 --futexes 3
batch wide-64 dsm_sim --seed $((seed + 3)) --events 80000 --nodes 64 --threads 2 --pages 40 --futexes 8
batch pair-2 dsm_sim --seed $((seed + 4)) --events 100000 --nodes 2 --threads 8 --pages 5 --futexes 2
batch futex-heavy dsm_sim --seed $((seed + 5)) --events 100000 --nodes 16 --threads 4 --futex-pct 70
batch resume-delay dsm_sim --seed $((seed + 7)) --events 150000 --nodes 16 --threads 4 --resume-delay 200000
batch window dsm_sim --seed $((seed + 8)) --events 150000 --nodes 16 --window 100000 --resume-delay 50000
batch window-adaptive dsm_sim --seed $((seed + 9)) --events 100000 --nodes 4 --threads 4 --pages 6 --futexes 2 --window 400000 --adaptive
batch dynamic-16 dsm_sim --seed $((seed + 10)) --events 300000 --nodes 16 --threads 3 --pages 24 --manager dynamic
batch dynamic-lossy dsm_sim --seed $((seed + 11)) --events 150000 --nodes 4 --threads 4 --pages 6 --futexes 2 --loss 20 --dup 10 --manager dynamic
batch dynamic-64 dsm_sim --seed $((seed + 12)) --events 80000 --nodes 64 --threads 2 --pages 40 --futexes 8 --manager dynamic
batch dynamic-window dsm_sim --seed $((seed + 13)) --events 100000 --nodes 8 --threads 4 --pages 8 --window 200000 --adaptive --resume-delay 50000 --manager dynamic
batch dynamic-asan dsm_sim_asan --seed $((seed + 14)) --events 30000 --nodes 8 --manager dynamic
batch replicate-fixed dsm_sim --seed $((seed + 15)) --events 150000 --nodes 16 --replicate
batch replicate-central dsm_sim --seed $((seed + 16)) --events 100000 --nodes 8 --threads 4 --pages 8 --manager central --replicate --loss 15
batch write-update dsm_sim --seed $((seed + 17)) --events 150000 --nodes 8 --wu-pages 6
batch write-update-lossy dsm_sim --seed $((seed + 18)) --events 100000 --nodes 16 --manager central --wu-pages 10 --loss 20 --dup 10 --replicate --resume-delay 50000
batch write-update-asan dsm_sim_asan --seed $((seed + 19)) --events 30000 --nodes 4 --threads 4 --pages 8 --futexes 2 --wu-pages 4
batch resume-hold-fixed dsm_sim --seed $((seed + 20)) --events 150000 --nodes 8 --threads 4 --pages 8 --futexes 2 --resume-delay 200000 --resume-hold
batch resume-hold-dynamic dsm_sim --seed $((seed + 21)) --events 150000 --nodes 8 --threads 4 --pages 8 --futexes 2 --resume-delay 200000 --resume-hold --manager dynamic
batch resume-hold-asan dsm_sim_asan --seed $((seed + 22)) --events 30000 --nodes 4 --threads 4 --pages 6 --window 100000 --resume-delay 100000 --resume-hold --manager dynamic
batch stripes-fixed dsm_sim --seed $((seed + 23)) --events 150000 --nodes 8 --threads 4 --pages 16 --futexes 3 --home-stripes 1
batch stripes-dynamic-lossy dsm_sim --seed $((seed + 24)) --events 150000 --nodes 8 --threads 4 --pages 16 --futexes 3 --loss 20 --dup 10 --home-stripes 0 --manager dynamic
batch stripes-write-update dsm_sim --seed $((seed + 25)) --events 100000 --nodes 4 --threads 4 --pages 12 --futexes 2 --wu-pages 4 --replicate --home-stripes 2
batch read-ahead-dynamic dsm_sim --seed $((seed + 26)) --events 200000 --nodes 4 --threads 4 --pages 64 --futexes 2 --futex-pct 5 --read-ahead 8 --manager dynamic
batch read-ahead-lossy dsm_sim --seed $((seed + 27)) --events 150000 --nodes 8 --threads 4 --pages 32 --futexes 3 --loss 20 --dup 10 --resume-delay 100000 --resume-hold --read-ahead 4 --manager dynamic
batch read-ahead-fixed dsm_sim --seed $((seed + 29)) --events 150000 --nodes 4 --threads 4 --pages 64 --futexes 2 --futex-pct 5 --loss 10 --home-stripes 3 --replicate --read-ahead 8 --manager fixed
batch read-ahead-central dsm_sim --seed $((seed + 30)) --events 100000 --nodes 4 --threads 4 --pages 32 --futexes 2 --replicate --window 100000 --adaptive --read-ahead 8 --manager central
batch read-ahead-asan dsm_sim_asan --seed $((seed + 28)) --events 30000 --nodes 4 --threads 4 --pages 32 --futexes 2 --window 100000 --adaptive --home-stripes 2 --read-ahead 8 --manager dynamic
batch sanitizers dsm_sim_asan --seed $((seed + 6)) --events 30000 --nodes 16
broken skip-inv-ack dsm_sim_broken_ack "" --seed $seed --events 200000
broken skip-inv-ack-dynamic dsm_sim_broken_ack "" --seed $seed --events 200000 --manager dynamic
broken lose-backup dsm_sim_broken_backup "replica" --seed $seed --events 100000 --replicate
broken wu-one-phase dsm_sim_broken_wu "" --seed $seed --events 100000 --nodes 8 --wu-pages 6
broken ahead-no-copyset dsm_sim_broken_ahead "" --seed $seed --events 200000 --nodes 4 --threads 4 --pages 32 --futexes 2 --read-ahead 8 --manager dynamic
broken ahead-no-copyset-fixed dsm_sim_broken_ahead "" --seed $seed --events 200000 --nodes 4 --threads 4 --pages 32 --futexes 2 --read-ahead 8 --home-stripes 3 --manager fixed
broken check-before-reg dsm_sim_broken_futex "lost wake-up" --seed $seed --events 400000 --futex-pct 60
echo "sim: elapsed $(($(date +%s) - start)) s"
echo "sim: $passed passed, $failed failed"
[ $failed -eq 0 ]
