import { NULL_INTERRUPT_CONTROLLER } from '../../emulator/machine/interrupt-controller.js';
import { describe, expect, it } from 'vitest';
import { bootTestImage } from '../helpers/boot-image.js';
import { X2ApicSystem } from '../../emulator/machine/x2apic.js';
import type { InterruptController } from '../../emulator/machine/interrupt-controller.js';

describe('the machine with an x2APIC plugged in', () => {
  it('timer interrupts wake a sleeping CPU, an IPI wakes another; the machine skips idle time', () => {
    const { m, serial } = bootTestImage('apic', { cpus: 2 });
    const apic: InterruptController = new X2ApicSystem(2, m.clock);
    m.setInterruptController(apic);
    const r = m.run({ maxInsns: 2_000_000 });
    expect(serial.text()).toBe('timer: periodic, vector 0x20\nticks: 3\nipis: 1\n');
    expect(r.reason).toBe('debug-exit');
    expect(m.cpus[0].interruptsTaken).toBe(3);
    expect(m.cpus[1].interruptsTaken).toBe(1);
    // three periods of 50000 clock ticks passed, nearly all of them asleep
    expect(m.clock(0)).toBeGreaterThanOrEqual(150_000);
    expect(m.cpus[0].instructions).toBeLessThan(20_000);
  });

  it('without a controller the same image has no APIC MSRs: WRMSR faults and the CPU triple-faults', () => {
    const { m } = bootTestImage('apic', { cpus: 1 });
    m.setInterruptController(NULL_INTERRUPT_CONTROLLER);
    const r = m.run({ maxInsns: 1_000_000 });
    expect(r.reason).toBe('triple-fault');
    expect(r.message).toMatch(/#GP\(0x0\)/);
  });
});
