// SPDX-License-Identifier: GPL-2.0
/*
 * String and memory helpers. memset/memcpy use rep stos/movs: gcc calls them for struct
 * copies and the page-table code zeroes whole pages (clear_page: rep stosq, 512 quadwords).
 */
#include <linux/types.h>
#include <linux/string.h>
#include <asm/page.h>

void *memset(void *s, int c, size_t n)
{
	void *d = s;

	__asm__ __volatile__("rep stosb"
			     : "+D" (d), "+c" (n) : "a" (c) : "memory");
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ __volatile__("rep movsb"
			     : "+D" (d), "+S" (src), "+c" (n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr_inv(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

void clear_page(void *page)
{
	unsigned long cnt = PAGE_SIZE / 8;
	void *d = page;

	__asm__ __volatile__("rep stosq"
			     : "+D" (d), "+c" (cnt) : "a" (0UL) : "memory");
}

void copy_page(void *to, void *from)
{
	unsigned long cnt = PAGE_SIZE / 8;

	__asm__ __volatile__("rep movsq"
			     : "+D" (to), "+S" (from), "+c" (cnt) : : "memory");
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s != (char)c; s++)
		if (!*s)
			return NULL;
	return (char *)s;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len >= size ? size - 1 : len;

		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
