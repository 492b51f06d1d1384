# SPDX-License-Identifier: MIT
"""`dsmk compare` (issue 6): runs one program under every page-location manager (fixed,
central, dynamic) and every coherence mode (invalidate, with and without directory replication; ping-pong window fixed and adaptive;
data affinity off; home stripes off (pages homed by the hash); write-update of chosen symbols when `dsmk run --update` exists) and prints
one table built from the nodes' dsm-stats and dsm-affinity lines (docs/dsm-protocol.md
sections 9 and 9b). Each run goes through
`dsmk run` itself. Wall time is the program's, by node 0's kernel clock (start line to exit
line), so cluster boot is left out. Not done: confidence intervals (use --repeat)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

MANAGERS = ("fixed", "central", "dynamic")
DEFAULT_WINDOW_US = 3000  # best fixed window on falseshare, 2 nodes (docs/dsm-protocol.md section 4)
UPDATE_MANAGERS = ("fixed", "central")  # dsm/dsm.h DSM_REGION_WRITE_UPDATE: not under dynamic
REPLICATED_MANAGERS = ("fixed", "central")  # dsm_set_replication: on by default there, none under dynamic
STRIPED_MANAGERS = ("fixed", "dynamic")  # dsm_set_home_stripes: central manages every page at node 0
STATS_LINE = re.compile(r"dsm-stats node=(\d+) (.*)")
AFFINITY_LINE = re.compile(r"dsm-affinity node=(\d+) (?:on|off) moved_out=(\d+)")
LOG_TIME = r"^\[\s*(\d+\.\d+)\]"
START_LINE = re.compile(LOG_TIME + r".*(?:dsm: program spans|program: entry)", re.M)
EXIT_LINE = re.compile(LOG_TIME + r".*dsmk: program exited with status \d+\n", re.M)  # whole lines only
COLUMNS = ("config", "status", "output", "wall_s", "ratio", "faults", "msgs/fault", "fwd/fault", "bytes",
           "pingpong", "damped", "backups", "wu_writes", "moves", "ahead")


def modes(window_us, update_symbols, update_available):
    """[(mode name, kernel words, run options, managers)] in table order."""
    out = [("invalidate", [], [], MANAGERS),
           ("invalidate,replicate=off", ["dsm.replicate=off"], [], REPLICATED_MANAGERS),
           ("window=%dus" % window_us, ["dsm.window_us=%d" % window_us], [], MANAGERS),
           ("window=adaptive", ["dsm.window_us=adaptive"], [], MANAGERS),
           ("affinity=off", ["dsm.affinity=off"], [], MANAGERS),
           ("home=hash", ["dsm.home=hash"], [], STRIPED_MANAGERS),
           ("ahead=off", ["dsm.ahead=0"], [], MANAGERS)]
    if update_symbols and update_available:
        opts = []
        for sym in update_symbols:
            opts += ["--update", sym]
        out.append(("write-update", [], opts, UPDATE_MANAGERS))
    return out


def configurations(window_us=DEFAULT_WINDOW_US, update_symbols=(), update_available=False):
    """[(label, words, run options)]; the first, "default", adds no word: the kernel's own
    defaults, whatever they are, are what the ratio column compares against."""
    rows = [("default", [], [])]
    for mode, words, opts, managers in modes(window_us, update_symbols, update_available):
        for m in managers:
            rows.append(("%s/%s" % (m, mode), ["dsm.manager=%s" % m] + words, opts))
    return rows


def parse_stats(text):
    """{node: {key: int}} from the dsm-stats lines in text (one node's log), with the threads
    its data-affinity judges moved away (its dsm-affinity line) as affinity_moves."""
    out = {}
    for m in STATS_LINE.finditer(text):
        out[int(m.group(1))] = {k: int(v) for k, v in (kv.split("=", 1) for kv in m.group(2).split())}
    for m in AFFINITY_LINE.finditer(text):
        out.setdefault(int(m.group(1)), {})["affinity_moves"] = int(m.group(2))
    return out


def parse_wall(text):
    """Seconds from the program's start line to its exit line in node 0's log, or None."""
    start, end = START_LINE.search(text), EXIT_LINE.search(text)
    if not start or not end:
        return None
    return float(end.group(1)) - float(start.group(1))


def summarize(stats):
    """Cluster totals and per-fault figures from {node: stats dict}."""
    total = {}
    for s in stats.values():
        for k, v in s.items():
            if k != "node" and not k.startswith("lat_p"):
                total[k] = total.get(k, 0) + v
    faults = total.get("rfaults", 0) + total.get("wfaults", 0)
    return {
        "faults": faults,
        "msgs/fault": total.get("fault_msgs", 0) / faults if faults else 0.0,
        "fwd/fault": total.get("fwd", 0) / faults if faults else 0.0,
        "bytes": total.get("bytes_sent", 0),
        "pingpong": total.get("pingpong", 0),
        "damped": total.get("damped", 0),
        "backups": total.get("backups", 0),
        "wu_writes": total.get("wu_writes", 0),
        "moves": total.get("affinity_moves", 0),
        "ahead": total.get("ahead", 0),
    }


def run_once(dsmk, program, args, nodes, nic, words, opts, timeout, build, run_root):
    """One `dsmk run`: (status, stdout bytes, wall seconds or None, {node: stats})."""
    name = "compare-%d-%d" % (os.getpid(), int(time.monotonic() * 1000) % 1000000)
    cmd = [dsmk, "--name", name, "run", "--keep", "-n", str(nodes), "--nic", nic, "--timeout", str(timeout)]
    for w in words:
        cmd += ["-k", w]
    cmd += list(opts) + [program] + list(args)
    env = dict(os.environ, DSMK_BUILD=build) if build else dict(os.environ)
    rundir = os.path.join(run_root, name)
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout + 60)
        stats, wall = {}, None
        for i in range(nodes):
            log = os.path.join(rundir, "node%d.log" % i)
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
            stats.update(parse_stats(text))
            if i == 0:
                wall = parse_wall(text)
        return p.returncode, p.stdout, wall, stats
    finally:
        shutil.rmtree(rundir, ignore_errors=True)


def measure(label, words, opts, repeat, run):
    """Runs one configuration repeat times; the row of the median wall time."""
    results = [run(words, opts) for _ in range(repeat)]
    timed = sorted((r for r in results if r[2] is not None), key=lambda r: r[2])
    status, out, wall, stats = timed[len(timed) // 2] if timed else results[-1]
    row = {"config": label, "status": status, "stdout": out, "wall_s": wall, "nodes_reporting": len(stats)}
    if timed:
        row["wall_s"] = statistics.median(r[2] for r in timed)
    row.update(summarize(stats))
    return row


def fill_ratios(rows):
    """ratio = wall time / the first (default) row's wall time; output = same as it or not."""
    base = rows[0]
    for r in rows:
        ok = r["wall_s"] is not None and base["wall_s"]
        r["ratio"] = r["wall_s"] / base["wall_s"] if ok else None
        r["output"] = "same" if (r["status"], r["stdout"]) == (base["status"], base["stdout"]) else "DIFF"


def cell(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.3f" % v if v < 10 else "%.1f" % v
    return str(v)


def format_table(rows):
    """The table as text: a header line, then one line per configuration."""
    cells = [list(COLUMNS)] + [[cell(r.get(c)) for c in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths)))
                     for line in cells)


