# SPDX-License-Identifier: MIT
"""Netboot files and dnsmasq (PLUMBING.md section 4): a TFTP root with the kernel, a
boot.ipxe that chains a per-node script chosen by MAC, and a DHCP+TFTP dnsmasq in the
cluster namespace with the two fixes (RA for iPXE's IPv6 wait, no ProxyDHCP wait).

dnsmasq is stopped through its own pid file, and only if that pid still runs our config.
"""
import os
import shutil
import signal
import subprocess
import time

from . import netns as netns_mod
from .qemu import node_mac

UNDIONLY = "/usr/lib/ipxe/undionly.kpxe"  # Debian package ipxe: chainloads iPXE on real PCs
KERNEL_NAME = "dsmk.elf"
DHCP_LEASE = "1h"


def mac_hexhyp(mac):
    """iPXE's ${net0/mac:hexhyp} form: 52-54-00-d5-00-01."""
    return mac.replace(":", "-")


def node_script_name(index):
    return "node-%s.ipxe" % mac_hexhyp(node_mac(index))


def write_tftp_root(root, kernel, fallback_cmdline="", node_cmdlines=None, node_modules=None):
    """Fills root: the kernel, boot.ipxe, undionly.kpxe (if installed) and, for each node i,
    a script booting the kernel with node_cmdlines[i] and node_modules[i] = [(file, cmdline)]
    (files are copied into root). Returns root."""
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    shutil.copyfile(kernel, os.path.join(root, KERNEL_NAME))
    if os.path.exists(UNDIONLY):
        shutil.copyfile(UNDIONLY, os.path.join(root, "undionly.kpxe"))
    with open(os.path.join(root, "boot.ipxe"), "w") as f:
        f.write("#!ipxe\n"
                "chain --autofree node-${net0/mac:hexhyp}.ipxe || goto fallback\n"
                ":fallback\n"
                "kernel tftp://${next-server}/%s %s\n"
                "boot\n" % (KERNEL_NAME, fallback_cmdline))
    for i, cmdline in enumerate(node_cmdlines or []):
        lines = ["#!ipxe", "kernel tftp://${next-server}/%s %s" % (KERNEL_NAME, cmdline)]
        for j, (path, modline) in enumerate((node_modules or {}).get(i, [])):
            name = "node%d-mod%d" % (i, j)
            shutil.copyfile(path, os.path.join(root, name))
            lines.append("module tftp://${next-server}/%s %s" % (name, modline))
        lines.append("boot")
        with open(os.path.join(root, node_script_name(i)), "w") as f:
            f.write("\n".join(lines) + "\n")
    for name in os.listdir(root):
        os.chmod(os.path.join(root, name), 0o644)
    return root


def dnsmasq_config(tftp_root, pidfile, leasefile, nodes):
    """dnsmasq.conf text for the bridge: fixed addresses by MAC, TFTP, the two iPXE fixes."""
    lines = [
        "port=0",                     # no DNS
        "interface=%s" % netns_mod.BRIDGE,
        "bind-interfaces",
        "user=root",                  # the run dir may be private to root (pytest's tmp dirs)
        "pid-file=%s" % pidfile,
        "dhcp-leasefile=%s" % leasefile,
        "dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,%s" % DHCP_LEASE,
        "dhcp-authoritative",
        "dhcp-rapid-commit",
        "dhcp-match=set:ipxe,175",
        "dhcp-boot=tag:!ipxe,undionly.kpxe",
        "dhcp-boot=tag:ipxe,boot.ipxe",
        "enable-tftp",
        "tftp-root=%s" % tftp_root,
        "enable-ra",                  # fix 1: answer iPXE's router solicitations
        "dhcp-range=::,constructor:%s,ra-only" % netns_mod.BRIDGE,
        "dhcp-option=tag:ipxe,encap:175,176,1",  # fix 2: iPXE no-pxedhcp
    ]
    for i in range(nodes):
        lines.append("dhcp-host=%s,%s" % (node_mac(i), netns_mod.node_ipv4(i)))
    return "\n".join(lines) + "\n"


def start_dnsmasq(ns, rundir, tftp_root, nodes):
    """Starts dnsmasq in ns (it daemonizes); returns its pid file path."""
    conf = os.path.join(rundir, "dnsmasq.conf")
    pidfile = os.path.join(rundir, "dnsmasq.pid")
    with open(conf, "w") as f:
        f.write(dnsmasq_config(tftp_root, pidfile, os.path.join(rundir, "dnsmasq.leases"), nodes))
    r = subprocess.run(ns.exec_prefix() + ["dnsmasq", "--conf-file=" + conf,
                                           "--log-facility=" + os.path.join(rundir, "dnsmasq.log")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("dnsmasq: %s" % r.stdout.strip())
    return pidfile


def _pid_runs(pid, needle):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False


def stop_dnsmasq(pidfile):
    """Kills the dnsmasq named by pidfile, if it is still ours."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    conf = os.path.join(os.path.dirname(pidfile), "dnsmasq.conf")
    if not _pid_runs(pid, conf):
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        if not _pid_runs(pid, conf):
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
