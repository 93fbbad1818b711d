// COM1: a 16550A UART at 0x3F8 (register map per the National Semiconductor PC16550D datasheet).
// Transmitted bytes go to a sink (stdout or --serial FILE). The transmitter is always ready (LSR reads
// THRE|TEMT = 0x60); nothing is ever received except in loopback mode (MCR bit 4), where transmitted
// bytes come back through RBR and MSR mirrors the modem-control outputs, which is how drivers probe
// for a UART. No interrupt line is wired: IIR always reads "no interrupt pending".
import type { PortDevice } from './ports.js';

export const COM1_BASE = 0x3f8;

/** Where transmitted bytes go. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

// LSR bits
const LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;
const FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02;

export class Uart16550 implements PortDevice {
  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  fcr = 0;
  /** Divisor latch (DLL, DLM); 1 = 115200 baud. */
  dll = 1;
  dlm = 0;
  /** Bytes transmitted to the sink so far. */
  transmitted = 0;
  private readonly rx: number[] = [];
  private readonly buf = new Uint8Array(4096);
  private used = 0;

  constructor(private readonly sink: ByteSink, readonly base = COM1_BASE) {}

  read(_cpu: number, port: number, _size: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0: return dlab ? this.dll : (this.rx.shift() ?? 0);
      case 1: return dlab ? this.dlm : this.ier;
      case 2: return 0x01 | ((this.fcr & FCR_ENABLE) !== 0 ? 0xc0 : 0); // IIR: no interrupt pending
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return LSR_THRE | LSR_TEMT | (this.rx.length > 0 ? LSR_DR : 0);
      case 6: return this.msr();
      default: return this.scr;
    }
  }

  write(_cpu: number, port: number, _size: number, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) this.dll = v;
        else if ((this.mcr & MCR_LOOP) !== 0) { if (this.rx.length < 16) this.rx.push(v); }
        else this.transmit(v);
        break;
      case 1: if (dlab) this.dlm = v; else this.ier = v & 0x0f; break;
      case 2:
        this.fcr = v & 0xc9;
        if ((v & FCR_CLEAR_RX) !== 0) this.rx.length = 0;
        break;
      case 3: this.lcr = v; break;
      case 4: this.mcr = v & 0x1f; break;
      case 7: this.scr = v; break;
      default: break; // LSR and MSR are read-only
    }
  }

  /** MSR: in loopback DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise carrier, DSR and CTS asserted. */
  private msr(): number {
    const m = this.mcr;
    if ((m & MCR_LOOP) === 0) return 0xb0;
    return ((m & 1) << 5) | ((m & 2) << 3) | ((m & 4) << 4) | ((m & 8) << 4);
  }

  private transmit(v: number): void {
    this.transmitted++;
    this.buf[this.used++] = v;
    if (v === 0x0a || this.used === this.buf.length) this.flush();
  }

  /** Hands buffered bytes to the sink (at each newline, when the buffer fills, and at the end of a run). */
  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buf.slice(0, this.used));
    this.used = 0;
  }
}

/** A sink that keeps everything (tests, --json consumers). */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  write(bytes: Uint8Array): void { this.chunks.push(bytes.slice()); }
  text(): string { return Buffer.concat(this.chunks).toString('latin1'); }
}
