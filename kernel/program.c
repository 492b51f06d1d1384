/* SPDX-License-Identifier: MIT */
/* Program load, start and end (kernel/program.h). The image's segments become regions
 * with their rights; file bytes are copied in page by page through uvm_write_initial, and
 * bss is left to demand paging (a 256 MiB bss costs nothing until touched). The initial
 * stack follows the x86-64 psABI 3.4.1 figure 3.9: argc, argv[], NULL, envp[], NULL,
 * auxv pairs, AT_NULL, then the strings and AT_RANDOM's 16 bytes; RSP 16-byte aligned. */
#include "kernel/program.h"

#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/trap.h>
#include <arch/usercopy.h>

#include "drivers/serial_ports.h"
#include "kernel/dsm_affinity.h"
#include "kernel/dsm_glue.h"
#include "kernel/elf.h"
#include "kernel/exit_codes.h"
#include "kernel/file_proc.h"
#include "kernel/file_store.h"
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/path.h"
#include "kernel/random.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/thread_names.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"

/* auxv keys (linux/auxvec.h, asm/auxvec.h) */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31
#define PROGRAM_RANDOM_BYTES 16
#define PROGRAM_AUXV_MAX 24       /* pairs, AT_NULL included */
#define PROGRAM_STACK_BUILD 32768 /* bytes of strings + vectors we build at the top of the stack */
#define PROGRAM_ENV_MAX 256       /* environment entries passed (tools/dsmk run --env) */
#define PROGRAM_STATUS_CANNOT_EXECUTE 126
#define PROGRAM_STATUS_NOT_FOUND 127
#define PROGRAM_DEFAULT_NAME "program"
#define PROGRAM_PLATFORM "x86_64"

static uint8_t program_stack_image[PROGRAM_STACK_BUILD] __attribute__((aligned(16)));

void program_exit(int status)
{
    dsm_control_exit(status); /* nodes>1: every node ends; returns on node 0 only */
    log_info("dsmk: program exited with status %d", status);
    file_store_export(); /* files.out=: the files it wrote, on COM4 */
    log_info("user: %llu syscalls (%llu ENOSYS, %llu EFAULT copies), %llu pages materialised, %zu regions",
             (unsigned long long)syscall_count_total(), (unsigned long long)syscall_count_unknown(),
             (unsigned long long)usercopy_efault_count(), (unsigned long long)uvm_pages_materialised(),
             uvm_region_count());
    log_info("user: %llu threads created, %llu switches, %llu preemptions", (unsigned long long)thread_created_count(),
             (unsigned long long)sched_switch_count(), (unsigned long long)sched_preempt_count());
    kernel_exit(EXIT_OK);
}

static const char *program_signal_name(int signal)
{
    switch (signal) {
    case LINUX_SIGILL: return "SIGILL";
    case LINUX_SIGTRAP: return "SIGTRAP";
    case LINUX_SIGABRT: return "SIGABRT";
    case LINUX_SIGBUS: return "SIGBUS";
    case LINUX_SIGFPE: return "SIGFPE";
    case LINUX_SIGKILL: return "SIGKILL";
    case LINUX_SIGSEGV: return "SIGSEGV";
    default: return "signal";
    }
}

void program_kill(const struct trap_frame *frame, int signal, uint64_t addr)
{
    struct thread *t = thread_current();
    log_error("dsmk: thread %d killed by %s (%d): rip=0x%llx addr=0x%llx rsp=0x%llx vector=%llu error=0x%llx",
              t ? t->tid : 0, program_signal_name(signal), signal, (unsigned long long)frame->rip,
              (unsigned long long)addr, (unsigned long long)frame->rsp, (unsigned long long)frame->vector,
              (unsigned long long)frame->error_code);
    program_exit(PROGRAM_EXIT_SIGNAL_BASE + signal);
}

/* ---- traps from user mode ---- */

/* si_code of a fault's signal (include/uapi/asm-generic/siginfo.h). */
#define PROGRAM_SI_KERNEL 0x80
#define PROGRAM_SEGV_MAPERR 1 /* no mapping at the address */
#define PROGRAM_SEGV_ACCERR 2 /* mapped, but not for this access */
#define PROGRAM_FPE_INTDIV 1
#define PROGRAM_ILL_ILLOPN 2

