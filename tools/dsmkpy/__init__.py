# SPDX-License-Identifier: MIT
"""dsmkpy: the host side of dsmk (DESIGN.md section 8), Python 3 standard library only.

Starts QEMU nodes (accel, command lines, serial logs, QMP), wires them into a private
network namespace, injects faults and decodes exit statuses. Used by tools/dsmk and by
the pytest tiers; it never touches anything outside the namespaces and processes it made.
"""
