# SPDX-License-Identifier: MIT
"""Many threads alive at once across nodes, against the native run (user/limits.c
"threads N": every thread waits on one barrier before any exits).
2000 threads on 2 nodes: 1000 on each, near a node's table (kernel/thread.h THREAD_MAX).
Before, a node held 127, and a barrier of 200 threads on 2 nodes hung: the futex wake
answers each of node 1's 100 waiters with its own message, and the transport refused what
did not fit its window and backlog (96 messages), so the DSM core lost wake-ups
(net/transport.c now spills such messages to the heap)."""
from dsmkpy.testing import check_matches_native, user_program


def test_two_thousand_threads_on_two_nodes(tmp_path):
    check_matches_native(tmp_path, "many-threads", user_program("limits"), args=["threads", "2000"], nodes=(2,))


def test_barrier_of_two_hundred_threads_on_two_nodes(tmp_path):
    check_matches_native(tmp_path, "barrier-200", user_program("limits"), args=["threads", "200"], nodes=(2,))
