# SPDX-License-Identifier: MIT
"""The Linux-guest baseline (../shared/bench/linux-guest/run.sh): two Debian guests on a
bridge of their own, a 64 B request / 4 KiB UDP reply loop between them. Bench scripts run
it beside their own figures, since only ratios measured side by side mean anything on this
shared host."""
import json
import os
import subprocess

from dsmkpy.testing import REPO

SCRIPT = os.path.join(os.path.dirname(REPO), "shared", "bench", "linux-guest", "run.sh")
MODES = {"virtio": "tcg-virtio", "e1000": "tcg-e1000"}  # our NIC name -> the script's mode
TIMEOUT_S = 900


def available():
    """True when the baseline script is there to run."""
    return os.path.exists(SCRIPT)


def run(workdir, nics=tuple(MODES)):
    """{nic: {"min", "median", "p99"} of the UDP round trip in us} for the given NICs, or
    None (with the reason printed) when the script fails or is missing."""
    if not available():
        print("linux baseline: %s is missing" % SCRIPT)
        return None
    out = os.path.join(workdir, "linux-baseline.json")
    env = dict(os.environ, JSON=out, MODES=" ".join(MODES[nic] for nic in nics))
    r = None
    try:
        r = subprocess.run(["bash", SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=TIMEOUT_S)
        with open(out) as f:
            modes = json.load(f)
        return {nic: modes[MODES[nic]]["udp_4k_rtt_us"] for nic in nics if modes.get(MODES[nic], {}).get("udp_4k_rtt_us")}
    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
        print("linux baseline: not measured: %s" % e)
        if r is not None:
            print(r.stdout[-2000:])
        return None
