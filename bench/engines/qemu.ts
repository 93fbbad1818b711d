// QEMU system emulation (TCG) booting the same image through its PVH entry (boot/pvh). The image reads
// the time-stamp counter at its two markers and prints the difference of each repetition; QEMU's TCG
// RDTSC reads the host's TSC, so ticks / (the host's TSC rate, measured by the native helper) are the
// seconds of the measured region, without QEMU's start-up or the firmware's.
import { spawnSync } from 'node:child_process';
import { EngineFailed, EngineSkipped, ImageResult, ImageSpec } from './types.js';

export const QEMU = process.env.TLBEMU_QEMU || 'qemu-system-x86_64';

/** QEMU's version line, or a one-line reason it cannot be used. */
export function qemuStatus(): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    return { ok: false, reason: `${QEMU} is not installed (apt-get install -y qemu-system-x86)` };
  }
  return { ok: true, version: r.stdout.split('\n')[0].trim() };
}

export function qemuArgs(spec: ImageSpec): string[] {
  return [
    '-kernel', spec.image, '-append', spec.cmdline,
    '-machine', 'pc', '-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', `${Math.ceil(spec.memBytes / 2 ** 20)}M`,
    '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-nodefaults',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  ];
}

export function runOnQemu(spec: ImageSpec, tscHz: number): ImageResult {
  if (spec.cpus !== 1) throw new EngineSkipped('the PVH entry starts one CPU');
  if (spec.paging !== 4) throw new EngineSkipped('the PVH entry enters with 4-level paging');
  if (spec.tlb !== undefined) throw new EngineSkipped('QEMU has no TLB-size option');
  const r = spawnSync(QEMU, qemuArgs(spec), { encoding: 'latin1', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new EngineFailed(`qemu: ${r.error.message}`);
  const out = r.stdout ?? '';
  // isa-debug-exit: a write of 0 ends QEMU with status 1
  if (r.status !== 1 || !/bench: done/.test(out)) {
    throw new EngineFailed(`qemu: status ${r.status}; ${(out + (r.stderr ?? '')).trim().split('\n').slice(-3).join(' | ')}`);
  }
  const seconds: number[] = [];
  for (const m of out.matchAll(/^bench: rep (\d+) tsc (\d+)\s*$/gm)) seconds[Number(m[1])] = Number(m[2]) / tscHz;
  if (seconds.length !== spec.reps || seconds.some((s) => s === undefined)) {
    throw new EngineFailed(`qemu: ${seconds.length} repetitions reported, expected ${spec.reps}`);
  }
  return { seconds };
}
