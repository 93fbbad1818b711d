// Which guest functions Linux would have in a module (the Call Trace prints them as "name [module]").
// The guest links everything into one image; its link map tells which object file each piece of text
// came from, and objects Linux builds as modules in a typical x86-64 configuration map to them.
import { readFileSync, existsSync } from 'node:fs';

/** Object files (relative to the guest's build tree) that Linux 4.19 builds as these modules. */
export const LINUX_MODULE_OBJECTS: Record<string, string> = {
  'drivers/nvdimm/pmem.o': 'nd_pmem',
};

export interface ModuleRange {
  start: bigint;
  end: bigint;
  module: string;
}

/** Text ranges of module objects found in a GNU ld link map. */
export function moduleRangesFromMap(mapText: string): ModuleRange[] {
  const out: ModuleRange[] = [];
  const re = /^\s*\.text(?:\.\S*)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$/;
  const lines = mapText.split('\n');
  for (let k = 0; k < lines.length; k++) {
    let line = lines[k];
    // ld wraps long section names: the address line follows on its own
    if (/^\s*\.text\.\S+\s*$/.test(line) && k + 1 < lines.length) line = line.trimEnd() + ' ' + lines[++k].trim();
    const m = re.exec(line);
    if (m === null) continue;
    const obj = Object.keys(LINUX_MODULE_OBJECTS).find((o) => m[3].endsWith('/' + o) || m[3] === o);
    if (obj === undefined) continue;
    const start = BigInt('0x' + m[1]), size = BigInt('0x' + m[2]);
    if (size > 0n) out.push({ start, end: start + size, module: LINUX_MODULE_OBJECTS[obj] });
  }
  return out;
}

export class ModuleMap {
  constructor(readonly ranges: ModuleRange[]) {}
  static forImage(imagePath: string): ModuleMap {
    const mapPath = imagePath.replace(/\.elf$/, '.map');
    if (mapPath === imagePath || !existsSync(mapPath)) return new ModuleMap([]);
    return new ModuleMap(moduleRangesFromMap(readFileSync(mapPath, 'utf8')));
  }
  moduleOf(addr: bigint): string | null {
    for (const r of this.ranges) if (addr >= r.start && addr < r.end) return r.module;
    return null;
  }
  names(): string[] {
    return [...new Set(this.ranges.map((r) => r.module))].sort();
  }
}
