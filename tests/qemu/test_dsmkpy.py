# SPDX-License-Identifier: MIT
"""Host-only checks of tools/dsmkpy: status decoding, QEMU argument building, the kernel's
declared keys, accelerator choice, bench merging, and the tier's verdict line (which must
count tests from every directory and must not pass when no test ran)."""
import json
import os
import subprocess
import sys

import pytest

from dsmkpy import accel, bench, files_out, qemu, status
from dsmkpy.logs import KILL_REPORT_MAX_LINES, kill_report, program_exit_status
from dsmkpy.kernel_image import kernel_cmdline_param_details
from dsmkpy.testing import REPO


def test_status_decoding():
    assert status.kernel_code(33) == 0x10
    assert status.kernel_code(0) is None
    assert "triple fault" in status.describe_status(0)
    assert "EXIT_BAD_CMDLINE" in status.describe_status(39)
    assert "signal 9" in status.describe_status(-9)


def test_program_exit_status_waits_for_the_whole_line():
    """QEMU writes the log while it is read: "status 1" may be the start of "status 139" (a
    SIGSEGV once came back from `dsmk run` as status 1)."""
    log = "[    0.104823] info  dsmk: program exited with status 1"
    assert program_exit_status(log) is None
    assert program_exit_status(log + "39\n[    0.105096] info  user: 5 syscalls") == 139
    assert program_exit_status("") is None


def test_initrd_and_mac():
    assert qemu.initrd_arg([("/a,b", "prog"), ("/s", "stdin")]) == "/a,,b prog,/s stdin"
    assert qemu.node_mac(10) == "52:54:00:d5:00:0a"


def test_qemu_args_have_the_fixed_parts(tmp_path):
    spec = qemu.NodeSpec(1, str(tmp_path), kernel="/k.elf", append="shutdown", nic="e1000", tap="tap1",
                         accel="tcg", modules=[("/p", "p")])
    args = qemu.build_qemu_args(spec)
    joined = " ".join(args)
    for part in ("-no-reboot", "-smp 1", qemu.ISA_DEBUG_EXIT, "-kernel /k.elf", "-initrd /p p",
                 "mac=52:54:00:d5:00:01", "ifname=tap1", "file:%s/node1.stdout" % tmp_path):
        assert part in joined, joined
    assert args.count("-serial") == 4  # log, stdout, stderr, files (COM4)


def test_files_out_stream_parses_and_refuses_a_cut_one():
    stream = b"dsmk-file 3 /a\nabcdsmk-file -1 /b\ndsmk-file 0 /c d\n"
    assert files_out.parse(stream) == {"/a": b"abc", "/b": None, "/c d": b""}
    with pytest.raises(ValueError):
        files_out.parse(b"dsmk-file 5 /a\nab")
    with pytest.raises(ValueError):
        files_out.parse(b"garbage")
    assert files_out.kernel_word(["/x", "/y/z"]) == "files.out=/x,/y/z"
    with pytest.raises(ValueError):
        files_out.kernel_word(["relative"])


def test_accel_choice(tmp_path):
    assert accel.choose_accel({"ACCEL": "tcg"}) == "tcg"
    assert accel.choose_accel({"ACCEL": "kvm"}) == "kvm"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags : fpu vmx sse\n")
    # a kvm_pvm module means TCG even with a usable device and vmx
    assert not accel.kvm_usable(dev=str(cpuinfo), pvm=str(tmp_path), cpuinfo=str(cpuinfo))
    assert accel.kvm_usable(dev=str(cpuinfo), pvm=str(tmp_path / "none"), cpuinfo=str(cpuinfo))


def test_kernel_declares_its_keys(kernel):
    params = kernel_cmdline_param_details(kernel)
    assert params is not None and params["shutdown"]["parser"] == "cmdline_parse_bool", params


def test_bench_merge(tmp_path):
    out = str(tmp_path / "bench.json")
    bench.merge_results({"a": {"value": 1, "unit": "ms"}}, out)
    bench.merge_results({"b": {"value": 2.5, "unit": "us", "min": 2}}, out)
    data = json.load(open(out))
    assert data["a"]["value"] == 1 and data["b"]["min"] == 2
    assert "b" in bench.format_table(data)


def _pytest_last_line(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    conftest = open(os.path.join(REPO, "tests", "qemu", "conftest.py")).read()
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a" / "conftest.py").write_text(conftest)
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"), PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "a", "b"],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    return r.returncode, r.stdout.strip().splitlines()[-1]


def test_verdict_counts_every_directory(tmp_path):
    rc, last = _pytest_last_line(tmp_path, {
        "a/test_a.py": "def test_ok():\n    pass\n",
        "b/test_b.py": "def test_ok():\n    pass\n\ndef test_bad():\n    assert False\n"})
    assert last == "qemu: 2 passed, 1 failed" and rc != 0, last


def test_verdict_fails_when_nothing_ran(tmp_path):
    rc, last = _pytest_last_line(tmp_path, {"b/README": "no tests\n"})
    assert last == "qemu: 0 passed, 1 failed" and rc != 0, last


def test_dsm_fault_bench_program_survives_a_late_thread(tmp_path):
    """The fault bench's program, natively: its last thread starts after main has moved past
    the first phase. Threads that waited for an exact phase value hung there for good (it
    happened in about 1 cluster run of 10, when a node's thread started late)."""
    sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
    import dsm_bench
    src, exe = tmp_path / "faults.c", tmp_path / "faults"
    src.write_text(dsm_bench.FAULT_PROGRAM % {"nodes": 4, "rounds": 3, "settle_us": 100, "poll_us": 1000, "seq": 4})
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    p = subprocess.run([str(exe), "300"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert [line.split()[1] for line in p.stdout.splitlines()] == [
        "read_fault_us", "read_fault_first_us", "write_fault_inv1_us", "write_fault_inv3_us",
        "read_fault_seq_first_us", "read_fault_seq_us", "write_fault_seq_inv1_us"]


def test_kill_report_lists_error_lines_of_every_node():
    logs = ["[    0.1] info  dsmk: ready\n[    0.3] error uvm: out of memory materialising 0x1000\r\n",
            "[    0.2] error dsmk: thread 5 killed by SIGSEGV (11): rip=0x401000\n[    0.4] warn  x\n"]
    assert kill_report(logs, 64) == [
        "node 0: uvm: out of memory materialising 0x1000",
        "node 1: dsmk: thread 5 killed by SIGSEGV (11): rip=0x401000",
        "a node ran out of memory: each has 64 MiB (--mem MB gives more)",
    ]
    assert kill_report(["[ 1.0] error a\n" * 20], 512) == ["node 0: a"] * KILL_REPORT_MAX_LINES
