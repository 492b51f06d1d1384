/* SPDX-License-Identifier: MIT */
/* In-kernel tests of the thread list (kernel/thread_names.c), through files_execute as a
 * peer's shipped call arrives: a child is named as its creator, a rename keeps a name's
 * first bytes, a thread gone is not found, and malformed calls are refused without changing
 * the list. Uses tids no program thread has and takes them off again. */
#include "kernel/files.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/thread_names.h"

#define THREAD_NAMES_KTEST_CREATOR 0x7ffffff0 /* above every tid kernel/dsm_threads.c makes */
#define THREAD_NAMES_KTEST_CHILD (THREAD_NAMES_KTEST_CREATOR + 1)
#define THREAD_NAMES_KTEST_UNKNOWN_OP 99

static int64_t thread_names_ktest_call(uint64_t op, int32_t tid, uint64_t arg2, const char *in, uint32_t len,
                                       char out[THREAD_COMM_LEN])
{
    struct files_call c = { .op = FILES_OP_THREAD, .fd = tid, .arg = op, .arg2 = arg2, .len = len,
                            .in = (const uint8_t *)in };
    size_t n;
    return files_execute(&c, out, &n);
}

KTEST(thread_names_child_takes_creator_name_and_renames_keep_fifteen_bytes)
{
    char name[THREAD_COMM_LEN];
    if (!KT_EXPECT(thread_names_add_first(THREAD_NAMES_KTEST_CREATOR, "creator")))
        return;
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_BORN, THREAD_NAMES_KTEST_CHILD, THREAD_NAMES_KTEST_CREATOR,
                                         NULL, 0, name),
                 0);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GET_NAME, THREAD_NAMES_KTEST_CHILD, 0, NULL, 0, name), 0);
    KT_EXPECT(strcmp(name, "creator") == 0);
    KT_EXPECT(thread_names_rename(THREAD_NAMES_KTEST_CHILD, "abcdefghijklmnopqrst", 20));
    KT_EXPECT(thread_names_lookup(THREAD_NAMES_KTEST_CHILD, name) && strcmp(name, "abcdefghijklmno") == 0);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_SET_NAME, THREAD_NAMES_KTEST_CHILD, 0, "new\0tail", 8, name), 0);
    KT_EXPECT(thread_names_lookup(THREAD_NAMES_KTEST_CHILD, name) && strcmp(name, "new") == 0);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GONE, THREAD_NAMES_KTEST_CHILD, 0, NULL, 0, name), 0);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GET_NAME, THREAD_NAMES_KTEST_CHILD, 0, NULL, 0, name),
                 -LINUX_ESRCH);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GONE, THREAD_NAMES_KTEST_CREATOR, 0, NULL, 0, name), 0);
}

KTEST(thread_names_refuse_malformed_calls_and_change_nothing)
{
    char name[THREAD_COMM_LEN];
    if (!KT_EXPECT(thread_names_add_first(THREAD_NAMES_KTEST_CREATOR, "kept")))
        return;
    int before = thread_names_count();
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_BORN, 0, THREAD_NAMES_KTEST_CREATOR, NULL, 0, name),
                 -LINUX_EINVAL);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_BORN, -5, THREAD_NAMES_KTEST_CREATOR, NULL, 0, name),
                 -LINUX_EINVAL);
    KT_EXPECT_EQ(thread_names_ktest_call(THREAD_NAMES_KTEST_UNKNOWN_OP, THREAD_NAMES_KTEST_CREATOR, 0, NULL, 0, name),
                 -LINUX_EINVAL);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_SET_NAME, THREAD_NAMES_KTEST_CREATOR, 0, "0123456789abcdef",
                                         THREAD_COMM_LEN, name),
                 -LINUX_EINVAL);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GONE, THREAD_NAMES_KTEST_CREATOR, 0, "x", 1, name),
                 -LINUX_EINVAL);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_BORN, THREAD_NAMES_KTEST_CREATOR, 0, NULL, 0, name),
                 -LINUX_EEXIST);
    KT_EXPECT_EQ(thread_names_count(), before);
    KT_EXPECT(thread_names_lookup(THREAD_NAMES_KTEST_CREATOR, name) && strcmp(name, "kept") == 0);
    KT_EXPECT_EQ(thread_names_ktest_call(FILES_THREAD_GONE, THREAD_NAMES_KTEST_CREATOR, 0, NULL, 0, name), 0);
}
