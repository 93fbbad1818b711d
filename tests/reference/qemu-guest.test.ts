// The guest kernel variants (guest/build/tlbemu-kernel-*.elf, built by tests/global-setup.ts with the PVH
// entry linked in) on tlbemu (`tlbemu run`, one CPU) and on QEMU 7.2 (TCG, pc machine with an NVDIMM
// for pmem=4G@8G: the PVH entry turns its NFIT range into the e820 type-7 entry the guest wants). Serial
// output and exit status must agree apart from the listed differences (ALLOWED_DIFFERENCES in
// emulator/reference/qemu.ts): the CPU identification lines and the tick count, plus the number of stale
// translations after a teardown without flush. Every run uses `noinvpcid` (see GUEST_TLBEMU_ONLY).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { ALLOWED_DIFFERENCES, normalizeAllowed, qemuVersion, runQemu } from '../../emulator/reference/qemu.js';

const GiB = 2 ** 30;
const VARIANTS = ['v4.19', 'v1', 'v2', 'upstream'] as const;
type Variant = (typeof VARIANTS)[number];
const PMEM = { base: 8 * GiB, size: 4 * GiB };

interface Workload {
  cmdline: string;
  variants: readonly Variant[];
  /** debug-exit status (ABI.md: 0 pass, 1 crash, 2 self-check, 3 stale translations) -> (v << 1) | 1 */
  status: number;
  allowed: string[];
  raw?: (variant: Variant, tlbemu: string, qemu: string) => void;
}

const BASE = ['cpu-identity', 'lapic-timer-ticks'];

const WORKLOADS: Workload[] = [
  {
    cmdline: 'pmem=4G@8G noinvpcid', variants: VARIANTS, status: 1, allowed: BASE,
    raw: (v, t, q) => {
      // the hot-add path reaches the tlbflush.h:460 warning on both machines, in v4.19 only
      const warn = 'WARNING: CPU: 0 PID: 911 at ./arch/x86/include/asm/tlbflush.h:460 __flush_tlb_all+';
      expect(t.includes(warn)).toBe(v === 'v4.19');
      expect(q.includes(warn)).toBe(v === 'v4.19');
      expect(q).toContain('BIOS-e820: [mem 0x0000000200000000-0x00000002ffffffff] persistent (type 7)\n');
      expect(q).toContain('tlbemu: result PASS (debug-exit 0)\n');
    },
  },
  { cmdline: 'pmem=4G@8G noinvpcid remap', variants: VARIANTS, status: 1, allowed: BASE },
  {
    cmdline: 'pmem=4G@8G noinvpcid change', variants: VARIANTS, status: 1, allowed: BASE,
    raw: (v, _t, q) => expect(q.includes('at ./arch/x86/include/asm/pgalloc.h:87')).toBe(v === 'v1' || v === 'v2'),
  },
  { cmdline: 'pmem=4G@8G noinvpcid change-noflush', variants: ['v2'], status: 1, allowed: BASE },
  {
    cmdline: 'pmem=4G@8G noinvpcid noflush-teardown', variants: ['v4.19', 'upstream'], status: 7,
    allowed: [...BASE, 'tlb-capacity'],
    raw: (_v, t, q) => {
      // both machines keep stale translations of the removed range; how many is the TLB's business
      const hits = (s: string) => Number(/after teardown: 2048 probes, (\d+) stale hits/.exec(s)?.[1]);
      expect(hits(t)).toBe(2048);
      expect(hits(q)).toBeGreaterThan(0);
      expect(hits(q)).toBeLessThanOrEqual(2048);
    },
  },
  { cmdline: 'ptdump noinvpcid', variants: ['v2'], status: 1, allowed: BASE },
  {
    cmdline: 'bug noinvpcid', variants: ['v4.19'], status: 3, allowed: ['cpu-identity'],
    raw: (_v, _t, q) => expect(q).toMatch(/kernel BUG at/),
  },
];

