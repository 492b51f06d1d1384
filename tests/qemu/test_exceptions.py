# SPDX-License-Identifier: MIT
"""Exception reports (issue 2): each `fault=KIND` boot must print the readable report on
COM1 (vector, error code, CR2 for #PF, RIP resolved to fault_inject's function) and leave
QEMU with status 43 (EXIT_CPU_EXCEPTION). The double fault must run on its IST1 stack.
Boots one node through the `boot` fixture of tests/qemu/conftest.py."""
import re

import pytest

QEMU_EXIT_CPU_EXCEPTION = 43  # (EXIT_CPU_EXCEPTION 0x15 << 1) | 1, kernel/exit_codes.h
QEMU_EXIT_OK = 33
QEMU_EXIT_BAD_CMDLINE = 39


def run(boot, append):
    """(QEMU status, COM1 text without carriage returns) of one boot."""
    result = boot(append)
    return result.status, result.log.replace("\r", "")


def expect(text, pattern):
    m = re.search(pattern, text, re.MULTILINE)
    assert m, f"no match for {pattern!r} in:\n{text}"
    return m


RIP = r"rip=0xffffffff[0-9a-f]{{8}} <{func}\+0x[0-9a-f]+>"

CASES = {
    "pagefault": [
        r"^EXCEPTION #PF page fault \(vector 14\) error=0x2 \[write, not-present, kernel\]$",
        r"^cr2=0x00000dead0000000 " + RIP.format(func="fault_inject_pagefault"),
    ],
    "gp": [
        r"^EXCEPTION #GP general protection \(vector 13\) error=0x0 \[kernel\]$",
        "^" + RIP.format(func="fault_inject_gp"),
    ],
    "ud": [
        r"^EXCEPTION #UD invalid opcode \(vector 6\) error=0x0 \[kernel\]$",
        "^" + RIP.format(func="fault_inject_ud"),
    ],
    "divide": [
        r"^EXCEPTION #DE divide error \(vector 0\) error=0x0 \[kernel\]$",
        "^" + RIP.format(func="fault_inject_divide"),
    ],
    "breakpoint": [
        r"^EXCEPTION #BP breakpoint \(vector 3\) error=0x0 \[kernel\]$",
        "^" + RIP.format(func="fault_inject_breakpoint"),
    ],
    "double": [
        r"^EXCEPTION #DF double fault \(vector 8\) error=0x0 \[kernel\]$",
        r"^#DF handler running on rsp=0x[0-9a-f]{16}, inside the IST1 stack ",
        r"^cr2=0x00000deacffffff[0-9a-f] \(just below rsp: the stack is unmapped or overflowed\)$",
        # The faulting RSP is the unmapped address the injector loaded.
        r"^rbp=0x[0-9a-f]{16} rsp=0x00000dead0000000 ",
    ],
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_exception_report(boot, kind):
    status, log = run(boot, f"fault={kind}")
    expect(log, r"dsmk: ready")
    for pattern in CASES[kind]:
        expect(log, pattern)
    expect(log, r"^rax=0x[0-9a-f]{16} rbx=0x[0-9a-f]{16} rcx=0x[0-9a-f]{16}$")
    expect(log, r"^backtrace:$")
    expect(log, r"kmain\+0x[0-9a-f]+$")
    assert status == QEMU_EXIT_CPU_EXCEPTION, f"QEMU status {status}, log:\n{log}"


def test_unknown_fault_kind_refused(boot):
    status, log = run(boot, "fault=bogus")
    expect(log, r"fault=bogus.*not one of")
    assert status == QEMU_EXIT_BAD_CMDLINE, f"QEMU status {status} (want 39: EXIT_BAD_CMDLINE), log:\n{log}"


def test_no_fault_boots_clean(boot):
    status, log = run(boot, "shutdown")
    assert "EXCEPTION" not in log
    assert status == QEMU_EXIT_OK, log


def test_trap_handlers_run_with_smap_closed(boot, monkeypatch):
    # -cpu max offers SMAP under TCG: a trap taken with RFLAGS.AC set must not run its
    # handler with SMAP lifted (the ktest checks AC inside the handler and after iretq).
    monkeypatch.setenv("DSMK_CPU", "max")
    r = boot("ktest ktest.filter=trap_handler_runs_with_smap_closed")
    text = "\n".join(r.lines())
    assert "SMAP on" in text, text[-2000:]
    assert "skipped" not in text, text[-2000:]
    assert "ktest: 1 passed, 0 failed" in text, text[-2000:]
