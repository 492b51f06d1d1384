# SPDX-License-Identifier: MIT
"""Paths the pytest tiers share: the repository, $DSMK_BUILD (default build, relative to the
repository, so parallel BUILD dirs each test their own image) and what lies in it."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    """The build directory the tests use."""
    return os.path.join(REPO, os.environ.get("DSMK_BUILD", "build"))


def kernel_path():
    return os.path.join(build_dir(), "dsmk.elf")


def iso_path():
    return os.path.join(build_dir(), "dsmk.iso")


def user_program(name):
    """A bundled program built by mk/60-user.mk."""
    return os.path.join(build_dir(), "user", name)
