# SPDX-License-Identifier: MIT
"""Netboot (DESIGN.md section 2, PLUMBING.md section 4): two nodes boot through QEMU's iPXE
ROM from dnsmasq (DHCP + TFTP) inside the cluster's namespace, each with its own script
chosen by MAC, and reach the ready line with iPXE named as the loader."""
import re

import pytest

LOADER = re.compile(r"boot: loader '([^']*)'")


@pytest.mark.parametrize("nic", ["e1000", "virtio"])
def test_two_nodes_netboot_to_ready(make_cluster, nic):
    c = make_cluster(2, boot="pxe", nic=nic, words=["shutdown"])
    for node in c.nodes:
        log = node.log_text()
        m = LOADER.search(log)
        assert m and m.group(1).startswith("iPXE"), log
        assert "dsmk: ready" in log, log