def update_supported(dsmk):
    """True when `dsmk run` takes --update SYMBOL (write-update regions)."""
    p = subprocess.run([dsmk, "run", "--help"], capture_output=True, text=True)
    return "--update" in p.stdout


def compare(dsmk, program, args, nodes=2, nic="virtio", words=(), update_symbols=(), window_us=DEFAULT_WINDOW_US,
            repeat=1, timeout=600.0, build=None, run_root="/tmp/dsmk-run", notify=None):
    """Runs every configuration; returns (rows, notes). Rows carry COLUMNS plus stdout."""
    notes = []
    available = bool(update_symbols) and update_supported(dsmk)
    if update_symbols and not available:
        notes.append("write-update rows skipped: this dsmk run has no --update yet")
    elif not update_symbols:
        notes.append("no write-update rows: name symbols with --update SYMBOL")
    else:
        notes.append("write-update rows under %s only (not available under dynamic)" % ", ".join(UPDATE_MANAGERS))
    notes.append("default = no dsm.* word (the kernel's defaults); ratio = wall time / the default's")

    def run(extra_words, opts):
        return run_once(dsmk, program, args, nodes, nic, list(words) + extra_words, opts, timeout, build, run_root)

    rows = []
    for label, cwords, opts in configurations(window_us, update_symbols, available):
        if notify:
            notify("compare: %s" % label)
        rows.append(measure(label, cwords, opts, repeat, run))
    fill_ratios(rows)
    return rows, notes


def print_report(rows, notes, program, nodes, nic, out=sys.stdout):
    out.write("dsmk compare: %s on %d nodes (%s); wall time by node 0's clock\n" % (program, nodes, nic))
    out.write(format_table(rows) + "\n")
    for n in notes:
        out.write("note: %s\n" % n)
