# SPDX-License-Identifier: MIT
"""Many threads alive at once across nodes, against the native run (user/limits.c
"threads N": every thread waits on one barrier before any exits).
2000 threads on 2 nodes: 1000 on each, near a node's table (kernel/thread.h THREAD_MAX).
Before, a node held 127, and a barrier of 200 threads on 2 nodes hung: the futex wake
answers each of node 1's 100 waiters with its own message, and the transport refused what
did not fit its window and backlog (96 messages), so the DSM core lost wake-ups
(net/transport.c now spills such messages to the heap). A node that is full passes new
threads on to one with room (session 17)."""
import pytest

from dsmkpy.testing import build_musl, check_matches_native, user_program


def test_two_thousand_threads_on_two_nodes(tmp_path):
    check_matches_native(tmp_path, "many-threads", user_program("limits"), args=["threads", "2000"], nodes=(2,))


def test_barrier_of_two_hundred_threads_on_two_nodes(tmp_path):
    check_matches_native(tmp_path, "barrier-200", user_program("limits"), args=["threads", "200"], nodes=(2,))



@pytest.mark.parametrize("placement", ["overflow-to-creator", "overflow-to-others"])
def test_a_full_node_passes_its_new_threads_on(tmp_path, placement):
    """A node's table holds about 1020 threads. overflow-to-creator: dsm.place.run=1024 sends
    node 0's first 1024 children to node 1; clone() returns at once, and a start node 1
    refuses runs on node 0. overflow-to-others: dsm.place=local keeps every child on node 0;
    once it is full, clone() starts them on node 1. Before, pthread_create failed 79 and 80
    times here (EAGAIN) although the cluster had room, where the native run creates all 1100."""
    word = "dsm.place.run=1024" if placement == "overflow-to-creator" else "dsm.place=local"
    check_matches_native(tmp_path, placement, user_program("limits"), args=["threads", "1100"], nodes=(2,),
                         options=["-k", word, "-k", "dsm.affinity=off"])


SIGNALED_SOURCE = r"""
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#define N 1040
#define KILLED 16
static pthread_barrier_t all, go;
static atomic_int handled;
static void on_usr1(int s) { (void)s; handled++; }
static void *w(void *a) { (void)a; pthread_barrier_wait(&all); pthread_barrier_wait(&go); return 0; }
int main(void) {
  signal(SIGUSR1, on_usr1);
  pthread_barrier_init(&all, 0, N + 1); pthread_barrier_init(&go, 0, N + 1);
  static pthread_t t[N]; pthread_attr_t at; pthread_attr_init(&at); pthread_attr_setstacksize(&at, 16384);
  for (int i = 0; i < N; i++) if (pthread_create(&t[i], &at, w, 0)) { printf("create %d failed\n", i); return 1; }
  pthread_barrier_wait(&all);
  int sent = 0;
  for (int i = N - KILLED; i < N; i++) sent += pthread_kill(t[i], SIGUSR1) == 0;
  while (handled < sent) usleep(1000);
  pthread_barrier_wait(&go);
  for (int i = 0; i < N; i++) pthread_join(t[i], 0);
  printf("sent %d handled %d\n", sent, (int)handled);
  return 0;
}
"""


@pytest.mark.parametrize("word", ["dsm.place.run=1024", "dsm.place=local"])
def test_signals_reach_threads_a_full_node_passed_on(tmp_path, word):
    """pthread_kill of the last 16 of 1040 threads, which started on another node than their
    tid names (the refused start ran on its creator, or the full creator passed it on): the
    signal follows the note the first node keeps."""
    exe = build_musl(tmp_path, "signaled", SIGNALED_SOURCE)
    check_matches_native(tmp_path, "signaled", exe, nodes=(2,), options=["-k", word, "-k", "dsm.affinity=off"])
