# SPDX-License-Identifier: MIT
"""The NIC drivers after each boot path: with the GRUB ISO and with iPXE netboot (where
the ROM has driven the very NIC before us, so the driver's reset must leave no trace of
it), two nodes exchange raw test frames (`nettest=pair`) and form the cluster, with each
NIC model. The `-kernel` path is covered by test_net_drivers.py."""
import pytest

EXIT_OK_STATUS = 33
RUN_TIMEOUT = 90.0
COUNT = 30

LOADERS = {"iso": "boot: loader 'GRUB", "pxe": "boot: loader 'iPXE"}
CASES = [(boot, nic) for boot in ("iso", "pxe") for nic in ("virtio", "e1000")]


@pytest.mark.parametrize("boot,nic", CASES, ids=["%s-%s" % c for c in CASES])
def test_frames_cross_after_boot_path(make_cluster, boot, nic):
    c = make_cluster(2, boot=boot, nic=nic, words=["nettest=pair", "nettest.count=%d" % COUNT])
    status = [node.wait(RUN_TIMEOUT) for node in c.nodes]
    logs = [node.log_text() for node in c.nodes]
    assert status == [EXIT_OK_STATUS, EXIT_OK_STATUS], (status, logs[0][-3000:], logs[1][-3000:])
    assert "nettest: %d passed, 0 failed" % COUNT in logs[0], logs[0][-3000:]
    for log in logs:
        assert LOADERS[boot] in log, log[:2000]
