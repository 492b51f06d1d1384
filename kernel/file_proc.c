/* SPDX-License-Identifier: MIT */
/* /proc (kernel/file_proc.h): the nodes at start, and each file's text at its open. The
 * formats are Linux's (fs/proc/ and arch/x86/kernel/cpu/proc.c), with the fields a program
 * of this kernel can be told truthfully: one processor per node, node 0's memory (what
 * sysinfo(2) answers there), the program's regions as node 0's table holds them. */
#include "kernel/file_proc.h"

#include <stdarg.h>

#include <arch/cpu.h>

#include "kernel/clock.h"
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/path.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/thread_names.h"
#include "kernel/time_conv.h"
#include "kernel/uvm.h"

#define FILE_PROC_EXE_DIR "/bin"     /* where the program's file is (file_proc_add) */
#define FILE_PROC_DIR_MODE 0555
#define FILE_PROC_FILE_MODE 0444
#define FILE_PROC_COMM_MODE 0644     /* comm: a write names the thread (proc(5)) */
#define FILE_PROC_COMM_MAX 15        /* TASK_COMM_LEN - 1: comm and status's Name */
#define FILE_PROC_TEXT_MAX 65536     /* the longest text made (maps of many regions) */
#define FILE_PROC_MAPS_PATH_COLUMN 73 /* where maps puts a region's name (show_vma_header_prefix) */
#define FILE_PROC_CPUID_BRAND_FIRST 0x80000002u /* brand string: three leaves of 16 bytes (SDM vol. 2A, CPUID) */
#define FILE_PROC_CPUID_ADDRESS_SIZES 0x80000008u
#define FILE_PROC_CPUID_EXT_FEATURES 0x80000001u
#define FILE_PROC_CPUID_EXT_MAX 0x80000000u
#define FILE_PROC_KB 1024ull

/* The program, as its files show it (set once, by file_proc_add). */
static int file_proc_argc;
static char *const *file_proc_argv;
static char file_proc_exe[FILES_PATH_MAX]; /* "/" and the ELF file's name */

