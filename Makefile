# SPDX-License-Identifier: MIT
# dsmk build. `make` builds the kernel image; `make test` runs every test tier;
# `make bench` writes build/bench.json. BUILD=dir puts all output elsewhere (so several
# builds can run side by side). Warnings are errors everywhere (STYLE.md habit 13):
#   -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes
# Kernel code is freestanding: no red zone (interrupts push onto the kernel stack), no
# SSE in the kernel (user FPU state is switched by the scheduler), no PIC, the
# kernel code model (linked at -2 GiB), frame pointers kept for backtraces.

BUILD ?= build
PYTHON ?= /usr/bin/python3
CC := gcc
HOST_CC := gcc
FUZZ_CC := clang
NASM := nasm
LD := ld
NM := nm

WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wvla
INCLUDES := -I. -Iarch/x86_64/include
KERNEL_CFLAGS := -std=c11 $(WARNINGS) $(INCLUDES) -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-MMD -MP
HOST_CFLAGS := -std=c11 $(WARNINGS) $(INCLUDES) -DDSMK_HOST -D_DEFAULT_SOURCE -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -MMD -MP
LDFLAGS := -m elf_x86_64 -nostdlib -static --no-warn-rwx-segments -z max-page-size=0x1000 -T linker.ld

# Portable sources (compiled into the kernel and into host programs) are listed by each
# folder's portable.mk; kernel-only sources are everything else under the kernel folders.
PORTABLE_SRCS :=
include $(wildcard */portable.mk)
KERNEL_DIRS := kernel arch/x86_64 drivers net dsm
KERNEL_C := $(sort $(shell find $(KERNEL_DIRS) -name '*.c' 2>/dev/null))
KERNEL_ASM := $(sort $(shell find boot arch/x86_64 -name '*.asm' 2>/dev/null))
KERNEL_OBJS := $(KERNEL_C:%.c=$(BUILD)/kernel/%.o) $(KERNEL_ASM:%.asm=$(BUILD)/kernel/%.o)

KERNEL := $(BUILD)/dsmk.elf

.PHONY: all kernel iso test test-host test-ktest test-qemu test-sim test-fuzz bench clean run user netboot
all: kernel

kernel: $(KERNEL)

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -Iarch/x86_64/include/ -M -MT $@ -MP $< > $(@:.o=.d)
	$(NASM) -f elf64 -g -F dwarf -Werror -Iarch/x86_64/include/ $< -o $@

# Two link passes: the first finds the text symbols, the second carries their table in
# .ksyms (after all text, so no text address moves; tools/check_image.py verifies it).
$(BUILD)/ksyms_empty.c: tools/gen_ksyms.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gen_ksyms.py /dev/null $@

$(BUILD)/pass1.elf: $(KERNEL_OBJS) $(BUILD)/ksyms_empty.o linker.ld
	$(LD) $(LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms_empty.o

$(BUILD)/ksyms.c: $(BUILD)/pass1.elf tools/gen_ksyms.py
	$(NM) -n --defined-only $< > $(BUILD)/pass1.nm
	$(PYTHON) tools/gen_ksyms.py $(BUILD)/pass1.nm $@

$(BUILD)/%.o: $(BUILD)/%.c
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL): $(KERNEL_OBJS) $(BUILD)/ksyms.o linker.ld tools/check_image.py
	$(LD) $(LDFLAGS) -Map=$(BUILD)/kernel.map -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.o
	$(NM) -n --defined-only $@ > $(BUILD)/kernel.sym
	$(PYTHON) tools/check_image.py $@ $(BUILD)/pass1.nm $(BUILD)/kernel.sym

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
include $(wildcard mk/*.mk)

# `make test`: every tier that a mk/*.mk fragment appended to TEST_TIERS, in order.
test:
	$(PYTHON) tools/run_tiers.py $(TEST_TIERS)
