# SPDX-License-Identifier: MIT
"""`make bench`: runs every bench script, each of which merges its figures into one JSON
file ({"name": {"value": v, "unit": "...", ...extra fields}}), then prints the table.
A failing script is reported and the others still run; the exit status says if any failed.

Scripts find the output file in $DSMK_BENCH_JSON and call merge_results().
Usage: python3 -m dsmkpy.bench OUT.json SCRIPT...
"""
import json
import os
import subprocess
import sys
import time

BENCH_JSON_ENV = "DSMK_BENCH_JSON"


def load_results(path):
    """The figures in path ({} if missing or unreadable)."""
    try:
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def merge_results(figures, path=None):
    """Adds/replaces figures ({name: {"value", "unit", ...}}) in path (default $DSMK_BENCH_JSON)."""
    path = path or os.environ.get(BENCH_JSON_ENV) or os.path.join(os.environ.get("DSMK_BUILD", "build"),
                                                                  "bench.json")
    for name, fig in figures.items():
        if "value" not in fig or "unit" not in fig:
            raise ValueError("figure %s needs value and unit" % name)
    data = load_results(path)
    data.update(figures)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def format_table(data):
    """The figures as an aligned text table."""
    rows = [("figure", "value", "unit", "notes")]
    for name in sorted(data):
        fig = data[name]
        extra = ", ".join("%s=%s" % (k, v) for k, v in sorted(fig.items()) if k not in ("value", "unit"))
        value = fig.get("value")
        rows.append((name, "%.3f" % value if isinstance(value, float) else str(value), str(fig.get("unit", "")),
                     extra))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("%-*s  %*s  %-*s  %s" % (widths[0], r[0], widths[1], r[1], widths[2], r[2], r[3]) for r in rows)


def main(argv):
    out, scripts = os.path.abspath(argv[0]), argv[1:]
    env = dict(os.environ, **{BENCH_JSON_ENV: out})
    failed = []
    for script in scripts:
        print("=== bench %s" % script, flush=True)
        t0 = time.monotonic()
        rc = subprocess.call([sys.executable, script], env=env)
        print("=== %s: %s in %.1fs" % (script, "ok" if rc == 0 else "FAILED (rc %d)" % rc, time.monotonic() - t0),
              flush=True)
        if rc != 0:
            failed.append(script)
    print()
    print(format_table(load_results(out)))
    print("\nbench: %d scripts, %d failed%s; figures in %s" % (len(scripts), len(failed),
                                                              (" (" + ", ".join(failed) + ")") if failed else "", out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
