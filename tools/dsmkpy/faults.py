# SPDX-License-Identifier: MIT
"""Fault hooks on a running cluster (PLUMBING.md section 7; netem is absent here).

loss: nft bridge rules with `numgen random` on the node's tap, both directions.
duplicate: nft netdev egress `dup` on the tap (frames towards the node).
delay: QEMU filter-buffer on the node's netdev (0..interval of extra delay).
partition: tap down at the bridge, or QMP set_link from QEMU's side.
pause: QMP stop/cont (guest time frozen) or SIGSTOP/SIGCONT (guest sees lost time).
crash: QMP quit.  Percentages are integers 0..100.
"""
import os
import signal

from . import netns as netns_mod
from .qmp import qmp_command, qmp_quit


def _percent(p):
    p = int(p)
    if not 0 <= p <= 100:
        raise ValueError("percentage must be 0..100")
    return p


def _chance(percent):
    """The nft match for "percent% of packets": numgen's range is 0..99, so 100 is no match."""
    return "" if percent == 100 else "numgen random mod 100 < %d " % percent


def loss_table(index):
    return "dsmk_loss_%d" % index


def dup_table(index):
    return "dsmk_dup_%d" % index


def set_loss(ns, index, percent):
    """Drops percent% of frames to and from node index (0 removes the rule)."""
    percent = _percent(percent)
    table = loss_table(index)
    ns.nft_delete_table("bridge", table)
    if percent == 0:
        return
    tap = netns_mod.tap_name(index)
    ns.nft("""table bridge %(t)s {
  chain c_forward {
    type filter hook forward priority 0; policy accept;
    oifname "%(tap)s" %(chance)scounter drop
    iifname "%(tap)s" %(chance)scounter drop
  }
  chain c_output {
    type filter hook output priority 0; policy accept;
    oifname "%(tap)s" %(chance)scounter drop
  }
  chain c_input {
    type filter hook input priority 0; policy accept;
    iifname "%(tap)s" %(chance)scounter drop
  }
}
""" % {"t": table, "tap": tap, "chance": _chance(percent)})


def set_duplicate(ns, index, percent):
    """Duplicates percent% of frames sent to node index (0 removes the rule)."""
    percent = _percent(percent)
    table = dup_table(index)
    ns.nft_delete_table("netdev", table)
    if percent == 0:
        return
    tap = netns_mod.tap_name(index)
    ns.nft("""table netdev %(t)s {
  chain c_egress {
    type filter hook egress device "%(tap)s" priority 0; policy accept;
    %(chance)scounter dup to "%(tap)s"
  }
}
""" % {"t": table, "tap": tap, "chance": _chance(percent)})


def delay_filter_id(index):
    return "dsmk_delay_%d" % index


def set_delay(qmp_path, index, interval_us, queue="rx"):
    """Holds node index's packets for up to interval_us (0 removes the filter)."""
    fid = delay_filter_id(index)
    try:
        qmp_command(qmp_path, "object-del", {"id": fid})
    except Exception:
        pass  # there was no filter
    if interval_us:
        qmp_command(qmp_path, "object-add", {"qom-type": "filter-buffer", "id": fid, "netdev": "n%d" % index,
                                             "queue": queue, "interval": int(interval_us)})


def set_link(qmp_path, index, up):
    """Cuts (up=False) or restores node index's NIC link from QEMU's side."""
    qmp_command(qmp_path, "set_link", {"name": "nic%d" % index, "up": bool(up)})


def pause(qmp_path):
    """Stops the guest; its clock stops too."""
    qmp_command(qmp_path, "stop")


def resume(qmp_path):
    qmp_command(qmp_path, "cont")


def sigstop(pid):
    """Freezes the QEMU process; the guest later sees the lost time (a straggler)."""
    os.kill(pid, signal.SIGSTOP)


def sigcont(pid):
    os.kill(pid, signal.SIGCONT)


def crash(qmp_path):
    """Ends the node at once, like pulling the power."""
    qmp_quit(qmp_path)
