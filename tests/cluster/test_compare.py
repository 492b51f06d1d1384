# SPDX-License-Identifier: MIT
"""`tools/dsmk compare` (issue 6, tools/dsmkpy/compare.py): the read-mostly program on 2 nodes
under every manager and coherence mode, write-update of its table included; the table must
have one filled row per configuration, every figure taken from the nodes' real dsm-stats
lines."""
import os
import subprocess

from dsmkpy.compare import COLUMNS, configurations, format_table, parse_stats, parse_wall, summarize
from dsmkpy.testing import REPO, build_dir, user_program

DSMK = os.path.join(REPO, "tools", "dsmk")
TIMEOUT = 600
READMOSTLY_ARGS = ["2", "8", "1024", "4", "5"]  # 2 readers, 8 rounds, 1024 entries, 4 updates, 5 passes


def table_rows(text):
    """{config: {column: cell}} from the table in compare's stdout."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:1] == ["config"])
    assert lines[head].split() == list(COLUMNS), lines[head]
    rows = {}
    for line in lines[head + 1:]:
        if line.startswith("note:"):
            break
        cells = line.split()
        assert len(cells) == len(COLUMNS), line
        rows[cells[0]] = dict(zip(COLUMNS, cells))
    return rows


def test_compare_table_from_real_stats():
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    p = subprocess.run([DSMK, "compare", "-n", "2", "--update", "table", user_program("readmostly")] + READMOSTLY_ARGS,
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, (p.stdout, p.stderr[-3000:])
    rows = table_rows(p.stdout)
    want = [label for label, _, _ in configurations(update_symbols=["table"], update_available=True)]
    assert list(rows) == want, p.stdout
    for label, r in rows.items():
        assert (r["status"], r["output"]) == ("0", "same"), r
        assert float(r["wall_s"]) > 0 and float(r["ratio"]) > 0, r
        # Readers on node 1 fetch the table's pages every round.
        assert int(r["faults"]) > 0 and int(r["bytes"]) > 0, r
        assert 0.5 <= float(r["msgs/fault"]) <= 6.0 and float(r["fwd/fault"]) >= 0.0, r
        replicated = not label.startswith("dynamic") and "replicate=off" not in label
        if label != "default":  # the kernel's default manager decides there
            assert (int(r["backups"]) > 0) == replicated, r
        assert (int(r["wu_writes"]) > 0) == label.endswith("write-update"), r
        if label.endswith("affinity=off"):
            assert r["moves"] == "0", r
        if label.endswith("ahead=off"):
            assert r["ahead"] == "0", r
    assert rows["default"]["ratio"] == "1.000"


def test_table_helpers():
    log = ("[    0.100000] info  dsm: program spans 2 nodes (5 core regions, manager fixed)\n"
           "[    0.350000] info  dsm-stats node=0 rfaults=3 wfaults=1 fault_msgs=8 fwd=2 bytes_sent=100 pingpong=1 "
           "damped=0 backups=4 lat_p50_ns=7\n"
           "[    0.350100] info  dsm-affinity node=0 on moved_out=2 moved_in=1 held=0\n"
           "[    0.400000] info  dsmk: program exited with status 0\n")
    stats = parse_stats(log)
    assert stats == {0: {"rfaults": 3, "wfaults": 1, "fault_msgs": 8, "fwd": 2, "bytes_sent": 100, "pingpong": 1,
                         "damped": 0, "backups": 4, "lat_p50_ns": 7, "affinity_moves": 2}}
    assert abs(parse_wall(log) - 0.3) < 1e-9
    s = summarize({0: stats[0], 1: dict(stats[0], fault_msgs=0)})
    assert (s["faults"], s["msgs/fault"], s["fwd/fault"], s["bytes"]) == (8, 1.0, 0.5, 200)
    row = dict(config="x", status=0, output="same", wall_s=0.5, ratio=1.0, **s)
    assert (s["wu_writes"], s["moves"], s["ahead"]) == (0, 4, 0)
    text = format_table([row])
    assert text.splitlines()[0].split() == list(COLUMNS) and text.splitlines()[1].split()[:4] == [
        "x", "0", "same", "0.500"]


def test_write_update_rows_only_where_supported():
    labels = [c[0] for c in configurations(update_symbols=["turn"], update_available=True)]
    assert "fixed/write-update" in labels and "central/write-update" in labels
    assert "dynamic/write-update" not in labels
    assert not any("write-update" in c[0] for c in configurations(update_symbols=["turn"], update_available=False))
