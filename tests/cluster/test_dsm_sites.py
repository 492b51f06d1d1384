# SPDX-License-Identifier: MIT
"""Fault sites (docs/dsm-protocol.md section 9c; dsm/sites.c, `dsmk run --sites`): every node
logs a dsm-sites line naming the user instructions whose remote faults waited longest, and
`dsmk run --sites` merges them into a table with the program's function and data symbols.
pingpong hands one word (`turn`) back and forth between two threads on two nodes, so its
sharing misses come from pp_player's loads and stores of `turn`."""
import re

from dsmkpy.testing import build_musl, dsmk_run, user_program

ROUNDS = 150
SITES = re.compile(r"dsm-sites node=(\d+) sites=(\d+) faults=(\d+) other=(\d+)((?: site=\S+)*)$", re.M)
ROW = re.compile(r"dsmk: +([\d.]+) +[\d.]+% +(\d+) +(\d+) +(read|write|syscall read|syscall write) +([\d,]+) +(\S+) +(.*)")


def test_sites_name_the_function_and_data_that_share(tmp_path):
    p = dsmk_run(tmp_path, "sites", 2, user_program("pingpong"), [str(ROUNDS)],
                 ["--keep", "--sites", "-k", "dsm.affinity=off"])
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, err[-3000:]
    assert p.stdout.decode().startswith("pingpong: 2 threads handed the token %d times" % (2 * ROUNDS)), p.stdout
    rows = [m.groups() for m in map(ROW.match, err.splitlines()) if m]
    assert rows, err
    # The longest waits: pp_player touching turn, on both nodes, nearly all sharing misses.
    wait, faults, taken, kind, nodes, code, data = rows[0]
    assert code.startswith("pp_player+") and data == "turn", rows[:3]
    assert nodes == "0,1" and int(faults) >= ROUNDS and int(taken) >= int(faults) * 9 // 10, rows[0]
    assert {r[3] for r in rows if r[5].startswith("pp_player+") and r[6] == "turn"} == {"read", "write"}, rows
    # Each node's own line: its sites' faults are at most its total, and it names sites.
    lines = {}
    for log in (tmp_path / "run").glob("sites-*/node*.log"):
        for m in SITES.finditer(log.read_text(errors="replace")):
            lines[int(m.group(1))] = m
    assert set(lines) == {0, 1}, lines
    for m in lines.values():
        listed = [int(s.split(":")[2]) for s in m.group(5).split()]
        assert listed and sum(listed) <= int(m.group(3)) and int(m.group(4)) == 0, m.group(0)


def test_sites_count_the_kernels_own_accesses_as_system_calls(tmp_path):
    """A read(2) into a buffer another node holds: the kernel's write into user memory is
    charged to the program's system call (kind `syscall write`)."""
    exe = build_musl(tmp_path, "sysbuf", SYSCALL_SOURCE)
    p = dsmk_run(tmp_path, "sites-sys", 2, exe, [], ["--sites", "-k", "dsm.affinity=off"])
    err = p.stderr.decode(errors="replace")
    assert (p.returncode, p.stdout) == (0, b"read 4096 bytes 32 times\n"), err[-3000:]
    rows = [m.groups() for m in map(ROW.match, err.splitlines()) if m]
    assert any(r[3] == "syscall write" and r[6].startswith("buffer") for r in rows), err


SYSCALL_SOURCE = r"""
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define ROUNDS 32
static char buffer[4096] __attribute__((aligned(4096)));
static pthread_barrier_t turn;

static void *toucher(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&turn);
        buffer[i] = 1; /* takes the page to this node */
        pthread_barrier_wait(&turn);
    }
    return 0;
}

int main(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0)
        return 1;
    pthread_barrier_init(&turn, 0, 2);
    pthread_t t;
    pthread_create(&t, 0, toucher, 0);
    int full = 0;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&turn);
        pthread_barrier_wait(&turn);
        full += read(fd, buffer, sizeof buffer) == (ssize_t)sizeof buffer; /* the kernel writes it */
    }
    pthread_join(t, 0);
    printf("read %d bytes %d times\n", (int)sizeof buffer, full);
    return 0;
}
"""


def test_a_new_threads_first_fault_on_its_stack_asks_for_write_access(tmp_path):
    """A new thread on node 1 first pops from its stack page, which its creator wrote, then
    pushes (musl's __clone: pop, call). A read fault on the page the thread's stack pointer is
    in asks for write access at once (kernel/dsm_glue.c): one fault, not a read and then an
    upgrade (about 30 `__clone+` write faults in bench_thread 40 before)."""
    p = dsmk_run(tmp_path, "stackfault", 2, user_program("bench_thread"), ["40"],
                 ["--sites", "-k", "dsm.affinity=off"])
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0, err[-3000:]
    rows = [m.groups() for m in map(ROW.match, err.splitlines()) if m]
    clone_reads = sum(int(r[1]) for r in rows if r[5].startswith("__clone+") and r[3] == "read")
    clone_writes = sum(int(r[1]) for r in rows if r[5].startswith("__clone+") and r[3] == "write")
    assert clone_reads >= 20 and clone_writes <= 3, rows
