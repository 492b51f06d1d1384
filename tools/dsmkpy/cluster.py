# SPDX-License-Identifier: MIT
"""A cluster of N dsmk nodes on one bridge in a private namespace (DESIGN.md 2 and 8).

Each node gets `node=I nodes=N key=HEX` (a random key per cluster) plus the caller's words,
filtered to the keys the kernel image declares, so the tools keep working while the kernel
grows. State lives in a run dir (state.json) so `dsmk down` from another process can tear
it down. Teardown is registered for exit and signals and is safe to run twice.
"""
import json
import os
import secrets
import shutil
import time

from . import faults
from . import netboot
from . import netns as netns_mod
from .cleanup import cancel_cleanup, register_cleanup
from .iso import make_iso
from .kernel_image import kernel_cmdline_params
from .node import Node, pid_is_ours
from .qemu import DEFAULT_MEM_MB, NodeSpec

READY_PATTERN = r"dsmk: ready"
DEFAULT_KEY_BYTES = 16
STATE_FILE = "state.json"
DEFAULT_RUN_ROOT = "/tmp/dsmk-run"


def word_key(word):
    """The key of a command-line word ("node=1" -> "node", "ktest" -> "ktest")."""
    return word.split("=", 1)[0]


class Cluster:
    """Configuration in the constructor; start() builds and boots; stop() undoes it all."""

    def __init__(self, nodes, kernel, rundir, nic="virtio", mtu=None, boot="kernel", words=(), mem_mb=DEFAULT_MEM_MB,
                 program=None, program_args=(), stdin_path=None, files=(), accel=None, notify=None, qemu_extra=(),
                 env_path=None):
        if nodes < 1 or nodes > 64:
            raise ValueError("nodes must be 1..64")
        self.n = nodes
        self.kernel = os.path.abspath(kernel)
        self.rundir = os.path.abspath(rundir)
        self.nic = nic
        self.mtu = mtu
        self.boot = boot
        self.words = list(words)
        self.mem_mb = mem_mb
        self.program = program and os.path.abspath(program)
        self.program_args = list(program_args)
        self.stdin_path = stdin_path
        self.env_path = env_path  # the program's environment: NAME=VALUE entries, each ended by a NUL
        self.files = list(files)  # [(host path, guest path)]: read-only files for the program
        self.accel = accel
        self.qemu_extra = list(qemu_extra)  # more QEMU arguments for every node (e.g. -S, filter-dump)
        self.notify = notify or (lambda msg: None)
        self.key = secrets.token_hex(DEFAULT_KEY_BYTES)
        self.ns = None
        self.nodes = []
        self.dnsmasq_pid = None
        self._cleanup = None

    # ---- command lines ----------------------------------------------------------------
    def node_words(self, index):
        """The kernel words node index boots with, without the program's `-- argv`."""
        params = kernel_cmdline_params(self.kernel)
        if params and params.get("key") and len(self.key) != 2 * params["key"]:
            self.key = secrets.token_hex(params["key"])  # the kernel says how long its key is
        auto = ["node=%d" % index, "nodes=%d" % self.n, "key=%s" % self.key]
        if self.mtu:
            auto.append("mtu=%d" % self.mtu)
        if params is not None:
            skipped = [w for w in auto if word_key(w) not in params]
            if skipped and index == 0:
                self.notify("note: this kernel does not declare %s; not passing them"
                            % ", ".join(word_key(w) + "=" for w in skipped))
            auto = [w for w in auto if word_key(w) in params]
        return auto + self.words

    def node_cmdline(self, index):
        words = self.node_words(index)
        if index == 0 and self.program:
            words = words + ["--", os.path.basename(self.program)] + self.program_args
        return " ".join(words)

    def node_modules(self, index):
        """[(path, module cmdline)]: the program, stdin, its environment and files go to node 0
        only (the other nodes ship their file calls there)."""
        if index != 0 or not self.program:
            return []
        mods = [(self.program, os.path.basename(self.program))]
        if self.stdin_path:
            mods.append((self.stdin_path, "stdin"))
        if self.env_path:
            mods.append((self.env_path, "env"))
        mods += [(host, "file=" + guest) for host, guest in self.files]
        return mods

    # ---- life cycle ---------------------------------------------------------------------
    def start(self):
        """Builds the namespace, bridge, taps (and netboot files), starts every node."""
        os.makedirs(self.rundir, exist_ok=True)
        self._cleanup = register_cleanup(self.stop)
        self.ns = netns_mod.Netns(mtu=self.mtu)
        self.notify("netns %s: bridge %s, %d taps" % (self.ns.name, netns_mod.BRIDGE, self.n))
        self.ns.create(self.n)
        if self.boot == "pxe":
            root = netboot.write_tftp_root(os.path.join(self.rundir, "tftp"), self.kernel,
                                           node_cmdlines=[self.node_cmdline(i) for i in range(self.n)],
                                           node_modules={0: self.node_modules(0)})
            self.dnsmasq_pid = netboot.start_dnsmasq(self.ns, self.rundir, root, self.n)
        for i in range(self.n):
            iso = None
            if self.boot == "iso":
                iso = make_iso(os.path.join(self.rundir, "node%d.iso" % i), self.kernel, self.node_cmdline(i),
                               self.node_modules(i))
            spec = NodeSpec(i, self.rundir, kernel=self.kernel, boot=self.boot, iso=iso,
                            append=self.node_cmdline(i), modules=self.node_modules(i), nic=self.nic,
                            tap=netns_mod.tap_name(i), mem_mb=self.mem_mb, accel=self.accel, mtu=self.mtu,
                            extra=self.qemu_extra)
            node = Node(spec, prefix=self.ns.exec_prefix())
            node.start()
            self.nodes.append(node)
        self.save_state()
        self.notify("started %d node(s) (%s, %s boot, %s)" % (self.n, self.nodes[0].spec.accel, self.boot,
                                                                self.nic or "no nic"))

    def wait_ready(self, timeout=60.0, progress=None):
        """Waits for every node's ready line; returns {index: seconds since start}.
        Raises RuntimeError naming the first node that died or timed out."""
        t0 = time.monotonic()
        pending, done = set(range(self.n)), {}
        deadline = t0 + timeout
        while pending:
            for i in sorted(pending):
                node = self.nodes[i]
                if any(line for line in node.log_text().splitlines() if READY_PATTERN in line):
                    done[i] = time.monotonic() - t0
                    pending.discard(i)
                    if progress:
                        progress(i, done[i], len(done), self.n)
                elif not node.alive():
                    raise RuntimeError("node %d exited before ready (%s); log:\n%s%s"
                                       % (i, node.status, node.log_text()[-2000:], node.qemu_stderr()[-1000:]))
            if pending and time.monotonic() > deadline:
                raise RuntimeError("nodes %s not ready after %.0fs" % (sorted(pending), timeout))
            if pending:
                time.sleep(0.05)
        return done

    def stop(self):
        """Stops every node, dnsmasq and the namespace; safe to call again."""
        for node in self.nodes:
            node.stop()
        if self.dnsmasq_pid:
            netboot.stop_dnsmasq(self.dnsmasq_pid)
        if self.ns is not None:
            self.ns.delete()
        state = os.path.join(self.rundir, STATE_FILE)
        if os.path.exists(state):
            os.remove(state)
        if self._cleanup is not None:
            cancel_cleanup(self._cleanup)
            self._cleanup = None

    def detach(self):
        """Leaves the cluster running after this process exits (`dsmk up`)."""
        if self._cleanup is not None:
            cancel_cleanup(self._cleanup)
            self._cleanup = None

    # ---- faults (faults.py) -------------------------------------------------------------
    def qmp(self, i):
        return self.nodes[i].spec.qmp

    def loss(self, i, percent):
        faults.set_loss(self.ns, i, percent)

    def duplicate(self, i, percent):
        faults.set_duplicate(self.ns, i, percent)

    def delay(self, i, interval_us):
        faults.set_delay(self.qmp(i), i, interval_us)

    def partition(self, i, cut=True):
        self.ns.set_tap(i, not cut)

    def set_link(self, i, up):
        faults.set_link(self.qmp(i), i, up)

    def pause(self, i):
        faults.pause(self.qmp(i))

    def resume(self, i):
        faults.resume(self.qmp(i))

    def crash(self, i):
        faults.crash(self.qmp(i))

    def sigstop(self, i):
        faults.sigstop(self._own_pid(i))

    def sigcont(self, i):
        faults.sigcont(self._own_pid(i))

    def _own_pid(self, i):
        node = self.nodes[i]
        if not pid_is_ours(node.pid, node.spec.qmp):
            raise RuntimeError("node %d is not running" % i)
        return node.pid

    # ---- state for other processes ------------------------------------------------------
    def save_state(self):
        state = {"netns": self.ns.name, "nodes": self.n, "kernel": self.kernel, "nic": self.nic, "boot": self.boot,
                 "mtu": self.mtu, "words": self.words, "dnsmasq_pidfile": self.dnsmasq_pid,
                 "node_pids": [n.pid for n in self.nodes], "started": time.time()}
        with open(os.path.join(self.rundir, STATE_FILE), "w") as f:
            json.dump(state, f, indent=1)

    @classmethod
    def load(cls, rundir):
        """A Cluster object for a cluster started by another process (for down/status)."""
        with open(os.path.join(rundir, STATE_FILE)) as f:
            state = json.load(f)
        c = cls(state["nodes"], state["kernel"], rundir, nic=state["nic"], mtu=state["mtu"], boot=state["boot"],
                words=state["words"], accel="tcg")
        c.ns = netns_mod.Netns(name=state["netns"], mtu=state["mtu"])
        c.dnsmasq_pid = state.get("dnsmasq_pidfile")
        for i, pid in enumerate(state["node_pids"]):
            node = Node(NodeSpec(i, rundir, kernel=c.kernel, nic=None, accel="tcg"))
            node.pid = pid
            c.nodes.append(node)
        c.started = state.get("started")
        return c

    def node_alive(self, i):
        node = self.nodes[i]
        return node.pid is not None and pid_is_ours(node.pid, node.spec.qmp)


def remove_rundir(rundir):
    """Deletes a run dir left by a stopped cluster."""
    shutil.rmtree(rundir, ignore_errors=True)
