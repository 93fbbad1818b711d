// isa-debug-exit at port 0xF4 (as QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=4`): a write of v
// stops the machine with exit status (v << 1) | 1, so a guest-chosen status is always odd.
import { allOnes, PortDevice } from './ports.js';

export const DEBUG_EXIT_PORT = 0xf4;

export class DebugExit implements PortDevice {
  constructor(private readonly onExit: (cpu: number, value: number, status: number) => void) {}

  read(_cpu: number, _port: number, size: number): number {
    return allOnes(size);
  }

  write(cpu: number, _port: number, _size: number, value: number): void {
    const v = value >>> 0;
    this.onExit(cpu, v, v * 2 + 1);
  }
}
