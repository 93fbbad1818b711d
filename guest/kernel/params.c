// SPDX-License-Identifier: GPL-2.0
/*
 * The boot command line as a list of "key" and "key=value" words. Options of this kernel:
 *
 *   loglevel=N  printk.time=1  noinvpcid  nogbpages  lapic_period=N (instructions, 0 = no tick)
 *   pmem=SIZE@ADDR (repeatable)  hotplug=add[,remove]  repeat=N  ptdump  remap  change
 *   noflush-teardown  migrate=CPU[:SKIP]  noreader
 *
 * (see tlbemu/workload.c and guest/ABI.md)
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <asm/tlbemu_boot.h>

#define MAX_PARAMS 64

static char param_buf[COMMAND_LINE_SIZE];
static struct {
	const char *key;
	const char *value;	/* NULL for a bare word */
} params[MAX_PARAMS];
static int nr_params;

void __init parse_early_params(void)
{
	char *p = param_buf;

	strlcpy(param_buf, boot_command_line, sizeof(param_buf));
	while (*p && nr_params < MAX_PARAMS) {
		char *eq;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = 0;
		if (!*p)
			break;
		params[nr_params].key = p;
		params[nr_params].value = NULL;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = 0;
		eq = strchr(params[nr_params].key, '=');
		if (eq) {
			*eq = 0;
			params[nr_params].value = eq + 1;
		}
		nr_params++;
	}
}

bool cmdline_has_flag(const char *name)
{
	int i;

	for (i = 0; i < nr_params; i++)
		if (!strcmp(params[i].key, name))
			return true;
	return false;
}

/* the value of the first "name=" after prev_value (NULL: the first one) */
const char *cmdline_get_value(const char *name, const char *prev_value)
{
	int i = 0;

	if (prev_value) {
		for (; i < nr_params; i++)
			if (params[i].value == prev_value) {
				i++;
				break;
			}
	}
	for (; i < nr_params; i++)
		if (params[i].value && !strcmp(params[i].key, name))
			return params[i].value;
	return NULL;
}

/* is every word one this kernel knows? (unknown words are reported, not fatal) */
void __init check_unknown_params(const char *const *known, int nr_known)
{
	int i, k;

	for (i = 0; i < nr_params; i++) {
		for (k = 0; k < nr_known; k++)
			if (!strcmp(params[i].key, known[k]))
				break;
		if (k == nr_known)
			pr_warn("Unknown kernel command line parameter \"%s\", ignored\n",
				params[i].key);
	}
}
