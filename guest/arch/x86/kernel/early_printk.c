// SPDX-License-Identifier: GPL-2.0
/*
 * Console: COM1 16550 at 0x3F8, polled. A character goes to THR once LSR bit 5 (transmit
 * holding register empty) is set. No divisor setup: tlbemu's UART needs none, and on an absent
 * port LSR reads all-ones, so output never blocks.
 */
#include <linux/kernel.h>
#include <asm/io.h>

#define COM1_BASE	0x3f8
#define UART_TX		0
#define UART_LSR	5
#define UART_LSR_THRE	0x20

static void serial_putc(char c)
{
	unsigned int timeout = 0xffff;

	while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_THRE) && --timeout)
		;
	outb((u8)c, COM1_BASE + UART_TX);
}

void early_serial_write(const char *s, size_t n)
{
	while (n--)
		serial_putc(*s++);
}
