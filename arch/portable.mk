# Portable arch modules: no hardware access; also built into host tests.
PORTABLE_SRCS += arch/x86_64/acpi_parse.c
