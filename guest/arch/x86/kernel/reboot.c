// SPDX-License-Identifier: GPL-2.0
/*
 * Stopping the machine: isa-debug-exit (port 0xF4). A write of v ends the run with process
 * exit status (v << 1) | 1. Codes used by this kernel (guest/ABI.md):
 *   0  success: the workload ran and every self-check passed
 *   1  crash: BUG(), oops, panic, unexpected exception
 *   2  a workload self-check failed (data mismatch, stale translation after a flushed teardown)
 *   3  stale translations were used after a teardown without flush (noflush-teardown)
 *   4  bad boot information or command line
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <asm/io.h>

#define TLBEMU_DEBUG_EXIT_PORT	0xf4

void __noreturn machine_exit(int code)
{
	local_irq_disable();
	outb((u8)code, TLBEMU_DEBUG_EXIT_PORT);
	/* the device stops the machine; if it is absent, park this CPU */
	for (;;)
		native_halt();
}