/* Text being made: appended to, cut at FILE_PROC_TEXT_MAX. */
struct proc_text {
    char *buf;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void proc_printf(struct proc_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(t->buf + t->len, FILE_PROC_TEXT_MAX - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < FILE_PROC_TEXT_MAX ? t->len + (size_t)n : FILE_PROC_TEXT_MAX - 1;
}

/* ---- /proc/cpuinfo ---- */

/* CPUID feature bits by Linux's names (arch/x86/include/asm/cpufeatures.h), in its order. */
struct proc_flag {
    uint32_t leaf;
    char reg; /* 'c' ECX, 'd' EDX, 'b' EBX */
    uint8_t bit;
    const char *name;
};

static const struct proc_flag proc_flags[] = {
    { 1, 'd', 0, "fpu" }, { 1, 'd', 1, "vme" }, { 1, 'd', 2, "de" }, { 1, 'd', 3, "pse" }, { 1, 'd', 4, "tsc" },
    { 1, 'd', 5, "msr" }, { 1, 'd', 6, "pae" }, { 1, 'd', 7, "mce" }, { 1, 'd', 8, "cx8" }, { 1, 'd', 9, "apic" },
    { 1, 'd', 11, "sep" }, { 1, 'd', 12, "mtrr" }, { 1, 'd', 13, "pge" }, { 1, 'd', 14, "mca" },
    { 1, 'd', 15, "cmov" }, { 1, 'd', 16, "pat" }, { 1, 'd', 17, "pse36" }, { 1, 'd', 19, "clflush" },
    { 1, 'd', 23, "mmx" }, { 1, 'd', 24, "fxsr" }, { 1, 'd', 25, "sse" }, { 1, 'd', 26, "sse2" },
    { 1, 'd', 27, "ss" }, { 1, 'd', 28, "ht" },
    { FILE_PROC_CPUID_EXT_FEATURES, 'd', 11, "syscall" }, { FILE_PROC_CPUID_EXT_FEATURES, 'd', 20, "nx" },
    { FILE_PROC_CPUID_EXT_FEATURES, 'd', 22, "mmxext" }, { FILE_PROC_CPUID_EXT_FEATURES, 'd', 26, "pdpe1gb" },
    { FILE_PROC_CPUID_EXT_FEATURES, 'd', 27, "rdtscp" }, { FILE_PROC_CPUID_EXT_FEATURES, 'd', 29, "lm" },
    { 1, 'c', 0, "pni" }, { 1, 'c', 1, "pclmulqdq" }, { 1, 'c', 9, "ssse3" }, { 1, 'c', 12, "fma" },
    { 1, 'c', 13, "cx16" }, { 1, 'c', 19, "sse4_1" }, { 1, 'c', 20, "sse4_2" }, { 1, 'c', 21, "x2apic" },
    { 1, 'c', 22, "movbe" }, { 1, 'c', 23, "popcnt" }, { 1, 'c', 25, "aes" }, { 1, 'c', 26, "xsave" },
    { 1, 'c', 28, "avx" }, { 1, 'c', 29, "f16c" }, { 1, 'c', 30, "rdrand" }, { 1, 'c', 31, "hypervisor" },
    { FILE_PROC_CPUID_EXT_FEATURES, 'c', 0, "lahf_lm" }, { FILE_PROC_CPUID_EXT_FEATURES, 'c', 5, "abm" },
    { FILE_PROC_CPUID_EXT_FEATURES, 'c', 6, "sse4a" }, { FILE_PROC_CPUID_EXT_FEATURES, 'c', 8, "3dnowprefetch" },
    { 7, 'b', 0, "fsgsbase" }, { 7, 'b', 3, "bmi1" }, { 7, 'b', 5, "avx2" }, { 7, 'b', 7, "smep" },
    { 7, 'b', 8, "bmi2" }, { 7, 'b', 9, "erms" }, { 7, 'b', 10, "invpcid" }, { 7, 'b', 16, "avx512f" },
    { 7, 'b', 18, "rdseed" }, { 7, 'b', 19, "adx" }, { 7, 'b', 20, "smap" }, { 7, 'b', 23, "clflushopt" },
    { 7, 'b', 29, "sha_ni" },
};

static uint32_t proc_cpuid_reg(uint32_t leaf, char reg)
{
    uint32_t top = cpu_cpuid(leaf & FILE_PROC_CPUID_EXT_MAX, 0).eax; /* the highest leaf of its range */
    if (leaf > top)
        return 0;
    struct cpuid_regs r = cpu_cpuid(leaf, 0);
    return reg == 'b' ? r.ebx : reg == 'c' ? r.ecx : r.edx;
}

static void proc_cpuinfo(struct proc_text *t)
{
    struct cpuid_regs v = cpu_cpuid(0, 0);
    char vendor[13];
    memcpy(vendor, &v.ebx, 4);
    memcpy(vendor + 4, &v.edx, 4);
    memcpy(vendor + 8, &v.ecx, 4);
    vendor[12] = '\0';
    char brand[49] = "";
    if (cpu_cpuid(FILE_PROC_CPUID_EXT_MAX, 0).eax >= FILE_PROC_CPUID_BRAND_FIRST + 2)
        for (uint32_t i = 0; i < 3; i++) {
            struct cpuid_regs r = cpu_cpuid(FILE_PROC_CPUID_BRAND_FIRST + i, 0);
            memcpy(brand + 16 * i, &r, 16);
        }
    brand[48] = '\0';
    const char *name = brand;
    while (*name == ' ')
        name++;
    uint32_t sig = cpu_cpuid(1, 0).eax, misc = cpu_cpuid(1, 0).ebx;
    uint32_t family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf, stepping = sig & 0xf;
    if (family == 0xf)
        family += (sig >> 20) & 0xff; /* the extended family (SDM vol. 2A, CPUID leaf 1) */
    if (family >= 6)
        model += ((sig >> 16) & 0xf) << 4;
    struct cpuid_regs as = { 0 };
    if (cpu_cpuid(FILE_PROC_CPUID_EXT_MAX, 0).eax >= FILE_PROC_CPUID_ADDRESS_SIZES)
        as = cpu_cpuid(FILE_PROC_CPUID_ADDRESS_SIZES, 0);
    uint64_t khz = clock_tsc_hz() / 1000;
    for (uint32_t cpu = 0; cpu < net_glue_node_count(); cpu++) {
        proc_printf(t, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n"
                       "stepping\t: %u\ncpu MHz\t\t: %llu.%03llu\n",
                    cpu, vendor, family, model, name, stepping, (unsigned long long)(khz / 1000),
                    (unsigned long long)(khz % 1000));
        proc_printf(t, "physical id\t: %u\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: %u\n"
                       "initial apicid\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n"
                       "flags\t\t:",
                    cpu, cpu, cpu, v.eax);
        for (size_t i = 0; i < sizeof proc_flags / sizeof proc_flags[0]; i++)
            if (proc_cpuid_reg(proc_flags[i].leaf, proc_flags[i].reg) >> proc_flags[i].bit & 1)
                proc_printf(t, " %s", proc_flags[i].name);
        proc_printf(t, "\nbogomips\t: %llu.%02llu\nclflush size\t: %u\ncache_alignment\t: %u\n"
                       "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
                    (unsigned long long)(2 * khz / 1000), (unsigned long long)(2 * khz % 1000 / 10),
                    ((misc >> 8) & 0xff) * 8, ((misc >> 8) & 0xff) * 8, as.eax & 0xff, (as.eax >> 8) & 0xff);
    }
}

/* ---- memory, time ---- */

static void proc_meminfo(struct proc_text *t)
{
    uint64_t total = frame_total_count() * PAGE_SIZE / FILE_PROC_KB, free = frame_free_count() * PAGE_SIZE / FILE_PROC_KB;
    proc_printf(t, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n",
                (unsigned long long)total, (unsigned long long)free, (unsigned long long)free);
    static const char *const zero[] = { "Buffers", "Cached", "SwapCached", "Active", "Inactive", "SwapTotal",
                                        "SwapFree", "Dirty", "Writeback", "Shmem" };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        proc_printf(t, "%s:%*s%8u kB\n", zero[i], (int)(15 - strlen(zero[i])), "", 0u);
}

static void proc_uptime(struct proc_text *t)
{
    uint64_t up = time_monotonic_ns() / (NS_PER_SEC / 100), idle = sched_idle_ns() / (NS_PER_SEC / 100);
    proc_printf(t, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 100), (unsigned long long)(up % 100),
                (unsigned long long)(idle / 100), (unsigned long long)(idle % 100));
}

/* ---- the program's own ---- */

/* Thread tid's name (the process's is its first thread's, as Linux's is its leader's);
 * once that thread has exited, the program's file name, which was its first name. */
static void proc_comm_name(int32_t tid, char out[FILE_PROC_COMM_MAX + 1])
{
    if (thread_names_lookup(tid, out))
        return;
    const char *name = path_last(file_proc_argv[0]);
    size_t len = strnlen(name, FILE_PROC_COMM_MAX);
    memcpy(out, name, len);
    out[len] = '\0';
}

static void proc_cmdline(struct proc_text *t)
{
    for (int i = 0; i < file_proc_argc && t->len < FILE_PROC_TEXT_MAX - 1; i++) {
        size_t len = strlen(file_proc_argv[i]) + 1; /* each with its NUL, as the stack holds them */
        if (len > FILE_PROC_TEXT_MAX - 1 - t->len)
            len = FILE_PROC_TEXT_MAX - 1 - t->len;
        memcpy(t->buf + t->len, file_proc_argv[i], len);
        t->len += len;
    }
}

static void proc_comm(struct proc_text *t, int32_t tid)
{
    char name[FILE_PROC_COMM_MAX + 1];
    proc_comm_name(tid, name);
    proc_printf(t, "%s\n", name);
}

/* Bytes of the program's regions. */
static uint64_t proc_regions_bytes(void)
{
    uint64_t start, end, total = 0;
    unsigned prot;
    for (size_t i = 0; uvm_region_get(i, &start, &end, &prot); i++)
        total += end - start;
    return total;
}

/* /proc/self/status, or a thread's (its name and its tid as Pid). */
static void proc_status(struct proc_text *t, int32_t tid)
{
    char name[FILE_PROC_COMM_MAX + 1];
    proc_comm_name(tid, name);
    uint32_t nodes = net_glue_node_count();
    proc_printf(t, "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t0\n"
                   "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n",
                name, files_umask_bits(), THREAD_FIRST_TID, tid, FILES_MAX_FDS);
    proc_printf(t, "VmSize:\t%8llu kB\nVmRSS:\t%8llu kB\nCpus_allowed_list:\t0-%u\n",
                (unsigned long long)(proc_regions_bytes() / FILE_PROC_KB),
                (unsigned long long)(uvm_pages_materialised() * PAGE_SIZE / FILE_PROC_KB), nodes - 1);
}

#define FILE_PROC_TICKS_PER_SEC 100ull     /* USER_HZ: stat's times are in these clock ticks */
#define FILE_PROC_PRIORITY 20              /* stat's priority of a nice-0 SCHED_OTHER task */
#define FILE_PROC_EXIT_SIGNAL 17           /* SIGCHLD: what a parent would be told */
#define FILE_PROC_RSS_UNLIMITED UINT64_MAX /* RLIM_INFINITY: stat's rsslim */
static uint64_t file_proc_start_ns;        /* when the program started, on the boot clock */

/* /proc/self/stat (proc(5)): its 52 fields, those this kernel keeps filled in; a thread's
 * has its tid and name, the rest is the process's. */
static void proc_stat(struct proc_text *t, int32_t tid)
{
    char name[FILE_PROC_COMM_MAX + 1];
    proc_comm_name(tid, name);
    uint64_t tick_ns = NS_PER_SEC / FILE_PROC_TICKS_PER_SEC, brk_base, brk_end;
    uvm_brk_bounds(&brk_base, &brk_end);
    proc_printf(t, "%d (%s) R 0 %d %d 0 -1 0 0 0 0 0 %llu 0 0 0 %d 0 %d 0 %llu %llu %llu %llu ", tid, name,
                THREAD_FIRST_TID, THREAD_FIRST_TID, (unsigned long long)(sched_process_cpu_ns() / tick_ns),
                FILE_PROC_PRIORITY, thread_names_count(), (unsigned long long)(file_proc_start_ns / tick_ns),
                (unsigned long long)proc_regions_bytes(), (unsigned long long)uvm_pages_materialised(),
                (unsigned long long)FILE_PROC_RSS_UNLIMITED);
    /* startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan
     * nswap cnswap, then exit_signal processor rt_priority policy blkio guest cguest,
     * start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
    proc_printf(t, "0 0 %llu 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0 0 %llu 0 0 0 0 0\n", (unsigned long long)UVM_STACK_TOP,
                FILE_PROC_EXIT_SIGNAL, (unsigned long long)brk_base);
}

/* /proc/self/statm: pages in all, resident, shared, text, library, data, dirty. */
static void proc_statm(struct proc_text *t)
{
    uint64_t size = proc_regions_bytes() / PAGE_SIZE;
    proc_printf(t, "%llu %llu 0 0 0 %llu 0\n", (unsigned long long)size, (unsigned long long)uvm_pages_materialised(),
                (unsigned long long)size);
}

static void proc_maps(struct proc_text *t)
{
    uint64_t start, end, brk_base, brk_end;
    unsigned prot;
    uvm_brk_bounds(&brk_base, &brk_end);
    for (size_t i = 0; uvm_region_get(i, &start, &end, &prot); i++) {
        char line[FILE_PROC_MAPS_PATH_COLUMN + 1];
        int col = fmt_snprintf(line, sizeof line, "%08llx-%08llx %c%c%c%c 00000000 00:00 0", (unsigned long long)start,
                               (unsigned long long)end, (prot & LINUX_PROT_READ) ? 'r' : '-',
                               (prot & LINUX_PROT_WRITE) ? 'w' : '-', (prot & LINUX_PROT_EXEC) ? 'x' : '-',
                               (prot & UVM_PROT_SHARED_FILE) ? 's' : 'p');
        const char *name = end == UVM_STACK_TOP                                    ? "[stack]"
                           : start >= brk_base && end <= PAGE_ALIGN_UP(brk_end) ? "[heap]"
                                                                                  : NULL;
        if (name)
            proc_printf(t, "%s%*s%s\n", line, col < FILE_PROC_MAPS_PATH_COLUMN ? FILE_PROC_MAPS_PATH_COLUMN - col : 1,
                        "", name);
        else
            proc_printf(t, "%s\n", line);
    }
}

int64_t file_proc_generate(unsigned kind, int32_t tid, struct file_node *out)
{
    struct proc_text t = { .buf = kmalloc(FILE_PROC_TEXT_MAX), .len = 0 };
    if (!t.buf)
        return -LINUX_ENOMEM;
    switch (kind) {
    case FILE_PROC_CPUINFO:
        proc_cpuinfo(&t);
        break;
    case FILE_PROC_MEMINFO:
        proc_meminfo(&t);
        break;
    case FILE_PROC_UPTIME:
        proc_uptime(&t);
        break;
    case FILE_PROC_CMDLINE:
        proc_cmdline(&t);
        break;
    case FILE_PROC_COMM:
        proc_comm(&t, tid);
        break;
    case FILE_PROC_STATUS:
        proc_status(&t, tid);
        break;
    case FILE_PROC_MAPS:
        proc_maps(&t);
        break;
    case FILE_PROC_STAT:
        proc_stat(&t, tid);
        break;
    case FILE_PROC_STATM:
        proc_statm(&t);
        break;
    default:
        break;
    }
    int64_t r = t.len ? file_store_write(out, 0, t.buf, t.len) : 0;
    kfree(t.buf);
    return r < 0 ? r : 0;
}

/* ---- the nodes ---- */

static void file_proc_node(bool ok, const char *path)
{
    if (!ok)
        log_warn("proc: no %s (the file table is full)", path);
}

void file_proc_add(const struct boot_info *info, int argc, char *const argv[])
{
    file_proc_argc = argc;
    file_proc_argv = argv;
    file_proc_start_ns = clock_boot_ns();
    static const struct {
        const char *path;
        enum file_proc_kind kind;
        uint32_t mode;
    } files[] = {
        { "/proc/cpuinfo", FILE_PROC_CPUINFO, FILE_PROC_FILE_MODE },
        { "/proc/meminfo", FILE_PROC_MEMINFO, FILE_PROC_FILE_MODE },
        { "/proc/uptime", FILE_PROC_UPTIME, FILE_PROC_FILE_MODE },
        { "/proc/1/cmdline", FILE_PROC_CMDLINE, FILE_PROC_FILE_MODE },
        { "/proc/1/comm", FILE_PROC_COMM, FILE_PROC_COMM_MODE },
        { "/proc/1/status", FILE_PROC_STATUS, FILE_PROC_FILE_MODE },
        { "/proc/1/maps", FILE_PROC_MAPS, FILE_PROC_FILE_MODE },
        { "/proc/1/stat", FILE_PROC_STAT, FILE_PROC_FILE_MODE },
        { "/proc/1/statm", FILE_PROC_STATM, FILE_PROC_FILE_MODE },
    };
    file_proc_node(file_store_mkdir("/proc", FILE_PROC_DIR_MODE) == 0, "/proc");
    file_proc_node(file_store_mkdir("/proc/1", FILE_PROC_DIR_MODE) == 0, "/proc/1");
    file_proc_node(file_store_symlink("/proc/self", "1", 1) == 0, "/proc/self");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        file_proc_node(file_store_add_generated(files[i].path, files[i].kind, files[i].mode), files[i].path);
    /* The program's ELF file, read-only (module 0's bytes), under /bin by its name. */
    const struct boot_module *m = &info->modules[0];
    fmt_snprintf(file_proc_exe, sizeof file_proc_exe, "%s/%s", FILE_PROC_EXE_DIR, path_last(argv[0]));
    bool exe = file_store_add_module(file_proc_exe + 1, strlen(file_proc_exe + 1), phys_to_virt(m->start),
                                     m->end - m->start);
    if (!exe)
        log_warn("proc: the program's file is not at %s (the name is taken, or the table full)", file_proc_exe);
    file_proc_node(file_store_symlink("/proc/1/exe", file_proc_exe, strlen(file_proc_exe)) == 0, "/proc/1/exe");
    file_proc_node(files_proc_fd_add(), "/proc/1/fd (or a /dev link to it)");
    file_proc_node(files_proc_task_add(), "/proc/1/task");
}
