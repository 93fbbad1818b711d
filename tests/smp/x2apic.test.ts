import { describe, expect, it } from 'vitest';
import {
  X2ApicSystem, X2APIC_EOI, X2APIC_ICR, X2APIC_ID, X2APIC_LDR, X2APIC_PPR, X2APIC_SELF_IPI, X2APIC_SVR,
  X2APIC_TIMER_CUR, X2APIC_TIMER_DIV, X2APIC_TIMER_INIT, X2APIC_LVT_TIMER, X2APIC_TPR, X2APIC_ESR, X2APIC_ISR0,
} from '../../emulator/machine/x2apic.js';

function system(n: number) {
  const clocks = new Array(n).fill(0);
  const s = new X2ApicSystem(n, (c) => clocks[c]);
  for (let c = 0; c < n; c++) expect(s.msrWrite(c, X2APIC_SVR, 0x1ff, 0)).toBe(true);
  return { s, clocks };
}
const out = { lo: 0, hi: 0 };
function rd(s: X2ApicSystem, cpu: number, msr: number): number {
  expect(s.msrRead(cpu, msr, out)).toBe(true);
  return out.lo >>> 0;
}

describe('x2APIC registers', () => {
  it('reports ID and logical ID derived from it (SDM 11.12.10.2)', () => {
    const { s } = system(20);
    expect(rd(s, 0, X2APIC_ID)).toBe(0);
    expect(rd(s, 17, X2APIC_ID)).toBe(17);
    expect(rd(s, 17, X2APIC_LDR)).toBe((1 << 16) | (1 << 1));
  });

  it('rejects writes to read-only registers, non-zero EOI and reserved MSRs (#GP)', () => {
    const { s } = system(1);
    expect(s.msrWrite(0, X2APIC_ID, 5, 0)).toBe(false);
    expect(s.msrWrite(0, X2APIC_PPR, 0, 0)).toBe(false);
    expect(s.msrWrite(0, X2APIC_EOI, 1, 0)).toBe(false);
    expect(s.msrRead(0, X2APIC_EOI, out)).toBe(false);
    expect(s.msrRead(0, X2APIC_SELF_IPI, out)).toBe(false);
    expect(s.msrRead(0, 0x8ff, out)).toBe(false);
    expect(s.msrWrite(0, X2APIC_TPR, 0x100, 0)).toBe(false);
  });
});

