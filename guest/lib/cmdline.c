// SPDX-License-Identifier: GPL-2.0
/*
 * Number parsing for the command line: simple_strtoul(), memparse() ("4G", "512M", "0x1000").
 */
#include <linux/kernel.h>

unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	unsigned long result = 0;

	if (!base) {
		base = 10;
		if (cp[0] == '0') {
			base = 8;
			if (cp[1] == 'x' || cp[1] == 'X') {
				base = 16;
				cp += 2;
			}
		}
	} else if (base == 16 && cp[0] == '0' && (cp[1] == 'x' || cp[1] == 'X')) {
		cp += 2;
	}

	for (;; cp++) {
		unsigned int v;

		if (*cp >= '0' && *cp <= '9')
			v = *cp - '0';
		else if (*cp >= 'a' && *cp <= 'f')
			v = *cp - 'a' + 10;
		else if (*cp >= 'A' && *cp <= 'F')
			v = *cp - 'A' + 10;
		else
			break;
		if (v >= base)
			break;
		result = result * base + v;
	}
	if (endp)
		*endp = (char *)cp;
	return result;
}

unsigned long long memparse(const char *ptr, char **retptr)
{
	char *endptr;
	unsigned long long ret = simple_strtoul(ptr, &endptr, 0);

	switch (*endptr) {
	case 'E': case 'e':
		ret <<= 10;
		/* fall through */
	case 'P': case 'p':
		ret <<= 10;
		/* fall through */
	case 'T': case 't':
		ret <<= 10;
		/* fall through */
	case 'G': case 'g':
		ret <<= 10;
		/* fall through */
	case 'M': case 'm':
		ret <<= 10;
		/* fall through */
	case 'K': case 'k':
		ret <<= 10;
		endptr++;
		/* fall through */
	default:
		break;
	}
	if (retptr)
		*retptr = endptr;
	return ret;
}
