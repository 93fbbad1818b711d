import { describe, expect, it } from 'vitest';
import { Uart16550, MemorySink, COM1_BASE } from '../../emulator/machine/serial.js';
import { PortBus, allOnes } from '../../emulator/machine/ports.js';
import { DebugExit, DEBUG_EXIT_PORT } from '../../emulator/machine/debug-exit.js';
import { Machine } from '../../emulator/machine/machine.js';

function uart(): { u: Uart16550; sink: MemorySink } {
  const sink = new MemorySink();
  return { u: new Uart16550(sink), sink };
}
const B = COM1_BASE;

describe('16550 UART', () => {
  it('sends THR writes to the sink, a line at a time', () => {
    const { u, sink } = uart();
    for (const c of 'hi') u.write(0, B, 1, c.charCodeAt(0));
    expect(sink.text()).toBe('');
    u.write(0, B, 1, 10);
    expect(sink.text()).toBe('hi\n');
    u.write(0, B, 1, 0x21);
    u.flush();
    expect(sink.text()).toBe('hi\n!');
    expect(u.transmitted).toBe(4);
  });

  it('always has an empty transmitter (LSR 0x60) and no interrupt pending', () => {
    const { u } = uart();
    expect(u.read(0, B + 5, 1)).toBe(0x60);
    expect(u.read(0, B + 2, 1)).toBe(0x01);
    u.write(0, B + 2, 1, 0x07); // enable and clear FIFOs
    expect(u.read(0, B + 2, 1)).toBe(0xc1);
  });

  it('reads back IER, LCR, MCR and SCR; DLAB switches offsets 0 and 1 to the divisor latch', () => {
    const { u, sink } = uart();
    u.write(0, B + 1, 1, 0xff);
    expect(u.read(0, B + 1, 1)).toBe(0x0f);
    u.write(0, B + 7, 1, 0x5a);
    expect(u.read(0, B + 7, 1)).toBe(0x5a);
    u.write(0, B + 3, 1, 0x83);
    expect(u.read(0, B + 3, 1)).toBe(0x83);
    u.write(0, B, 1, 0x01);
    u.write(0, B + 1, 1, 0x02);
    expect([u.read(0, B, 1), u.read(0, B + 1, 1)]).toEqual([1, 2]);
    u.write(0, B + 3, 1, 0x03);
    expect(u.read(0, B + 1, 1)).toBe(0x0f); // IER again
    u.write(0, B + 4, 1, 0xff);
    expect(u.read(0, B + 4, 1)).toBe(0x1f);
    u.flush();
    expect(sink.text()).toBe(''); // divisor writes are not output
  });

  it('loops transmitted bytes back to RBR in loopback mode, with MSR mirroring MCR', () => {
    const { u, sink } = uart();
    expect(u.read(0, B + 6, 1)).toBe(0xb0);
    u.write(0, B + 4, 1, 0x10 | 0x0f); // loop + DTR RTS OUT1 OUT2
    expect(u.read(0, B + 6, 1)).toBe(0xf0);
    u.write(0, B + 4, 1, 0x10 | 0x01); // loop + DTR
    expect(u.read(0, B + 6, 1)).toBe(0x20); // DSR
    u.write(0, B, 1, 0x41);
    expect(u.read(0, B + 5, 1)).toBe(0x61); // data ready
    expect(u.read(0, B, 1)).toBe(0x41);
    expect(u.read(0, B + 5, 1)).toBe(0x60);
    u.flush();
    expect(sink.text()).toBe('');
  });
});

describe('port bus', () => {
  it('unclaimed ports read all-ones at every size, drop writes, and are counted', () => {
    const bus = new PortBus();
    expect(bus.read(0, 0x80, 1)).toBe(0xff);
    expect(bus.read(0, 0x80, 2)).toBe(0xffff);
    expect(bus.read(1, 0xcfc, 4)).toBe(0xffffffff);
    bus.write(0, 0x80, 1, 0x12);
    expect(bus.counts()).toEqual([
      { port: 0x80, reads: 2, writes: 1, device: null },
      { port: 0xcfc, reads: 1, writes: 0, device: null },
    ]);
    expect(allOnes(4)).toBe(0xffffffff);
  });

  it('dispatches claimed ports and refuses double claims', () => {
    const bus = new PortBus();
    const seen: number[] = [];
    bus.register(0x100, 2, { read: (_c, p) => p & 0xff, write: (_c, _p, _s, v) => { seen.push(v); } }, 'dev');
    expect(bus.read(0, 0x101, 1)).toBe(1);
    bus.write(0, 0x100, 2, 0x12345);
    expect(seen).toEqual([0x2345]); // masked to the access size
    expect(bus.deviceName(0x100)).toBe('dev');
    expect(() => bus.register(0x101, 1, { read: () => 0, write: () => {} }, 'other')).toThrow(/already claimed by dev/);
  });
});

describe('isa-debug-exit', () => {
  it('a write of v asks for exit status (v << 1) | 1', () => {
    const calls: number[][] = [];
    const d = new DebugExit((cpu, v, status) => calls.push([cpu, v, status]));
    d.write(3, DEBUG_EXIT_PORT, 1, 0);
    d.write(0, DEBUG_EXIT_PORT, 4, 0x10);
    expect(calls).toEqual([[3, 0, 1], [0, 0x10, 33]]);
    expect(d.read(0, DEBUG_EXIT_PORT, 1)).toBe(0xff);
  });

  it('stops the machine at the first write (later ones are ignored)', () => {
    const m = new Machine({ cpus: 2, serial: new MemorySink() });
    m.portWrite(1, DEBUG_EXIT_PORT, 1, 5);
    m.portWrite(0, DEBUG_EXIT_PORT, 1, 6);
    expect(m.stopRequest).toMatchObject({ reason: 'debug-exit', status: 11, cpu: 1 });
    expect(m.cpus[1].yieldRequested).toBe(true);
  });
});
