/* SPDX-License-Identifier: MIT */
/* panic(): the one way the kernel gives up. It must work from any state, so it only
 * uses the polled serial console and walks frame pointers with bounds checks. */
#include "kernel/panic.h"

#include <arch/cpu.h>
#include <stdarg.h>

#include "drivers/debug_exit.h"
#include "kernel/exit_codes.h"
#include "kernel/format.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"

#define BACKTRACE_MAX_FRAMES 32
#define KERNEL_HALF_START 0xffff800000000000ull

void kernel_exit(uint8_t code)
{
    debug_exit(code);
    cpu_halt_forever();
}

void panic_backtrace(uintptr_t fp)
{
    console_printf("backtrace:\n");
    for (int depth = 0; depth < BACKTRACE_MAX_FRAMES; depth++) {
        if (fp < KERNEL_HALF_START || (fp & 7) != 0)
            break;
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t ret = frame[1];
        uint64_t off = 0;
        const char *name = ksym_lookup(ret, &off);
        if (name)
            console_printf("  #%d 0x%016lx %s+0x%lx\n", depth, (unsigned long)ret, name, (unsigned long)off);
        else
            console_printf("  #%d 0x%016lx ?\n", depth, (unsigned long)ret);
        if (frame[0] <= fp)
            break; /* frames grow towards higher addresses; anything else is corrupt */
        fp = frame[0];
    }
}

void panic(const char *fmt, ...)
{
    static int depth;
    cpu_irq_disable();
    if (depth++ > 0) {
        console_printf("panic: nested panic, stopping\n");
        kernel_exit(EXIT_PANIC);
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    console_printf("\nPANIC: %s\n", msg);
    panic_backtrace(cpu_frame_pointer());
    kernel_exit(EXIT_PANIC);
}
