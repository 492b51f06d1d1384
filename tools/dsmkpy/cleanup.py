# SPDX-License-Identifier: MIT
"""Teardown on every exit path: a stack of callbacks run once, at exit, on SIGINT/SIGTERM
or when the owner calls run_cleanups() from its finally block.

Callbacks must be idempotent-safe: each runs at most once, in reverse order of
registration, and an exception in one never stops the others.
"""
import atexit
import signal
import sys

_callbacks = []
_installed = False


def _on_signal(signum, frame):
    run_cleanups()
    # 128 + signal number, as a shell would report it
    sys.exit(128 + signum)


def _install():
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(run_cleanups)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread: atexit and finally still apply
            pass


def register_cleanup(fn):
    """Runs fn() once at exit or signal unless cancelled; returns a handle for cancel_cleanup."""
    _install()
    _callbacks.append(fn)
    return fn


def cancel_cleanup(handle):
    """Forgets a registered callback (after the owner has run it, or to keep the thing alive)."""
    try:
        _callbacks.remove(handle)
    except ValueError:
        pass


def run_cleanups():
    """Runs and forgets every pending callback, newest first."""
    while _callbacks:
        fn = _callbacks.pop()
        try:
            fn()
        except Exception as e:  # one failed teardown must not stop the rest
            print("dsmk: cleanup error: %s" % e, file=sys.stderr)
