# SPDX-License-Identifier: MIT
"""Command-line refusals (DESIGN.md section 2, kernel/cmdline.h): each bad word is named on
COM1 and the node stops with QEMU status 39 (EXIT_BAD_CMDLINE); loader words are ignored.
Keys are taken from the image itself (dsmkpy.kernel_image) so the tests follow the kernel."""
import pytest

from dsmkpy.kernel_image import kernel_cmdline_param_details
from dsmkpy.status import QEMU_EXIT_BAD_CMDLINE, QEMU_EXIT_OK

CMDLINE_MAX = 4096  # kernel/cmdline.h
PREFERRED_NUMBER_KEYS = ("nodes", "node", "loglevel")


@pytest.fixture(scope="module")
def number_key(kernel):
    """(key, min, max) of a u64 parameter the kernel declares."""
    params = kernel_cmdline_param_details(kernel) or {}
    numbers = {k: v for k, v in params.items() if v["parser"] == "cmdline_parse_u64"}
    if not numbers:
        pytest.skip("the kernel declares no numeric key yet")
    key = next((k for k in PREFERRED_NUMBER_KEYS if k in numbers), sorted(numbers)[0])
    return key, numbers[key]["min"], numbers[key]["max"]


def refused(result, *words):
    """True if the node stopped with 39 and one COM1 line names every word."""
    if result.status != QEMU_EXIT_BAD_CMDLINE:
        return False
    return any(all(w in line for w in words) for line in result.lines())


def test_unknown_key(boot):
    r = boot("shutdown no.such.key=1")
    assert refused(r, "no.such.key", "unknown"), r


def test_malformed_number(boot, number_key):
    key, _lo, _hi = number_key
    r = boot("shutdown %s=12abc" % key)
    assert refused(r, key, "12abc"), r


def test_out_of_range(boot, number_key):
    key, _lo, hi = number_key
    if hi >= 2**64 - 1:
        pytest.skip("%s has no upper bound" % key)
    r = boot("shutdown %s=%d" % (key, hi + 1))
    assert refused(r, key, str(hi + 1)), r


def test_duplicate_key(boot, number_key):
    key, lo, _hi = number_key
    r = boot("shutdown %s=%d %s=%d" % (key, lo, key, lo))
    assert refused(r, key, "twice"), r


def test_overlong_cmdline(boot):
    r = boot("shutdown " + "x" * (CMDLINE_MAX + 100))
    assert r.status == QEMU_EXIT_BAD_CMDLINE, r
    assert any("command line" in line and str(CMDLINE_MAX - 1) in line or "long" in line for line in r.lines()), r


def test_loader_words_ignored(boot):
    # QEMU puts the image path first; iPXE a URI; GRUB nothing. None has '=' before "--".
    r = boot("tftp://10.77.0.1/dsmk.elf /boot/dsmk.elf shutdown")
    assert r.status == QEMU_EXIT_OK, r
    assert any("dsmk: ready" in line for line in r.lines()), r


@pytest.mark.parametrize("value", ["adaptive:", "adaptive:x", "adaptivex", "fast", "500001", "-1"])
def test_dsm_window_bad_values(boot, value):
    """dsm.window_us= takes N (0..500000 us), adaptive or adaptive:N; nothing else."""
    r = boot("shutdown dsm.window_us=%s" % value)
    assert refused(r, "dsm.window_us", value), r


@pytest.mark.parametrize("value", ["0", "1000", "500000", "adaptive", "adaptive:3000"])
def test_dsm_window_good_values(boot, value):
    r = boot("shutdown dsm.window_us=%s" % value)
    assert r.status == QEMU_EXIT_OK, r


def test_dsm_replicate_bad_value(boot):
    r = boot("shutdown dsm.replicate=maybe")
    assert refused(r, "dsm.replicate", "maybe"), r