static bool program_trap_page_fault(struct trap_frame *frame)
{
    uint64_t addr = cpu_read_cr2();
    if (!trap_from_user(frame))
        return usercopy_handle_kernel_fault(frame, addr);
    enum uvm_access access = (frame->error_code & PF_ERR_FETCH)   ? UVM_ACCESS_EXEC
                             : (frame->error_code & PF_ERR_WRITE) ? UVM_ACCESS_WRITE
                                                                  : UVM_ACCESS_READ;
    enum uvm_fault result =
        (frame->error_code & PF_ERR_RESERVED) ? UVM_FAULT_VIOLATION : uvm_handle_fault(addr, access);
    if (result == UVM_FAULT_RESOLVED) {
        dsm_affinity_check(); /* may move the thread: the access then runs on its new node */
        return true;
    }
    /* Out of memory ends the program the way Linux's OOM killer does: SIGKILL. */
    if (result == UVM_FAULT_NO_MEMORY)
        program_kill(frame, LINUX_SIGKILL, addr);
    signal_deliver_fault(frame, LINUX_SIGSEGV, uvm_region_mapped(addr) ? PROGRAM_SEGV_ACCERR : PROGRAM_SEGV_MAPERR,
                         addr);
    return true; /* into the handler */
}

/* Exceptions a user program can cause, with the signal Linux sends for each. */
static bool program_trap_user_fault(struct trap_frame *frame)
{
    if (!trap_from_user(frame))
        return false;
    int signal, code = PROGRAM_SI_KERNEL;
    switch (frame->vector) {
    case TRAP_DIVIDE_ERROR: signal = LINUX_SIGFPE; code = PROGRAM_FPE_INTDIV; break;
    case TRAP_X87_FP: case TRAP_SIMD_FP: signal = LINUX_SIGFPE; break;
    case TRAP_INVALID_OPCODE: signal = LINUX_SIGILL; code = PROGRAM_ILL_ILLOPN; break;
    case TRAP_BREAKPOINT: case TRAP_DEBUG: signal = LINUX_SIGTRAP; break;
    case TRAP_ALIGNMENT_CHECK: signal = LINUX_SIGBUS; break;
    default: signal = LINUX_SIGSEGV; break; /* #GP, #SS, #NP, #OF, #BR, #DF-free rest */
    }
    signal_deliver_fault(frame, signal, code, frame->rip);
    return true; /* into the handler */
}

static void program_install_traps(void)
{
    static const unsigned user_vectors[] = {
        TRAP_DIVIDE_ERROR, TRAP_DEBUG, TRAP_BREAKPOINT, TRAP_OVERFLOW, TRAP_BOUND_RANGE, TRAP_INVALID_OPCODE,
        TRAP_SEGMENT_NOT_PRESENT, TRAP_STACK_FAULT, TRAP_GENERAL_PROTECTION, TRAP_X87_FP, TRAP_ALIGNMENT_CHECK,
        TRAP_SIMD_FP,
    };
    for (size_t i = 0; i < sizeof user_vectors / sizeof user_vectors[0]; i++)
        trap_set_handler(user_vectors[i], program_trap_user_fault);
    trap_set_handler(TRAP_PAGE_FAULT, program_trap_page_fault);
}

/* ---- loading ---- */

static unsigned program_prot(uint32_t elf_flags)
{
    unsigned prot = 0;
    if (elf_flags & ELF_PF_R)
        prot |= LINUX_PROT_READ;
    if (elf_flags & ELF_PF_W)
        prot |= LINUX_PROT_WRITE;
    if (elf_flags & ELF_PF_X)
        prot |= LINUX_PROT_EXEC;
    return prot;
}

static bool program_load_segments(const uint8_t *file, const struct elf_image *img)
{
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        uint64_t start = PAGE_ALIGN_DOWN(s->vaddr), end = PAGE_ALIGN_UP(s->vaddr + s->memsz);
        int err = uvm_region_add(start, end - start, program_prot(s->flags));
        if (err) {
            log_error("program: segment at 0x%llx: region refused (%d)", (unsigned long long)s->vaddr, err);
            return false;
        }
        if (s->filesz && uvm_write_initial(s->vaddr, file + s->offset, s->filesz) != 0) {
            log_error("program: segment at 0x%llx: out of memory", (unsigned long long)s->vaddr);
            return false;
        }
    }
    return true;
}

