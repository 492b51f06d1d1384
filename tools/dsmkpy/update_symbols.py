# SPDX-License-Identifier: MIT
"""`dsmk run --update SYMBOL[,SYMBOL]` (issue 6): the program ELF's symbols (static musl
binaries keep .symtab) to the page ranges of the kernel's dsm.update= word. Each symbol's
[address, address + size) is widened to whole pages, so its page-mates become write-update
too; overlapping or adjacent ranges merge. Uses binutils' nm; no ELF parsing here."""
import subprocess

PAGE = 4096


class UpdateSymbolError(ValueError):
    pass


def symbol_table(program):
    """{name: (address, size)} of the defined symbols with a size."""
    p = subprocess.run(["nm", "-S", "--defined-only", program], capture_output=True, text=True)
    if p.returncode != 0:
        raise UpdateSymbolError("nm %s: %s" % (program, p.stderr.strip()))
    table = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4:
            table[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return table


def page_ranges(program, symbols):
    """Merged page ranges [(start, length)] of the named symbols (a name list or 'a,b')."""
    names = [n for s in symbols for n in s.split(",") if n]
    table = symbol_table(program)
    spans = []
    for name in names:
        if name not in table:
            raise UpdateSymbolError("--update %s: no such symbol with a size in %s" % (name, program))
        addr, size = table[name]
        if size == 0:
            raise UpdateSymbolError("--update %s: the symbol has size 0" % name)
        spans.append((addr // PAGE * PAGE, (addr + size + PAGE - 1) // PAGE * PAGE))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e - s) for s, e in merged]


def update_word(program, symbols):
    """The kernel word dsm.update=0xSTART+0xLEN,... for the symbols; None for none."""
    ranges = page_ranges(program, symbols)
    if not ranges:
        return None
    return "dsm.update=" + ",".join("0x%x+0x%x" % r for r in ranges)
