// Synchronous, complete writes to file descriptors: output order is deterministic and nothing is lost
// when the process exits right after.
import { closeSync, openSync, writeSync } from 'node:fs';

/** Writes all of `data` to `fd`, retrying partial writes and EAGAIN (a non-blocking pipe). */
export function writeFully(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** A byte sink over a file descriptor. */
export class FdSink {
  constructor(readonly fd: number) {}
  write(bytes: Uint8Array): void { writeFully(this.fd, bytes); }
}

/** Opens FILE for writing (truncating it); throws the fs error (the caller turns it into a usage error). */
export function openForWrite(path: string): FdSink {
  return new FdSink(openSync(path, 'w'));
}

export function closeSink(s: FdSink): void {
  if (s.fd > 2) closeSync(s.fd);
}

/** A text sink that buffers up to 64 KiB before writing (trace output). */
export class BufferedText {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.size === 0) return;
    writeFully(this.fd, Buffer.from(this.parts.join(''), 'utf8'));
    this.parts = [];
    this.size = 0;
  }
}

export function writeStderr(text: string): void {
  writeFully(2, Buffer.from(text, 'utf8'));
}

export function writeStdout(text: string): void {
  writeFully(1, Buffer.from(text, 'utf8'));
}