/* The program's environment: pointers into the env module (or none). */
struct program_env {
    int count;
    const char *entry[PROGRAM_ENV_MAX];
};

/* The NAME=VALUE entries of the module whose command line says BOOT_MODULE_ENV, each ended
 * by a NUL; one without "=", an empty name or a last one with no NUL is skipped (logged). */
static void program_find_env(const struct boot_info *info, struct program_env *env)
{
    env->count = 0;
    for (size_t i = 1; i < info->module_count; i++) {
        const struct boot_module *m = &info->modules[i];
        if (!boot_module_word(m->cmdline, BOOT_MODULE_ENV, false))
            continue;
        const char *p = phys_to_virt(m->start), *end = p + (m->end - m->start);
        unsigned skipped = 0;
        while (p < end) {
            size_t len = strnlen(p, (size_t)(end - p)), name = 0;
            while (name < len && p[name] != '=')
                name++;
            if (len == (size_t)(end - p) || name == len || name == 0 || env->count == PROGRAM_ENV_MAX)
                skipped++;
            else
                env->entry[env->count++] = p;
            p += len + 1;
        }
        if (skipped)
            log_warn("program: %u environment entries skipped (not NAME=VALUE, or past %d)", skipped,
                     PROGRAM_ENV_MAX);
    }
}

/* Builds the initial stack image below UVM_STACK_TOP in program_stack_image and copies it
 * in; returns the user RSP (pointing at argc), or 0 if the arguments do not fit. */
static uint64_t program_build_stack(const struct elf_image *img, int argc, char *const argv[],
                                    const struct program_env *env)
{
    uint8_t *buf = program_stack_image;
    uint64_t base = UVM_STACK_TOP - PROGRAM_STACK_BUILD; /* user address of buf[0] */
    size_t top = PROGRAM_STACK_BUILD;
    uint64_t argv_user[CMDLINE_MAX_ARGS + 1];
    static uint64_t env_user[PROGRAM_ENV_MAX];

    /* Strings and random bytes first, at the very top. */
    random_fill(buf + (top -= PROGRAM_RANDOM_BYTES), PROGRAM_RANDOM_BYTES);
    uint64_t random_user = base + top;
    size_t plen = strlen(PROGRAM_PLATFORM) + 1;
    memcpy(buf + (top -= plen), PROGRAM_PLATFORM, plen);
    uint64_t platform_user = base + top;
    for (int i = argc - 1; i >= 0; i--) {
        size_t len = strlen(argv[i]) + 1;
        if (len + 1024 > top)
            return 0;
        memcpy(buf + (top -= len), argv[i], len);
        argv_user[i] = base + top;
    }
    for (int i = env->count - 1; i >= 0; i--) {
        size_t len = strlen(env->entry[i]) + 1;
        if (len + 1024 > top)
            return 0;
        memcpy(buf + (top -= len), env->entry[i], len);
        env_user[i] = base + top;
    }
    top &= ~(size_t)15;

    uint64_t auxv[PROGRAM_AUXV_MAX * 2];
    size_t n = 0;
#define PROGRAM_AUX(key, value) (auxv[n++] = (key), auxv[n++] = (value))
    PROGRAM_AUX(AT_PHDR, img->phdr_vaddr);
    PROGRAM_AUX(AT_PHENT, img->phent);
    PROGRAM_AUX(AT_PHNUM, img->phnum);
    PROGRAM_AUX(AT_PAGESZ, PAGE_SIZE);
    PROGRAM_AUX(AT_BASE, 0);
    PROGRAM_AUX(AT_FLAGS, 0);
    PROGRAM_AUX(AT_ENTRY, img->entry);
    PROGRAM_AUX(AT_UID, 0);
    PROGRAM_AUX(AT_EUID, 0);
    PROGRAM_AUX(AT_GID, 0);
    PROGRAM_AUX(AT_EGID, 0);
    PROGRAM_AUX(AT_PLATFORM, platform_user);
    PROGRAM_AUX(AT_HWCAP, 0);
    PROGRAM_AUX(AT_CLKTCK, PROGRAM_CLOCK_TICKS_PER_SEC);
    PROGRAM_AUX(AT_SECURE, 0);
    PROGRAM_AUX(AT_RANDOM, random_user);
    PROGRAM_AUX(AT_EXECFN, argc > 0 ? argv_user[0] : platform_user);
    PROGRAM_AUX(AT_NULL, 0);
#undef PROGRAM_AUX

    /* argc, argv[argc+1], envp[envc+1], auxv: keep the total a multiple of 16 so RSP ends
     * 16-byte aligned at argc. */
    size_t words = 1 + (size_t)argc + 1 + (size_t)env->count + 1 + n;
    if (words & 1)
        top -= sizeof(uint64_t);
    if (words * sizeof(uint64_t) > top)
        return 0;
    top -= words * sizeof(uint64_t);
    uint64_t *w = (uint64_t *)(buf + top);
    size_t k = 0;
    w[k++] = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        w[k++] = argv_user[i];
    w[k++] = 0;
    for (int i = 0; i < env->count; i++)
        w[k++] = env_user[i];
    w[k++] = 0;
    memcpy(&w[k], auxv, n * sizeof auxv[0]);
    if (uvm_write_initial(base + top, buf + top, PROGRAM_STACK_BUILD - top) != 0)
        return 0;
    return base + top;
}

