/* SPDX-License-Identifier: MIT */
/* kmain: the kernel's init steps, in order. Each step either succeeds or stops the
 * node with a report; none of them is optional. */
#include <arch/acpi.h>
#include <arch/gdt.h>
#include <arch/trap.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "drivers/serial.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/dsm_glue.h"
#include "kernel/exit_codes.h"
#include "kernel/fault_inject.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/multiboot.h"
#include "kernel/net_glue.h"
#include "kernel/nettest.h"
#include "kernel/panic.h"
#include "kernel/program.h"
#include "kernel/state_dump.h"
#include "kernel/time_conv.h"
#include "kernel/timer.h"

#define BOOT_IDENTITY_LIMIT 0x100000000ull /* boot/multiboot.asm maps 0-4 GiB identically */

extern const struct cmdline_param _cmdline_params_start[], _cmdline_params_end[];

static struct boot_info boot_info;
static struct cmdline_result cmdline;

static bool shutdown_after_ready;
CMDLINE_PARAM_FLAG(shutdown_after_ready, "shutdown", "exit QEMU (status 33) right after the ready line");

/* Reads physical memory through the boot identity map; only valid before paging_init. */
static bool boot_read_phys(void *ctx, uint64_t phys, void *dst, size_t len)
{
    (void)ctx;
    if (phys >= BOOT_IDENTITY_LIMIT || len > BOOT_IDENTITY_LIMIT - phys)
        return false;
    memcpy(dst, (const void *)(uintptr_t)phys, len);
    return true;
}

static void boot_info_init(uint32_t magic, uint32_t mbi_phys)
{
    char err[160];
    if (!multiboot_parse(magic, mbi_phys, boot_read_phys, NULL, &boot_info, err, sizeof err)) {
        log_error("boot: bad multiboot information: %s", err);
        kernel_exit(EXIT_BAD_BOOT_INFO);
    }
    log_info("boot: loader '%s', %zu memory regions, %zu modules", boot_info.loader_name, boot_info.region_count,
             boot_info.module_count);
}

static void cmdline_init(void)
{
    char err[200];
    size_t count = (size_t)(_cmdline_params_end - _cmdline_params_start);
    log_info("cmdline: %s", boot_info.cmdline);
    if (boot_info.cmdline_too_long) {
        log_error("cmdline: refused: command line longer than %d bytes", CMDLINE_MAX - 1);
        kernel_exit(EXIT_BAD_CMDLINE);
    }
    if (!cmdline_parse(boot_info.cmdline, _cmdline_params_start, count, &cmdline, err, sizeof err)) {
        log_error("cmdline: refused: %s", err);
        kernel_exit(EXIT_BAD_CMDLINE);
    }
}

void kmain(uint32_t magic, uint32_t mbi_phys);

void kmain(uint32_t magic, uint32_t mbi_phys)
{
    clock_mark_boot();                /* TSC at entry: the boot time in the ready line counts from here */
    serial_init();                    /* the console first: every later step may need to report */
    gdt_init();                       /* our own GDT and TSS (IST stacks for #DF, NMI, #MC) */
    idt_init();                       /* from here on every exception is reported */
    acpi_init();                      /* MADT (IOAPIC, overrides) while the boot identity map exists */
    boot_info_init(magic, mbi_phys);  /* check and copy what the loader gave us */
    cmdline_init();                   /* refuse unknown or malformed words before acting on any */
    frame_alloc_init(&boot_info);     /* buddy pool over usable RAM minus image, modules, low 1 MiB */
    paging_init(&boot_info);          /* our own page tables: W^X image, direct map, no identity map */
    heap_init();                      /* kmalloc/kfree over the frame pool */
    ist_stacks_init();                /* #DF/NMI/#MC stacks move under guard pages */
    irq_init();                       /* PICs masked, LAPIC and IOAPIC on: device interrupts can be routed */
    clock_init();                     /* TSC calibrated; log lines carry time from here */
    time_init_wall_clock();           /* CLOCK_REALTIME from the RTC (node 0's wins once clustered) */
    timer_init();                     /* LAPIC one-shot timer behind kernel/timer.h */
    state_dump_init();                /* an NMI logs the node's state (dsmk dump) */

    pci_init();                       /* scan the PCI bus: one log line per function */
    net_glue_init();                  /* bring up the NIC chosen by nic= (if any) */

    uint64_t boot_ns = clock_boot_ns();
    log_info("dsmk: ready in %llu.%03llu ms (by the kernel clock)", (unsigned long long)(boot_ns / NS_PER_MS),
             (unsigned long long)(boot_ns % NS_PER_MS / NS_PER_US));
    fault_inject_run();               /* fault=KIND: deliberate exception, for tests */
    nettest_run();                    /* nettest=echo|ping: raw NIC test, exits with the verdict */
    if (ktest_requested())
        ktest_run_all();
    if (shutdown_after_ready)
        kernel_exit(EXIT_OK);
    if (program_requested(&boot_info, &cmdline))
        program_start(&boot_info, &cmdline); /* module 0 runs as the user program; never returns */
    dsm_glue_run_member();            /* nodes>1: run the threads node 0 places here; never returns */
    for (;;)
        __asm__ volatile("sti; hlt; cli");
}
