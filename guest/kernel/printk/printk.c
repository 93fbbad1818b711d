// SPDX-License-Identifier: GPL-2.0
/*
 * printk() to the serial console, synchronously. A message's level comes from its KERN_*
 * prefix (KERN_SOH + digit); messages at console_loglevel or above are dropped. tlbemu's
 * default console_loglevel is 8 (everything, KERN_DEBUG included); "loglevel=N" lowers it.
 * Output is deterministic: no timestamps unless "printk.time=1", and then the time is the TSC
 * (tlbemu's TSC counts retired instructions) read as nanoseconds.
 *
 * The console lock is taken with interrupts off and without touching the preemption count,
 * so printk() is never a preemption (and thus migration) point.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/spinlock.h>
#include <asm/special_insns.h>

void early_serial_write(const char *s, size_t n);

int console_loglevel = 8;
static bool printk_time;
static bool last_printed = true;
static arch_spinlock_t logbuf_lock;

void __init printk_setup(void)
{
	const char *v = cmdline_get_value("loglevel", NULL);

	if (v)
		console_loglevel = (int)simple_strtoul(v, NULL, 10);
	if ((v = cmdline_get_value("printk.time", NULL)))
		printk_time = *v == '1' || *v == 'y' || *v == 'Y';
}

int vprintk(const char *fmt, va_list args)
{
	char buf[1024];
	char stamp[32];
	const char *text = buf;
	int level = MESSAGE_LOGLEVEL_DEFAULT;
	bool cont = false, show;
	unsigned long flags;
	int n, len;

	n = vsnprintf(buf, sizeof(buf), fmt, args);
	while (text[0] == KERN_SOH_ASCII && text[1]) {
		if (text[1] >= '0' && text[1] <= '7')
			level = text[1] - '0';
		else if (text[1] == 'c')
			cont = true;
		text += 2;
	}
	len = (int)strlen(text);

	local_irq_save(flags);
	arch_spin_lock(&logbuf_lock);
	show = cont ? last_printed : level < console_loglevel;
	if (!cont)
		last_printed = show;
	if (show) {
		if (printk_time && !cont) {
			u64 ns = rdtsc();
			int m = snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
					 ns / 1000000000ULL, (ns % 1000000000ULL) / 1000ULL);

			early_serial_write(stamp, m);
		}
		early_serial_write(text, len);
	}
	arch_spin_unlock(&logbuf_lock);
	local_irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vprintk(fmt, args);
	va_end(args);
	return n;
}
