// SPDX-License-Identifier: GPL-2.0
/*
 * vsnprintf() with the kernel's extensions used here:
 *   %pS  symbol+0xoffset/0xsize        %ps  symbol
 *   %pB  like %pS for a return address (looked up at address - 1)
 *   %px / %p  the raw pointer, 16 hex digits
 * Integer conversions d i u x X o c s %, flags - 0 # + space, width/precision (also *),
 * length modifiers hh h l ll z.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/kallsyms.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* characters produced (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

#define F_LEFT	1
#define F_ZERO	2
#define F_ALT	4
#define F_PLUS	8
#define F_SPACE	16
#define F_UPPER	32

static void put_number(struct out *o, unsigned long long num, bool negative, unsigned int base,
		       int width, int precision, unsigned int flags)
{
	const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char sign = 0;
	const char *prefix = "";
	int n = 0, len, pad;

	if (negative)
		sign = '-';
	else if (flags & F_PLUS)
		sign = '+';
	else if (flags & F_SPACE)
		sign = ' ';
	if ((flags & F_ALT) && base == 16)
		prefix = (flags & F_UPPER) ? "0X" : "0x";
	else if ((flags & F_ALT) && base == 8 && num)
		prefix = "0";

	do {
		tmp[n++] = digits[num % base];
		num /= base;
	} while (num);
	if (precision == 0 && n == 1 && tmp[0] == '0')
		n = 0;

	len = n > precision ? n : precision;
	len += (sign ? 1 : 0) + (int)strlen(prefix);
	pad = width > len ? width - len : 0;

	if (!(flags & F_LEFT) && !(flags & F_ZERO))
		while (pad-- > 0)
			put(o, ' ');
	if (sign)
		put(o, sign);
	while (*prefix)
		put(o, *prefix++);
	if (!(flags & F_LEFT) && (flags & F_ZERO))
		while (pad-- > 0)
			put(o, '0');
	while (precision-- > n)
		put(o, '0');
	while (n--)
		put(o, tmp[n]);
	if (flags & F_LEFT)
		while (pad-- > 0)
			put(o, ' ');
}

static void put_string(struct out *o, const char *s, int width, int precision, unsigned int flags)
{
	int len, pad;

	if (!s)
		s = "(null)";
	len = (int)strnlen(s, precision < 0 ? (size_t)-1 : (size_t)precision);
	pad = width > len ? width - len : 0;
	if (!(flags & F_LEFT))
		while (pad-- > 0)
			put(o, ' ');
	while (len--)
		put(o, *s++);
	if (flags & F_LEFT)
		while (pad-- > 0)
			put(o, ' ');
}

static void put_symbol(struct out *o, unsigned long addr, char kind)
{
	unsigned long lookup = kind == 'B' ? addr - 1 : addr;
	unsigned long size, offset;
	const char *name = kallsyms_lookup(lookup, &size, &offset);
	char tmp[40];

	if (!name) {
		snprintf(tmp, sizeof(tmp), "0x%lx", addr);
		put_string(o, tmp, 0, -1, 0);
		return;
	}
	if (kind == 'B')
		offset += 1;
	put_string(o, name, 0, -1, 0);
	if (kind == 's')
		return;
	snprintf(tmp, sizeof(tmp), "+0x%lx/0x%lx", offset, size);
	put_string(o, tmp, 0, -1, 0);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		unsigned int flags = 0;
		int width = -1, precision = -1, qual = 0;
		unsigned long long num;
		bool negative = false;
		unsigned int base = 10;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}

		/* flags */
		for (;;) {
			fmt++;
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '#')
				flags |= F_ALT;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else
				break;
		}
		/* width */
		if (*fmt == '*') {
			width = va_arg(args, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = (width < 0 ? 0 : width * 10) + (*fmt++ - '0');
		}
		/* precision */
		if (*fmt == '.') {
			fmt++;
			precision = 0;
			if (*fmt == '*') {
				precision = va_arg(args, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					precision = precision * 10 + (*fmt++ - '0');
			}
			if (precision < 0)
				precision = -1;
		}
		/* length */
		if (*fmt == 'h') {
			qual = 'h';
			fmt++;
			if (*fmt == 'h') {
				qual = 'H';
				fmt++;
			}
		} else if (*fmt == 'l') {
			qual = 'l';
			fmt++;
			if (*fmt == 'l') {
				qual = 'L';
				fmt++;
			}
		} else if (*fmt == 'z') {
			qual = 'l';
			fmt++;
		}

		switch (*fmt) {
		case 'c':
			put(&o, (char)va_arg(args, int));
			continue;
		case 's':
			put_string(&o, va_arg(args, const char *), width, precision, flags);
			continue;
		case 'p': {
			unsigned long p = (unsigned long)va_arg(args, void *);

			if (fmt[1] == 'S' || fmt[1] == 's' || fmt[1] == 'B') {
				fmt++;
				put_symbol(&o, p, *fmt);
				continue;
			}
			if (fmt[1] == 'x')
				fmt++;
			put_number(&o, p, false, 16, 16, -1, F_ZERO);
			continue;
		}
		case '%':
			put(&o, '%');
			continue;
		case 'o':
			base = 8;
			break;
		case 'X':
			flags |= F_UPPER;
			/* fall through */
		case 'x':
			base = 16;
			break;
		case 'd':
		case 'i':
		case 'u':
			break;
		case 0:
			fmt--;
			continue;
		default:
			put(&o, '%');
			put(&o, *fmt);
			continue;
		}

		if (precision >= 0)
			flags &= ~F_ZERO;
		if (*fmt == 'd' || *fmt == 'i') {
			long long v;

			if (qual == 'L')
				v = va_arg(args, long long);
			else if (qual == 'l')
				v = va_arg(args, long);
			else if (qual == 'h')
				v = (short)va_arg(args, int);
			else if (qual == 'H')
				v = (signed char)va_arg(args, int);
			else
				v = va_arg(args, int);
			negative = v < 0;
			num = negative ? -(unsigned long long)v : (unsigned long long)v;
		} else {
			if (qual == 'L')
				num = va_arg(args, unsigned long long);
			else if (qual == 'l')
				num = va_arg(args, unsigned long);
			else if (qual == 'h')
				num = (unsigned short)va_arg(args, unsigned int);
			else if (qual == 'H')
				num = (unsigned char)va_arg(args, unsigned int);
			else
				num = va_arg(args, unsigned int);
		}
		put_number(&o, num, negative, base, width, precision, flags);
	}

	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	if (!size)
		return 0;
	return n < (int)size ? n : (int)size - 1;
}