void program_kernel_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    fpu_init();
    syscall_arch_init();
    usercopy_cpu_protect_init();
    program_install_traps();
    serial_port_init(SERIAL_PORT_COM2);
    serial_port_init(SERIAL_PORT_COM3);
    uvm_init();
}

bool program_requested(const struct boot_info *info, const struct cmdline_result *cmd)
{
    return info->module_count > 0 || cmd->seen_separator;
}

static void program_refuse(const char *why)
{
    log_error("program: cannot execute: %s", why);
    program_exit(PROGRAM_STATUS_CANNOT_EXECUTE);
}

void program_start(const struct boot_info *info, const struct cmdline_result *cmd)
{
    if (info->module_count == 0) {
        log_error("program: \"--\" on the command line but no program module");
        program_exit(PROGRAM_STATUS_NOT_FOUND);
    }
    const struct boot_module *m = &info->modules[0];
    const uint8_t *file = phys_to_virt(m->start);
    static struct elf_image img;
    char err[160];
    if (!elf_parse(file, m->end - m->start, &img, err, sizeof err))
        program_refuse(err);

    program_kernel_init();
    files_init(info);
    if (!program_load_segments(file, &img))
        program_refuse("loading the segments failed");
    uvm_brk_init(PAGE_ALIGN_UP(img.image_end));
    if (uvm_region_add(UVM_STACK_TOP - UVM_STACK_SIZE, UVM_STACK_SIZE,
                       LINUX_PROT_READ | LINUX_PROT_WRITE | (img.stack_exec ? LINUX_PROT_EXEC : 0)) != 0)
        program_refuse("no room for the stack");

    static char *default_argv[] = { PROGRAM_DEFAULT_NAME, NULL };
    int argc = cmd->argc;
    char *const *argv = cmd->argv;
    if (argc == 0) {
        argc = 1;
        argv = default_argv;
    }
    file_proc_add(info, argc, argv); /* /proc tells of the program (its argv among the rest) */
    static struct program_env env;
    program_find_env(info, &env);
    uint64_t rsp = program_build_stack(&img, argc, argv, &env);
    if (!rsp)
        program_refuse("arguments and environment do not fit the initial stack");

    static struct user_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.rip = img.entry;
    ctx.rsp = rsp;
    fpu_state_init(&ctx.fpu);
    struct thread *first = thread_create_user(&ctx);
    if (!first)
        program_refuse("no memory for the first thread");
    if (!thread_names_add_first(first->tid, path_last(argv[0]))) /* as exec names a task: its file's name */
        program_refuse("no room to list the first thread");
    log_info("program: entry 0x%llx, %zu segments, break at 0x%llx, argc %d", (unsigned long long)img.entry,
             img.segment_count, (unsigned long long)PAGE_ALIGN_UP(img.image_end), argc);
    dsm_glue_start_controller(); /* nodes>1: the other nodes learn the image's regions */
    sched_start();
}
