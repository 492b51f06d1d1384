# SPDX-License-Identifier: MIT
"""What a kernel image declares: the command-line keys between _cmdline_params_start and
_end (kernel/cmdline.h struct cmdline_param, whose first field is the key's address).

The host uses this to pass only the words a given kernel understands (node=, key=, mtu=),
so the tools work while other parts of the kernel are still being written. ELF64 only.
"""
import struct

ELF_MAGIC = b"\x7fELF"
ELFCLASS64 = 2
SHT_SYMTAB = 2
STT_OBJECT = 1
STT_FUNC = 2
PARAMS_START = "_cmdline_params_start"  # linker.ld brackets the declarations
PARAMS_END = "_cmdline_params_end"
SHT_NOBITS = 8
# struct cmdline_param: name, parse, storage, storage_size, min, max (8 bytes each)
PARAM_NAME_OFFSET = 0
PARAM_PARSE_OFFSET = 8
PARAM_STORAGE_SIZE_OFFSET = 24
PARAM_MIN_OFFSET = 32
PARAM_MAX_OFFSET = 40


def _sections(data):
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    raw = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = raw[shstrndx][4]
    out = []
    for name, typ, _flags, addr, off, size, link, _info, _align, entsize in raw:
        end = data.index(b"\0", strtab_off + name)
        out.append({"name": data[strtab_off + name:end].decode(), "type": typ, "addr": addr, "off": off,
                    "size": size, "link": link, "entsize": entsize})
    return out


def _file_offset(sections, vaddr):
    for s in sections:
        if s["addr"] and s["addr"] <= vaddr < s["addr"] + s["size"] and s["type"] != SHT_NOBITS:
            return s["off"] + vaddr - s["addr"]
    return None


def _u64_at(data, sections, vaddr):
    off = _file_offset(sections, vaddr)
    return None if off is None else struct.unpack_from("<Q", data, off)[0]


def _cstring_at(data, sections, vaddr):
    off = _file_offset(sections, vaddr)
    return None if off is None else data[off:data.index(b"\0", off)].decode("ascii", "replace")


def _symbols(data, symtab, strtab):
    for i in range(symtab["size"] // symtab["entsize"]):
        name, info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, symtab["off"] + i * symtab["entsize"])
        end = data.index(b"\0", strtab["off"] + name)
        yield data[strtab["off"] + name:end].decode("ascii", "replace"), info & 0xF, value


def kernel_cmdline_keys(path):
    """The set of keys the kernel at path accepts, or None if it cannot be told."""
    params = kernel_cmdline_params(path)
    return None if params is None else set(params)


def kernel_cmdline_params(path):
    """{key: storage_size in bytes} for the kernel at path, or None if it cannot be told."""
    details = kernel_cmdline_param_details(path)
    return None if details is None else {k: v["size"] for k, v in details.items()}


def kernel_cmdline_param_details(path):
    """{key: {"size", "parser" (symbol name of the parse function), "min", "max"}}, or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != ELF_MAGIC or data[4] != ELFCLASS64:
            return None
        sections = _sections(data)
        symtab = next((s for s in sections if s["type"] == SHT_SYMTAB), None)
        if symtab is None:
            return None
        syms = list(_symbols(data, symtab, sections[symtab["link"]]))
        bounds = {name: value for name, _typ, value in syms if name in (PARAMS_START, PARAMS_END)}
        if len(bounds) != 2:
            return None
        start, end = bounds[PARAMS_START], bounds[PARAMS_END]
        # one object symbol per declaration gives the count, hence the struct stride
        count = sum(1 for _n, typ, value in syms if typ == STT_OBJECT and start <= value < end)
        if count == 0:
            return {}
        stride = (end - start) // count
        functions = {value: name for name, typ, value in syms if typ == STT_FUNC}
        params = {}
        for i in range(count):
            name_ptr = _u64_at(data, sections, start + i * stride + PARAM_NAME_OFFSET)
            base = start + i * stride
            fields = [_u64_at(data, sections, base + off) for off in
                      (PARAM_PARSE_OFFSET, PARAM_STORAGE_SIZE_OFFSET, PARAM_MIN_OFFSET, PARAM_MAX_OFFSET)]
            key = None if name_ptr is None else _cstring_at(data, sections, name_ptr)
            if key is None or None in fields:
                return None
            params[key] = {"parser": functions.get(fields[0]), "size": fields[1], "min": fields[2], "max": fields[3]}
        return params
    except (OSError, ValueError, struct.error, IndexError):
        return None
