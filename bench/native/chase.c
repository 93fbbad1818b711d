/*
 * Native floors of this host for the tlbemu benchmarks (bench/README.md):
 *   chase PAGES ACCESSES   dependent random chase of one 8-byte word per 4 KiB page over PAGES pages
 *                          (a random cyclic permutation, so every load depends on the previous one);
 *                          with 16384 pages (64 MiB) nearly every access misses the TLB, with 16 pages
 *                          every access hits it. Prints "ns_per_access <float>".
 *   tsc MILLISECONDS       ticks of the time-stamp counter per second, measured against
 *                          CLOCK_MONOTONIC over that long. Prints "tsc_hz <float>".
 * Built by bench/native.ts with the machine's gcc (-O2).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* xorshift64*: a fixed seed, so every run chases the same permutation */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int chase(long pages, long accesses)
{
	const long stride = 4096 / sizeof(uint64_t);
	uint64_t *mem, *order, p;
	long i;
	double t0, t1;

	mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(pages * sizeof(*order));
	if (mem == MAP_FAILED || !order) {
		perror("chase");
		return 1;
	}
	/* no transparent huge pages: one TLB entry per 4 KiB page, as the workload means */
	madvise(mem, pages * 4096, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		order[i] = i;
	for (i = pages - 1; i > 0; i--) {
		long j = rng() % (i + 1);
		uint64_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	/* word of page order[i] holds the index of the word of page order[i + 1]; the word's place
	   inside its page varies so that the chase does not fall into one cache set */
	for (i = 0; i < pages; i++) {
		uint64_t from = order[i] * stride + (order[i] * 7 % stride);
		uint64_t next = order[(i + 1) % pages];

		mem[from] = next * stride + (next * 7 % stride);
	}
	p = order[0] * stride + (order[0] * 7 % stride);
	for (i = 0; i < pages * 4; i++)		/* warm-up */
		p = mem[p];
	t0 = now_ns();
	for (i = 0; i < accesses; i++)
		p = mem[p];
	t1 = now_ns();
	printf("ns_per_access %.4f\n", (t1 - t0) / accesses);
	printf("checksum %llu\n", (unsigned long long)p);
	return 0;
}

static int tsc(long ms)
{
	double t0, t1;
	uint64_t c0, c1;

	t0 = now_ns();
	c0 = __rdtsc();
	do
		t1 = now_ns();
	while (t1 - t0 < ms * 1e6);
	c1 = __rdtsc();
	printf("tsc_hz %.0f\n", (c1 - c0) / ((t1 - t0) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "chase"))
		return chase(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "tsc"))
		return tsc(atol(argv[2]));
	fprintf(stderr, "usage: chase PAGES ACCESSES | tsc MILLISECONDS\n");
	return 2;
}
