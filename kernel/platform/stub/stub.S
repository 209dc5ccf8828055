/* The stub: the only code a new guest process starts with. It is exec'd
 * under PTRACE_TRACEME, so it stops before its first instruction; the kernel
 * then drives it. The gadget below is where the kernel points a stopped
 * thread to make a host system call on the kernel's orders. Its offsets
 * are fixed: platform/ptrace.c relies on them. */
	.text
	.globl _start
_start:				/* offset 0: never reached by guest code */
	int3
	int3
	int3
	int3
	.org 0x10
stub_syscall:			/* offset 0x10: syscall; int3 */
	syscall
	int3
	.org 0x20
stub_halt:			/* offset 0x20: park forever if ever entered */
	int3
	jmp stub_halt
	/* A page the kernel writes arguments into (paths for host calls). */
	.data
	.globl stub_scratch
stub_scratch:
	.space 4096
	.section .note.GNU-stack,"",@progbits
