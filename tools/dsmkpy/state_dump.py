# SPDX-License-Identifier: MIT
"""Node state dumps: an NMI makes a dsmk kernel log its threads, DSM transactions in flight
and transport state between `dump: begin` and `dump: end` (kernel/state_dump.c)."""
import time

from dsmkpy.qmp import QmpError, qmp_command

DUMP_WAIT_S = 10.0  # a dump is a few dozen serial lines; a stuck node may never answer
DUMP_BEGIN = "dump: begin"
DUMP_END = "dump: end"


def dump_nodes(cluster, nodes, wait_s=DUMP_WAIT_S):
    """Asks each node in nodes for a dump; returns {node: the dump's log lines} (an empty
    list for a node that did not answer within wait_s)."""
    marks, asked = {}, []
    for i in nodes:
        if not cluster.node_alive(i):
            continue
        marks[i] = len(cluster.nodes[i].log_text())
        try:
            qmp_command(cluster.qmp(i), "inject-nmi")
            asked.append(i)
        except QmpError:
            pass
    deadline = time.monotonic() + wait_s
    dumps = {i: [] for i in nodes}
    pending = set(asked)
    while pending and time.monotonic() < deadline:
        for i in sorted(pending):
            text = cluster.nodes[i].log_text()[marks[i]:]
            if DUMP_END in text:
                lines = text.splitlines()
                first = next((k for k, line in enumerate(lines) if DUMP_BEGIN in line), 0)
                last = next(k for k, line in enumerate(lines) if DUMP_END in line)
                dumps[i] = lines[first:last + 1]
                pending.discard(i)
        time.sleep(0.1)
    return dumps


def format_dumps(dumps):
    """The dumps as text, one block per node."""
    out = []
    for i in sorted(dumps):
        out.append("--- node %d%s\n" % (i, "" if dumps[i] else ": no dump (not running or no answer)"))
        out.extend(line + "\n" for line in dumps[i])
    return "".join(out)