/** Guest options QEMU cannot run as tlbemu does, with the reason. */
const GUEST_TLBEMU_ONLY: { what: string; reason: string; pinned?: () => Promise<void> }[] = [
  {
    what: 'readers, migrate=CPU, shootdown IPIs, change-noflush on other CPUs (tlbemu run --cpus N > 1)',
    reason: 'the PVH entry starts only CPU 0 and tells the guest cpu_count = 1, so the guest runs single-CPU ' +
      'on QEMU; everything that needs a second CPU is compared in its single-CPU form only',
  },
  {
    what: 'global flushes through INVPCID (a command line without noinvpcid)',
    reason: 'QEMU 7.2 TCG has no INVPCID (CPUID.(EAX=07H,ECX=0):EBX[10] = 0), so the guest flushes global ' +
      'entries by toggling CR4.PGE there and the summary counts a different method; `noinvpcid` makes ' +
      'tlbemu use the same method',
    pinned: async () => {
      const q = await runQemu({ image: kernel('v2'), cmdline: 'pmem=4G@8G', pmem: [PMEM], timeoutMs: 30_000 });
      expect(q.serial).toContain('CR4.PGE-toggle global flushes');
      const t = runCli(['run', '--pmem', '4G@8G', '--cmdline', 'pmem=4G@8G', kernel('v2')]);
      expect(t.stdout).toContain('INVPCID global flushes');
    },
  },
  {
    what: 'printk.time=1, lapic_period=N',
    reason: 'timestamps read the TSC and the tick follows the LAPIC timer: tlbemu counts retired instructions ' +
      '(DESIGN.md, Determinism), QEMU\'s TSC follows the host clock and its TCG has no x2APIC timer',
  },
  {
    what: 'tlbemu run --paging 5',
    reason: 'the PVH entry enters the image with 4-level paging (boot-info paging_levels = 4)',
  },
];

function kernel(v: Variant): string {
  return join(REPO_ROOT, 'guest', 'build', `tlbemu-kernel-${v}.elf`);
}

beforeAll(() => {
  qemuVersion(); // a missing QEMU fails here with one line naming the install command
});

const RUNS = WORKLOADS.flatMap((w) => w.variants.map((v) => [`${v}: "${w.cmdline}"`, v, w] as const));

describe('guest kernel variants on tlbemu and on QEMU', () => {
  it.each(RUNS)('%s', async (_name, v, w) => {
    const pmem = /\bpmem=/.test(w.cmdline) ? [PMEM] : [];
    const q = await runQemu({ image: kernel(v), cmdline: w.cmdline, pmem, timeoutMs: 30_000 });
    const t = runCli(['run', '--cpus', '1', ...(pmem.length ? ['--pmem', '4G@8G'] : []), '--cmdline', w.cmdline, kernel(v)]);
    expect(t.status, t.stderr).toBe(w.status);
    expect(q.status, `QEMU ended by ${q.end}; ${q.stderr}`).toBe(w.status);
    expect(t.stdout).toMatch(/^Linux version /);
    for (const id of w.allowed) {
      const d = ALLOWED_DIFFERENCES.find((x) => x.id === id)!;
      expect(d.pattern.test(t.stdout) && d.pattern.test(q.serial), `${id} applies to this output`).toBe(true);
    }
    w.raw?.(v, t.stdout, q.serial);
    expect(normalizeAllowed(q.serial, w.allowed)).toBe(normalizeAllowed(t.stdout, w.allowed));
  });

  it.each(GUEST_TLBEMU_ONLY.filter((x) => x.pinned).map((x) => [x.what, x] as const))('%s: the reason holds', async (_n, x) => {
    await x.pinned!();
  });

  it('lists every tlbemu-only option with a reason', () => {
    expect(GUEST_TLBEMU_ONLY.length).toBeGreaterThan(0);
    for (const x of GUEST_TLBEMU_ONLY) expect(x.reason.length).toBeGreaterThan(40);
  });
});