describe('IPIs', () => {
  it('delivers a fixed IPI to one CPU, with priority and EOI', () => {
    const { s } = system(4);
    const woken: number[] = [];
    s.onPending = (c) => woken.push(c);
    expect(s.msrWrite(0, X2APIC_ICR, 0x40, 2)).toBe(true); // vector 0x40 to APIC ID 2
    expect(woken).toEqual([2]);
    expect(s.pendingInterrupt(2)).toBe(0x40);
    expect(s.pendingInterrupt(1)).toBe(-1);
    s.acknowledgeInterrupt(2, 0x40);
    expect(s.pendingInterrupt(2)).toBe(-1);
    expect(rd(s, 2, X2APIC_ISR0 + 2)).toBe(1 << 0); // vector 0x40 = word 2, bit 0
    // a lower-class vector waits while 0x40 is in service; a higher one preempts
    s.msrWrite(0, X2APIC_ICR, 0x31, 2);
    expect(s.pendingInterrupt(2)).toBe(-1);
    s.msrWrite(0, X2APIC_ICR, 0x51, 2);
    expect(s.pendingInterrupt(2)).toBe(0x51);
    s.acknowledgeInterrupt(2, 0x51);
    expect(s.msrWrite(2, X2APIC_EOI, 0, 0)).toBe(true); // ends 0x51
    expect(s.pendingInterrupt(2)).toBe(-1); // 0x40 still in service blocks 0x31
    expect(s.msrWrite(2, X2APIC_EOI, 0, 0)).toBe(true); // ends 0x40
    expect(s.pendingInterrupt(2)).toBe(0x31);
  });

  it('honours TPR', () => {
    const { s } = system(1);
    s.msrWrite(0, X2APIC_TPR, 0x50, 0);
    s.msrWrite(0, X2APIC_SELF_IPI, 0x45, 0);
    expect(s.pendingInterrupt(0)).toBe(-1);
    s.msrWrite(0, X2APIC_TPR, 0x30, 0);
    expect(s.pendingInterrupt(0)).toBe(0x45);
  });

  it('supports the shorthands self, all and all-but-self', () => {
    const { s } = system(3);
    s.msrWrite(1, X2APIC_ICR, (3 << 18) | 0x60, 0); // all excluding self
    expect([0, 1, 2].map((c) => s.pendingInterrupt(c))).toEqual([0x60, -1, 0x60]);
    s.msrWrite(1, X2APIC_ICR, (1 << 18) | 0x61, 0); // self
    expect(s.pendingInterrupt(1)).toBe(0x61);
    s.msrWrite(0, X2APIC_ICR, (2 << 18) | 0x70, 0); // all including self
    expect([0, 1, 2].map((c) => s.pendingInterrupt(c))).toEqual([0x70, 0x70, 0x70]);
    expect(s.apics[1].counters.ipisSent).toBe(3);
  });

  it('flags illegal vectors in ESR instead of delivering them', () => {
    const { s } = system(2);
    s.msrWrite(0, X2APIC_ICR, 0x05, 1);
    expect(s.pendingInterrupt(1)).toBe(-1);
    s.msrWrite(0, X2APIC_ESR, 0, 0);
    expect(rd(s, 0, X2APIC_ESR) & (1 << 5)).toBe(1 << 5);
  });

  it('drops fixed IPIs to a software-disabled APIC', () => {
    const { s } = system(2);
    s.msrWrite(1, X2APIC_SVR, 0xff, 0);
    s.msrWrite(0, X2APIC_ICR, 0x40, 1);
    expect(s.pendingInterrupt(1)).toBe(-1);
    expect(s.apics[1].counters.droppedWhileDisabled).toBe(1);
  });
});

describe('LAPIC timer (counts the CPU clock: retired instructions)', () => {
  it('fires once in one-shot mode after initial*divisor ticks', () => {
    const { s, clocks } = system(1);
    s.msrWrite(0, X2APIC_TIMER_DIV, 0xb, 0); // divide by 1
    s.msrWrite(0, X2APIC_LVT_TIMER, 0xec, 0); // one-shot, vector 0xec
    s.msrWrite(0, X2APIC_TIMER_INIT, 1000, 0);
    clocks[0] = 999;
    expect(s.pendingInterrupt(0)).toBe(-1);
    expect(rd(s, 0, X2APIC_TIMER_CUR)).toBe(1);
    clocks[0] = 1000;
    expect(s.pendingInterrupt(0)).toBe(0xec);
    s.acknowledgeInterrupt(0, 0xec);
    s.msrWrite(0, X2APIC_EOI, 0, 0);
    clocks[0] = 5000;
    expect(s.pendingInterrupt(0)).toBe(-1);
    expect(rd(s, 0, X2APIC_TIMER_CUR)).toBe(0);
  });

  it('reloads in periodic mode and uses the divider', () => {
    const { s, clocks } = system(1);
    s.msrWrite(0, X2APIC_TIMER_DIV, 0x0, 0); // divide by 2
    s.msrWrite(0, X2APIC_LVT_TIMER, (1 << 17) | 0xec, 0);
    s.msrWrite(0, X2APIC_TIMER_INIT, 100, 0);
    expect(s.timerDeadline(0)).toBe(200);
    clocks[0] = 200;
    expect(s.pendingInterrupt(0)).toBe(0xec);
    expect(s.timerDeadline(0)).toBe(400);
    expect(s.apics[0].counters.timerInterrupts).toBe(1);
  });

  it('does not post while masked', () => {
    const { s, clocks } = system(1);
    s.msrWrite(0, X2APIC_TIMER_DIV, 0xb, 0);
    s.msrWrite(0, X2APIC_LVT_TIMER, (1 << 16) | 0xec, 0);
    s.msrWrite(0, X2APIC_TIMER_INIT, 10, 0);
    clocks[0] = 20;
    expect(s.pendingInterrupt(0)).toBe(-1);
  });
});
