; SPDX-License-Identifier: MIT
; arch/x86_64/syscall_entry.asm: the SYSCALL entry point (SDM vol. 3 5.8.8; AMD APM vol. 2
; 6.1.1). On entry RCX = user RIP, R11 = user RFLAGS, RSP = user stack, and SFMASK has
; cleared IF/DF/TF/AC. We switch to the running thread's kernel stack and push a struct
; trap_frame (arch/trap.h) identical in layout to an interrupt's, so the thread's user
; state is always found in one place. Return is by SYSRET; RIP is canonical because it
; came from RCX, and syscall_dispatch never hands back a non-canonical one (the sysret
; #GP-in-ring-0 hazard); rt_sigreturn asks for IRETQ instead, which restores RCX and R11. No swapgs: the kernel keeps nothing in GS (one CPU per node).

GDT_USER_DATA equ 0x1b
GDT_USER_CODE equ 0x23
SYSCALL_FRAME_VECTOR equ 0x100

extern syscall_dispatch
extern syscall_kernel_rsp

section .bss
align 8
syscall_user_rsp: resq 1          ; scratch: interrupts are off from entry to the stack switch
global syscall_return_by_iret
syscall_return_by_iret: resb 1    ; set by rt_sigreturn: leave by IRETQ (kernel/syscall.h)

section .text
bits 64
%include "arch/trap_frame.inc"

global syscall_entry
syscall_entry:
    mov [rel syscall_user_rsp], rsp
    mov rsp, [rel syscall_kernel_rsp]
    push qword GDT_USER_DATA       ; ss
    push qword [rel syscall_user_rsp] ; rsp
    push r11                       ; rflags
    push qword GDT_USER_CODE       ; cs
    push rcx                       ; rip
    push qword 0                   ; error_code
    push qword SYSCALL_FRAME_VECTOR
    TRAP_FRAME_PUSH_REGS
    mov rdi, rsp                   ; struct trap_frame *; 22 quadwords keep RSP 16-aligned
    call syscall_dispatch
    cmp byte [rel syscall_return_by_iret], 0
    jne .return_by_iret
    TRAP_FRAME_POP_REGS
    add rsp, 16                    ; vector, error_code
    mov rcx, [rsp]                 ; rip
    mov r11, [rsp + 16]            ; rflags
    mov rsp, [rsp + 24]            ; user rsp; no interrupt can arrive before sysret (IF=0)
    o64 sysret

; Every register from the frame, RCX and R11 included (a context rt_sigreturn restored may
; have been interrupted by a fault, not a syscall). The frame holds user CS and SS.
.return_by_iret:
    mov byte [rel syscall_return_by_iret], 0
    TRAP_FRAME_POP_REGS
    add rsp, 16                    ; vector, error_code
    iretq

section .note.GNU-stack noalloc noexec nowrite progbits
