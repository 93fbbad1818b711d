// The I/O port space (64 Ki ports): devices claim port ranges; an unclaimed port reads all-ones and
// ignores writes, as on a PC with nothing decoding that address. Every access is counted per port.

/** A device on the port bus. `size` is 1, 2 or 4 bytes; reads return the value zero-extended. */
export interface PortDevice {
  read(cpu: number, port: number, size: number): number;
  write(cpu: number, port: number, size: number, value: number): void;
}

export const PORT_COUNT = 0x10000;

/** All-ones value of an access size. */
export function allOnes(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

export interface PortCount {
  port: number;
  reads: number;
  writes: number;
  /** Name of the device that claims the port, or null. */
  device: string | null;
}

export class PortBus {
  private readonly devices: (PortDevice | undefined)[] = new Array(PORT_COUNT);
  private readonly names: (string | undefined)[] = new Array(PORT_COUNT);
  readonly reads = new Float64Array(PORT_COUNT);
  readonly writes = new Float64Array(PORT_COUNT);

  /** Claims [base, base+count) for `dev`. */
  register(base: number, count: number, dev: PortDevice, name: string): void {
    for (let p = base; p < base + count; p++) {
      if (this.devices[p] !== undefined) throw new Error(`port 0x${p.toString(16)} is already claimed by ${this.names[p]}`);
      this.devices[p] = dev;
      this.names[p] = name;
    }
  }

  read(cpu: number, port: number, size: number): number {
    port &= 0xffff;
    this.reads[port]++;
    const d = this.devices[port];
    if (d === undefined) return allOnes(size);
    return d.read(cpu, port, size) & allOnes(size);
  }

  write(cpu: number, port: number, size: number, value: number): void {
    port &= 0xffff;
    this.writes[port]++;
    const d = this.devices[port];
    if (d !== undefined) d.write(cpu, port, size, value & allOnes(size));
  }

  deviceName(port: number): string | null {
    return this.names[port & 0xffff] ?? null;
  }

  /** Ports accessed at least once, in port order. */
  counts(): PortCount[] {
    const out: PortCount[] = [];
    for (let p = 0; p < PORT_COUNT; p++) {
      if (this.reads[p] !== 0 || this.writes[p] !== 0) {
        out.push({ port: p, reads: this.reads[p], writes: this.writes[p], device: this.names[p] ?? null });
      }
    }
    return out;
  }
}
