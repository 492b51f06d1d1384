/* SPDX-License-Identifier: MIT */
/* HOT_LOOP: the functions whose loops run many iterations per call (copies, checksums, the
 * transport MAC) are kept together in the first page of .text (linker.ld, which checks
 * that they fit). QEMU's TCG chains a translated block straight to the next only when both
 * lie in one guest page (translator_use_goto_tb); a loop whose body crosses a page boundary
 * goes back to the dispatcher on every iteration. Measured here: the MAC of a 4 KiB message
 * took 12.9-15.7 us in builds where nh_hash happened to cross a page, 3.1-5.0 us where it
 * did not, and which builds those were changed with any edit of the kernel. Portable: on
 * the host the macro is empty. */
#ifndef KERNEL_HOT_LOOP_H
#define KERNEL_HOT_LOOP_H

#ifdef DSMK_HOST
#define HOT_LOOP
#else
#define HOT_LOOP __attribute__((section(".text.hot_loop"), noinline))
#endif

#endif
