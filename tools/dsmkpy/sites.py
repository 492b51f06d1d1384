# SPDX-License-Identifier: MIT
"""`dsmk run --sites`: where a run's remote faults came from. Every node logs one `dsm-sites`
line at the program's end (docs/dsm-protocol.md section 9c) naming the instructions whose
remote faults waited longest; this merges the nodes' lines and names each site's function
and the data at its last address from the program ELF's symbols (static musl binaries keep
.symtab), through binutils' nm."""
import re
import subprocess

PAGE = 4096
SITES_LINE = re.compile(r"dsm-sites node=(\d+) sites=(\d+) faults=(\d+) other=(\d+)(.*)")
SITE = re.compile(r"site=0x([0-9a-f]+):(r|w|sr|sw):(\d+):(\d+):(\d+):0x([0-9a-f]+)")
CODE_TYPES = set("TtWw")
DATA_TYPES = set("DdBbRrVvGgSs")
DATA_NAMES_SHOWN = 3  # data symbols named for a page; the rest are counted


def parse(log_texts):
    """({(rip, kind): site dict}, nodes reporting, cluster faults) from the nodes' log texts. A
    site's faults, sharing misses (taken) and wait add up over the nodes that name it; its
    address is the one its longest-waiting node saw last."""
    merged, nodes, faults = {}, 0, 0
    for text in log_texts:
        m = None
        for m in SITES_LINE.finditer(text):
            pass
        if not m:
            continue
        nodes += 1
        faults += int(m.group(3))
        for s in SITE.finditer(m.group(5)):
            key = (int(s.group(1), 16), s.group(2))
            wait = int(s.group(5))
            site = merged.setdefault(key, {"faults": 0, "taken": 0, "wait_us": 0, "addr": 0, "addr_wait": -1,
                                           "nodes": []})
            site["faults"] += int(s.group(3))
            site["taken"] += int(s.group(4))
            site["wait_us"] += wait
            site["nodes"].append(int(m.group(1)))
            if wait > site["addr_wait"]:
                site["addr"], site["addr_wait"] = int(s.group(6), 16), wait
    return merged, nodes, faults


def read_symbols(program):
    """(code, data), each [(address, size, name)] sorted by address (size 0 when nm gives
    none), from nm; both empty when nm cannot read the file."""
    try:
        p = subprocess.run(["nm", "-S", "--defined-only", program], capture_output=True, text=True)
    except OSError:
        return [], []
    if p.returncode != 0:
        return [], []
    code, data = [], []
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) not in (3, 4):
            continue
        size = int(parts[1], 16) if len(parts) == 4 else 0
        entry = (int(parts[0], 16), size, parts[-1])
        if parts[-2] in DATA_TYPES:
            data.append(entry)
        elif parts[-2] in CODE_TYPES:
            code.append(entry)
    return sorted(code), sorted(data)


def code_name(code, rip):
    """`function+0xOFF` of the code symbol at or below rip, or the hex address."""
    best = None
    for addr, _, name in code:
        if addr > rip:
            break
        best = (addr, name)
    return "%s+0x%x" % (best[1], rip - best[0]) if best else "0x%x" % rip


def symbols_on(symbols, page):
    """Names of the symbols with a size that overlap the page at address page, by address."""
    return [name for addr, size, name in symbols if size and addr < page + PAGE and addr + size > page]


def data_name(code, data, where):
    """The data symbol holding address where (`name+0xOFF`), else the data symbols on its page
    (`page of a, b`: false sharing shows here), else the functions there (`text: ...`), else
    the address (the heap, a mapping or a thread's stack)."""
    for addr, size, name in data:
        if addr <= where < addr + size:
            return "%s+0x%x" % (name, where - addr) if where > addr else name
    page = where // PAGE * PAGE
    names, prefix = symbols_on(data, page), "page of "
    if not names:
        names, prefix = symbols_on(code, page), "text: "
    if not names:
        return "0x%x" % where
    shown = ", ".join(names[:DATA_NAMES_SHOWN])
    return prefix + shown + (" (+%d)" % (len(names) - DATA_NAMES_SHOWN) if len(names) > DATA_NAMES_SHOWN else "")


KIND_NAMES = {"r": "read", "w": "write", "sr": "syscall read", "sw": "syscall write"}


def report(log_texts, program, shown=12):
    """The table's lines: one per site, longest total wait first."""
    merged, nodes, faults = parse(log_texts)
    if not nodes:
        return ["no dsm-sites line in the nodes' logs (one node, or no remote fault)"]
    code, data = read_symbols(program)
    total_wait = sum(s["wait_us"] for s in merged.values())
    lines = ["remote faults by site: %d node(s) logged %d faults; the %d sites they named (each node's longest"
             " waits) account for %d of them; the %d longest below" % (
                 nodes, faults, len(merged), sum(s["faults"] for s in merged.values()), min(shown, len(merged))),
             "%9s %6s %7s %6s  %-13s %-6s %-34s %s" % ("wait_ms", "share", "faults", "taken", "kind", "nodes",
                                                    "code", "data (last address)")]
    order = sorted(merged.items(), key=lambda kv: (-kv[1]["wait_us"], -kv[1]["faults"], kv[0]))
    for (rip, kind), s in order[:shown]:
        share = 100.0 * s["wait_us"] / total_wait if total_wait else 0.0
        lines.append("%9.1f %5.1f%% %7d %6d  %-13s %-6s %-34s %s" % (
            s["wait_us"] / 1000.0, share, s["faults"], s["taken"], KIND_NAMES[kind],
            ",".join(str(n) for n in sorted(s["nodes"])), code_name(code, rip), data_name(code, data, s["addr"])))
    return lines
