// Boots a test image (tests/images/NAME.s) on an in-process Machine whose COM1 output is kept in memory.
import { readFileSync } from 'node:fs';
import { parseElf } from '../../emulator/loader/elf.js';
import { BootConfig, MiB } from '../../emulator/loader/boot.js';
import { Machine } from '../../emulator/machine/machine.js';
import { MemorySink } from '../../emulator/machine/serial.js';
import { buildImage } from './build-image.js';

export interface BootedImage {
  m: Machine;
  serial: MemorySink;
}

export function bootTestImage(name: string, o: { cpus?: number } & Partial<BootConfig> = {}): BootedImage {
  const serial = new MemorySink();
  const m = new Machine({ cpus: o.cpus ?? 1, serial });
  const image = parseElf(readFileSync(buildImage(name)));
  m.boot(image, { memBytes: o.memBytes ?? 256 * MiB, pmem: o.pmem ?? [], pagingLevels: o.pagingLevels ?? 4, cmdline: o.cmdline ?? '' });
  return { m, serial };
}
