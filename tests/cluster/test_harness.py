# SPDX-License-Identifier: MIT
"""The cluster harness itself (tools/dsmkpy): nodes on both NIC models reach ready with
their own MACs on one bridge, the fault hooks apply and undo cleanly on live nodes, and
teardown leaves no namespace or QEMU behind. Nodes start paused (-S) where only the host
side matters, so these tests do not depend on what the kernel does after boot."""
import json
import os
import re
import subprocess
import time

from dsmkpy import faults, netns
from dsmkpy.qmp import qmp_command


def test_two_nodes_each_nic_reach_ready(make_cluster):
    for nic in ("virtio", "e1000"):
        c = make_cluster(2, nic=nic, words=["shutdown"])
        for i, node in enumerate(c.nodes):
            assert "dsmk: ready" in node.log_text()
            assert "mac=52:54:00:d5:00:%02x" % i in " ".join(node.argv())


def test_bridge_has_every_tap(make_cluster):
    c = make_cluster(3, wait=False, qemu_extra=["-S"])
    out = c.ns.ip("-br", "link", "show", "master", "br0").stdout
    for i in range(3):
        assert "tap%d" % i in out, out


def test_fault_hooks_apply_and_undo(make_cluster):
    c = make_cluster(2, wait=False, qemu_extra=["-S"])
    c.loss(0, 30)
    c.duplicate(1, 10)
    rules = c.ns.exec_prefix() + ["nft", "list", "ruleset"]
    text = subprocess.run(rules, stdout=subprocess.PIPE, text=True).stdout
    assert faults.loss_table(0) in text and faults.dup_table(1) in text, text
    c.loss(0, 0)
    c.duplicate(1, 0)
    text = subprocess.run(rules, stdout=subprocess.PIPE, text=True).stdout
    assert faults.loss_table(0) not in text and faults.dup_table(1) not in text, text

    c.delay(0, 20000)
    objs = qmp_command(c.qmp(0), "qom-list", {"path": "/objects"})
    assert any(o["name"] == faults.delay_filter_id(0) for o in objs), objs
    c.delay(0, 0)
    objs = qmp_command(c.qmp(0), "qom-list", {"path": "/objects"})
    assert not any(o["name"] == faults.delay_filter_id(0) for o in objs), objs

    c.set_link(1, False)
    c.set_link(1, True)
    c.partition(1)
    assert "DOWN" in c.ns.ip("-br", "link", "show", "tap1").stdout
    c.partition(1, cut=False)

    c.resume(0)
    assert qmp_command(c.qmp(0), "query-status")["status"] != "paused"
    c.pause(0)
    assert qmp_command(c.qmp(0), "query-status")["status"] == "paused"

    c.crash(1)
    assert c.nodes[1].wait(5.0) is not None


def test_teardown_removes_everything(make_cluster):
    c = make_cluster(2, wait=False, qemu_extra=["-S"])
    pids, name = [n.pid for n in c.nodes], c.ns.name
    c.stop()
    assert not os.path.exists("/run/netns/" + name)
    for pid in pids:
        assert not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z"


def test_cli_up_status_ping_logs_down(tmp_path):
    dsmk = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "dsmk")
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path))

    def cli(*args):
        return subprocess.run([dsmk, "--name", "t"] + list(args), env=env, capture_output=True, text=True, timeout=120)

    try:
        up = cli("up", "-n", "2")
        assert up.returncode == 0, up
        assert up.stdout.count("dsmk: ready") == 2, up
        st = cli("status")
        assert st.returncode == 0 and st.stdout.count("running, ready") == 2, st
        ping = cli("ping", "-c", "2")
        assert len(re.findall(r"[12]/2 replies", ping.stdout)) == 2, ping
        logs = cli("logs", "1")
        assert "node=1" in logs.stdout, logs
        assert cli("fault", "loss", "1", "100").returncode == 0
        assert "0/2 replies" in cli("ping", "-c", "2").stdout
        assert cli("fault", "loss", "1", "0").returncode == 0
        assert cli("fault", "sigstop", "0").returncode == 0
        assert cli("fault", "sigcont", "0").returncode == 0
        assert cli("fault", "crash", "1").returncode == 0
        assert cli("status").returncode != 0  # node 1 is gone
    finally:
        down = cli("down")
    assert down.returncode == 0, down
    assert cli("status").returncode != 0


def _ping(c, index, count=3):
    """ping's summary for count echoes from the bridge to node index."""
    return subprocess.run(c.ns.exec_prefix() + ["ping", "-q", "-c", str(count), "-i", "0.2", "-W", "2",
                                                netns.node_ipv4(index)], stdout=subprocess.PIPE, text=True).stdout


def _pings(c, index, count=3):
    """Echo replies node index gives the bridge out of count."""
    m = re.search(r"(\d+) received", _ping(c, index, count))
    return int(m.group(1)) if m else 0


def test_fault_hooks_take_effect(make_cluster):
    # a healthy link answers at least 2 of 3 (a loaded 2-core host may delay one past -W);
    # a cut one answers none
    c = make_cluster(2)
    assert _pings(c, 1) >= 2
    c.loss(1, 100)
    assert _pings(c, 1) == 0
    c.loss(1, 0)
    assert _pings(c, 1) >= 2
    c.partition(1)
    assert _pings(c, 1, 2) == 0
    c.partition(1, cut=False)
    assert _pings(c, 1) >= 2
    c.set_link(1, False)
    assert _pings(c, 1, 2) == 0
    c.set_link(1, True)
    assert _pings(c, 1) >= 2  # the guest may take a moment to notice the link is back
    c.duplicate(1, 100)
    assert "duplicates" in _ping(c, 1)
    c.duplicate(1, 0)
    c.delay(1, 300000)  # 300 ms batches: the average round trip grows well past 20 ms
    avg = float(re.search(r"= [\d.]+/([\d.]+)/", _ping(c, 1, 5)).group(1))
    assert avg > 20.0, avg
    c.delay(1, 0)


def test_up_clears_what_a_dead_cluster_left(tmp_path):
    dsmk = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "dsmk")
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path))

    def cli(*args):
        return subprocess.run([dsmk, "--name", "s"] + list(args), env=env, capture_output=True, text=True, timeout=120)

    try:
        assert cli("up", "-n", "1").returncode == 0
        state = json.load(open(tmp_path / "s" / "state.json"))
        assert cli("fault", "crash", "0").returncode == 0  # the cluster dies, its namespace stays
        for _ in range(100):
            if not os.path.exists("/proc/%d" % state["node_pids"][0]):
                break
            time.sleep(0.05)
        assert os.path.exists("/run/netns/" + state["netns"])
        assert cli("up", "-n", "1").returncode == 0
        assert not os.path.exists("/run/netns/" + state["netns"])
    finally:
        cli("down")


def test_gdb_attaches_to_a_live_node(tmp_path):
    dsmk = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "dsmk")
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path))

    def cli(*args):
        return subprocess.run([dsmk, "--name", "g"] + list(args), env=env, capture_output=True, text=True, timeout=120)

    try:
        assert cli("up", "-n", "2").returncode == 0
        g = cli("gdb", "1", "--batch", "--ex", "info registers rip")
        assert g.returncode == 0 and "rip" in g.stdout and "0xffffffff8" in g.stdout, g
        assert re.search(r"node 1 .*[12]/2 replies", cli("ping", "-c", "2").stdout)  # node 1 runs on after detach
    finally:
        cli("down")
