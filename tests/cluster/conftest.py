# SPDX-License-Identifier: MIT
"""Shared fixtures for multi-node tests: `make_cluster(nodes, **options)` starts a cluster
(dsmkpy.cluster.Cluster: private netns, bridge, taps, QEMU per node) in the test's tmp dir
and always tears it down afterwards, pass or fail; `cluster` is a started 2-node one.
Needs root (network namespaces); the kernel comes from $DSMK_BUILD (default build).
The `qemu: N passed, N failed` verdict line comes from tests/qemu/conftest.py."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))

from dsmkpy.cluster import Cluster  # noqa: E402
from dsmkpy.testing import kernel_path  # noqa: E402

READY_TIMEOUT = 60.0
PXE_READY_TIMEOUT = 120.0  # iPXE: ~2 s ROM banner wait plus DHCP and TFTP per node


@pytest.fixture(scope="session")
def cluster_kernel():
    path = kernel_path()
    if not os.path.exists(path):
        pytest.fail("no kernel at %s: run make first" % path)
    if os.geteuid() != 0:
        pytest.fail("cluster tests need root for network namespaces (run make test with sudo)")
    return path


@pytest.fixture
def make_cluster(cluster_kernel, tmp_path):
    """make_cluster(nodes=2, wait=True, **Cluster options) -> a started (and ready) Cluster."""
    made = []

    def make(nodes=2, wait=True, **options):
        c = Cluster(nodes, cluster_kernel, str(tmp_path / ("cluster%d" % len(made))), **options)
        made.append(c)
        c.start()
        if wait:
            c.wait_ready(PXE_READY_TIMEOUT if options.get("boot") == "pxe" else READY_TIMEOUT)
        return c

    yield make
    for c in made:
        c.stop()


@pytest.fixture
def cluster(make_cluster):
    """A ready 2-node virtio cluster."""
    return make_cluster(2)


def pytest_configure(config):
    config.addinivalue_line("markers", "soak: a long run left out of make test; make soak runs it (mk/70-soak.mk)")
