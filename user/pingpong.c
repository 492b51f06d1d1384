// SPDX-License-Identifier: MIT
// pingpong: true sharing (issue 6) - two threads hand a token back and forth through ONE
// 32-bit word N times each: thread i waits (futex) until the word says it is its turn, then
// advances it and wakes the other. Under the DSM the word's page moves on every hand-off.
// Deterministic output. Usage: pingpong [N=1000]
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PP_FUTEX_WAIT 0 /* linux/futex.h FUTEX_WAIT (musl-gcc has no kernel headers) */
#define PP_FUTEX_WAKE 1 /* linux/futex.h FUTEX_WAKE */
#define PP_PLAYERS 2
#define PP_ROUNDS_MAX (INT_MAX / PP_PLAYERS)

/* turn counts hand-offs: player (turn % 2) holds the token. */
static uint32_t turn;
static long rounds;

static void pp_wait_for(uint32_t want)
{
    uint32_t seen;
    while ((seen = __atomic_load_n(&turn, __ATOMIC_SEQ_CST)) != want)
        syscall(SYS_futex, &turn, PP_FUTEX_WAIT, seen, NULL, NULL, 0);
}

static void *pp_player(void *arg)
{
    uint32_t me = (uint32_t)(uintptr_t)arg;
    for (long k = 0; k < rounds; k++) {
        uint32_t mine = (uint32_t)k * PP_PLAYERS + me;
        pp_wait_for(mine);
        __atomic_store_n(&turn, mine + 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, &turn, PP_FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atol(argv[1]) : 1000;
    if (rounds < 1 || rounds > PP_ROUNDS_MAX) {
        fprintf(stderr, "usage: pingpong [1..%d]\n", PP_ROUNDS_MAX);
        return 2;
    }
    pthread_t tids[PP_PLAYERS];
    for (int i = 0; i < PP_PLAYERS; i++)
        if (pthread_create(&tids[i], NULL, pp_player, (void *)(uintptr_t)i) != 0) {
            fprintf(stderr, "pingpong: pthread_create %d failed\n", i);
            return 1;
        }
    for (int i = 0; i < PP_PLAYERS; i++)
        pthread_join(tids[i], NULL);
    uint32_t want = (uint32_t)(rounds * PP_PLAYERS);
    printf("pingpong: %d threads handed the token %u times: turn=%u (%s)\n", PP_PLAYERS, want, turn,
           turn == want ? "ok" : "WRONG");
    return turn == want ? 0 : 1;
}
