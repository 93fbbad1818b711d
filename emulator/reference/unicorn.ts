// Typed binding of Unicorn 2 (Debian's libunicorn2 2.0.1) through koffi, for lockstep runs and
// differential tests. Edge code: BigInt is fine here.
//
// Facts about Unicorn 2.0.1 this binding relies on (measured; see tests/reference/unicorn.test.ts):
// - UC_MODE_64 starts in long mode with paging off; writing CR3, CR4 and CR0 turns paging on. The MMU
//   walks the page tables (A/D bits, #PF with CR2), but a data access or fetch then uses the *linear*
//   address as the physical one. A linear address must therefore be mapped in Unicorn's address space,
//   or the access fails as "unmapped" before any walk. This binding backs RAM with native memory and
//   can map a linear page onto the native bytes of the physical page it translates to (alias()), so a
//   non-identity mapping reads and writes the same bytes as the physical page.
// - Unicorn never delivers an exception through the IDT: it calls UC_HOOK_INTR with the vector and
//   leaves RIP on the faulting instruction; #UD ends emu_start with UC_ERR_INSN_INVALID instead. The
//   error code is not part of the API; QEMU keeps it in the CPU state, which uc_context_save copies,
//   so it is read there at an offset found once per library by calibrate() (below).
// - Unicorn forces its own CPUID features (no NX, no SYSCALL, no 1 GiB pages, MAXPHYADDR 40): a WRMSR of
//   EFER drops NXE and SCE. setEfer() writes the saved context instead, where QEMU's walker and
//   SYSCALL read it. QEMU also remembers the exception in flight; as nothing delivers it, the next #PF
//   would become a #DF, so clearPendingException() resets that field after each exception.
// - uc_mem_write does not invalidate translated code: flushCode() must follow code changes. Register
//   writes of CR0/CR3/CR4 through the API do not flush Unicorn's TLB either (a guest MOV to CR3
//   does): flushTlb() changes the memory map instead, which does.
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';

export const UC_ARCH_X86 = 4;
export const UC_MODE_64 = 1 << 3;
export const UC_PROT_ALL = 7;

/** uc_err values (unicorn.h). */
export const UC_ERR_OK = 0, UC_ERR_READ_UNMAPPED = 6, UC_ERR_WRITE_UNMAPPED = 7, UC_ERR_FETCH_UNMAPPED = 8,
  UC_ERR_INSN_INVALID = 10, UC_ERR_EXCEPTION = 21;
export const UC_ERR_NAMES = [
  'UC_ERR_OK', 'UC_ERR_NOMEM', 'UC_ERR_ARCH', 'UC_ERR_HANDLE', 'UC_ERR_MODE', 'UC_ERR_VERSION',
  'UC_ERR_READ_UNMAPPED', 'UC_ERR_WRITE_UNMAPPED', 'UC_ERR_FETCH_UNMAPPED', 'UC_ERR_HOOK', 'UC_ERR_INSN_INVALID',
  'UC_ERR_MAP', 'UC_ERR_WRITE_PROT', 'UC_ERR_READ_PROT', 'UC_ERR_FETCH_PROT', 'UC_ERR_ARG', 'UC_ERR_READ_UNALIGNED',
  'UC_ERR_WRITE_UNALIGNED', 'UC_ERR_FETCH_UNALIGNED', 'UC_ERR_HOOK_EXIST', 'UC_ERR_RESOURCE', 'UC_ERR_EXCEPTION',
];

/** uc_hook_type bits. */
export const UC_HOOK_INTR = 1 << 0, UC_HOOK_CODE = 1 << 2, UC_HOOK_MEM_READ_UNMAPPED = 1 << 4,
  UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5, UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6, UC_HOOK_MEM_WRITE = 1 << 11;
export const UC_HOOK_MEM_UNMAPPED = UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED;
/** uc_mem_type values passed to memory hooks. */
export const UC_MEM_READ = 16, UC_MEM_WRITE = 17, UC_MEM_FETCH = 18, UC_MEM_READ_UNMAPPED = 19,
  UC_MEM_WRITE_UNMAPPED = 20, UC_MEM_FETCH_UNMAPPED = 21;

/** uc_x86_reg numbers of Unicorn 2.0.1 (include/unicorn/x86.h; the enum is append-only). */
export const X86_REG = {
  CS: 11, DS: 17, EFLAGS: 25, ES: 28, FS: 32, GS: 33,
  RAX: 35, RBP: 36, RBX: 37, RCX: 38, RDI: 39, RDX: 40, RIP: 41, RSI: 43, RSP: 44, SS: 49,
  CR0: 50, CR2: 52, CR3: 53, CR4: 54, CR8: 58,
  R8: 106, R9: 107, R10: 108, R11: 109, R12: 110, R13: 111, R14: 112, R15: 113,
  IDTR: 242, GDTR: 243, LDTR: 244, TR: 245, MSR: 248, FS_BASE: 250, GS_BASE: 251,
} as const;

/** Unicorn register numbers of the GPRs in tlbemu's order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15). */
export const GPR_IDS: readonly number[] = [
  X86_REG.RAX, X86_REG.RCX, X86_REG.RDX, X86_REG.RBX, X86_REG.RSP, X86_REG.RBP, X86_REG.RSI, X86_REG.RDI,
  X86_REG.R8, X86_REG.R9, X86_REG.R10, X86_REG.R11, X86_REG.R12, X86_REG.R13, X86_REG.R14, X86_REG.R15,
];
/** Segment registers in tlbemu's order (ES CS SS DS FS GS). */
export const SEG_IDS: readonly number[] = [X86_REG.ES, X86_REG.CS, X86_REG.SS, X86_REG.DS, X86_REG.FS, X86_REG.GS];

export const MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082, MSR_FMASK = 0xc0000084,
  MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102;

const INSTALL_HINT = 'apt-get install -y libunicorn2';

/** Unicorn is not installed (or is not version 2): the message is one line and says how to install it. */
export class UnicornUnavailableError extends Error {
  constructor(detail: string) {
    super(`Unicorn 2 (libunicorn.so.2) is not available (${detail}): install it with \`${INSTALL_HINT}\``);
    this.name = 'UnicornUnavailableError';
  }
}

/** A Unicorn API call failed. */
export class UnicornError extends Error {
  constructor(readonly call: string, readonly code: number) {
    super(`${call} failed: ${UC_ERR_NAMES[code] ?? `error ${code}`}`);
    this.name = 'UnicornError';
  }
}

/** Where in uc_context_save's copy of QEMU's CPU state some fields live (found by calibrate()). */
export interface ContextLayout {
  size: number;
  /** int32 error code of the last exception. */
  errorCode: number;
  /** int32 "exception in flight" (-1 when none). */
  oldException: number;
  /** uint64 EFER. */
  efer: number;
  /** uint32 hflags, whose bits 1:0 are the CPL; -1 when calibration could not confirm it. */
  hflags: number;
}

type Fn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The loaded shared library and its functions (one per process). */
export class UnicornLibrary {
  readonly version: string;
  readonly open: Fn; readonly close: Fn; readonly memMap: Fn; readonly memMapPtr: Fn; readonly memUnmap: Fn;
  readonly memWrite: Fn; readonly memRead: Fn; readonly regWrite: Fn; readonly regRead: Fn;
  readonly regReadBatch: Fn; readonly regWriteBatch: Fn; readonly emuStart: Fn; readonly emuStop: Fn;
  readonly hookAdd: Fn; readonly hookDel: Fn; readonly ctl: Fn; readonly strerror: Fn;
  readonly contextAlloc: Fn; readonly contextSave: Fn; readonly contextRestore: Fn; readonly contextSize: Fn;
  readonly contextFree: Fn;
  readonly mmap: Fn; readonly munmap: Fn;
  readonly IntrCb: TypeObject; readonly CodeCb: TypeObject; readonly MemCb: TypeObject;
  readonly EventMemCb: TypeObject;
  private layoutCache: ContextLayout | null | undefined = undefined;

  constructor(readonly path: string, lib: LibraryHandle) {
    const f = (d: string) => lib.func(d);
    const version = f('uint32_t uc_version(_Out_ uint32_t *major, _Out_ uint32_t *minor)');
    const major = [0], minor = [0];
    version(major, minor);
    if (major[0] !== 2) throw new UnicornUnavailableError(`${path} is Unicorn ${major[0]}.${minor[0]}`);
    this.version = `${major[0]}.${minor[0]}`;
    this.open = f('int uc_open(int arch, int mode, _Out_ void **uc)');
    this.close = f('int uc_close(void *uc)');
    this.memMap = f('int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)');
    this.memMapPtr = f('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)');
    this.memUnmap = f('int uc_mem_unmap(void *uc, uint64_t address, size_t size)');
    this.memWrite = f('int uc_mem_write(void *uc, uint64_t address, const uint8_t *bytes, size_t size)');
    this.memRead = f('int uc_mem_read(void *uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)');
    this.regWrite = f('int uc_reg_write(void *uc, int regid, const void *value)');
    this.regRead = f('int uc_reg_read(void *uc, int regid, void *value)');
    // the value arrays are arrays of pointers, passed as 64-bit integers into native scratch memory
    this.regReadBatch = f('int uc_reg_read_batch(void *uc, int32_t *regs, uint64_t *vals, int count)');
    this.regWriteBatch = f('int uc_reg_write_batch(void *uc, int32_t *regs, uint64_t *vals, int count)');
    this.emuStart = f('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)');
    this.emuStop = f('int uc_emu_stop(void *uc)');
    this.hookAdd = f('int uc_hook_add(void *uc, _Out_ uint64_t *hh, int type, void *cb, void *user, uint64_t begin, uint64_t end, ...)');
    this.hookDel = f('int uc_hook_del(void *uc, uint64_t hh)');
    this.ctl = f('int uc_ctl(void *uc, int control, ...)');
    this.strerror = f('const char *uc_strerror(int code)');
    this.contextAlloc = f('int uc_context_alloc(void *uc, _Out_ void **ctx)');
    this.contextSave = f('int uc_context_save(void *uc, void *ctx)');
    this.contextRestore = f('int uc_context_restore(void *uc, void *ctx)');
    this.contextSize = f('size_t uc_context_size(void *uc)');
    this.contextFree = f('int uc_context_free(void *ctx)');
    this.IntrCb = koffi.proto('void UcIntrCb(void *uc, uint32_t intno, void *user)');
    this.CodeCb = koffi.proto('void UcCodeCb(void *uc, uint64_t address, uint32_t size, void *user)');
    this.MemCb = koffi.proto('void UcMemCb(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');
    this.EventMemCb = koffi.proto('bool UcEventMemCb(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');
    const libc = koffi.load('libc.so.6');
    this.mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, intptr_t off)');
    this.munmap = libc.func('int munmap(void *addr, size_t len)');
  }

  /**
   * Offsets in the saved context of QEMU's error code, exception-in-flight, EFER and hflags, found by
   * running faults whose error codes the SDM fixes (4.7) in a scratch engine and checking that exactly
   * one offset holds each expected value; null when that fails (the lockstep then reports error codes
   * as unknown).
   */
  contextLayout(): ContextLayout | null {
    if (this.layoutCache === undefined) this.layoutCache = calibrate(this);
    return this.layoutCache;
  }
}

let loaded: UnicornLibrary | null = null;
let loadError: UnicornUnavailableError | null = null;

const CANDIDATES = [
  'libunicorn.so.2',
  '/usr/lib/x86_64-linux-gnu/libunicorn.so.2',
  '/usr/lib64/libunicorn.so.2',
  '/usr/local/lib/libunicorn.so.2',
  '/usr/lib/libunicorn.so.2',
];

/** Loads libunicorn.so.2 (TLBEMU_UNICORN_LIB overrides the path); throws UnicornUnavailableError. */
export function loadUnicorn(): UnicornLibrary {
  if (loaded !== null) return loaded;
  if (loadError !== null) throw loadError;
  const env = process.env.TLBEMU_UNICORN_LIB;
  try {
    loaded = loadUnicornFrom(env ? [env] : CANDIDATES);
    return loaded;
  } catch (e) {
    if (e instanceof UnicornUnavailableError) loadError = e;
    throw e;
  }
}

/** Loads the first of `paths` that is a Unicorn 2 library (no caching); throws UnicornUnavailableError. */
export function loadUnicornFrom(paths: readonly string[]): UnicornLibrary {
  let detail = `tried ${paths.join(', ')}`;
  for (const p of paths) {
    let handle: LibraryHandle;
    try {
      handle = koffi.load(p);
    } catch {
      continue;
    }
    try {
      return new UnicornLibrary(p, handle);
    } catch (e) {
      if (e instanceof UnicornUnavailableError) { detail = `${p} is not Unicorn 2`; continue; }
      throw e;
    }
  }
  throw new UnicornUnavailableError(detail);
}

/** loadUnicorn() or null when the library is missing. */
export function tryLoadUnicorn(): UnicornLibrary | null {
  try {
    return loadUnicorn();
  } catch (e) {
    if (e instanceof UnicornUnavailableError) return null;
    throw e;
  }
}

/** An exception reported by Unicorn during emu_start. */
export interface UcException {
  vector: number;
  /** Error code from QEMU's state (0 for vectors without one), or -1 when the layout is unknown. */
  errorCode: number;
}

/** An access Unicorn could not perform because the address is not mapped in its address space. */
export interface UcUnmapped {
  kind: 'read' | 'write' | 'fetch';
  address: bigint;
  size: number;
}

export interface UcRunResult {
  /** uc_err returned by uc_emu_start. */
  err: number;
  exception: UcException | null;
  unmapped: UcUnmapped | null;
}

/** Architectural state in Unicorn's terms (unsigned BigInts). */
export interface UcState {
  gpr: bigint[];
  rip: bigint;
  rflags: bigint;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  fsBase: bigint;
  gsBase: bigint;
}

/** uc_x86_mmr: u16 selector, u64 base, u32 limit, u32 flags (24 bytes with padding). */
export interface UcTableReg { selector: number; base: bigint; limit: number; flags: number }

interface RamRegion { base: number; size: number; ptr: bigint; view: Uint8Array }

/**
 * The `until` of a run that has none. uc_emu_start treats its `until` as an exit address, and an
 * `until` of 0 makes code at linear address 0 unrunnable (a bogus #PF with CR2 = -4096): a
 * non-canonical address, which no instruction can start at, is used instead.
 */
export const NO_EXIT = 0x8000_0000_0000_0001n;

const STATE_IDS = [...GPR_IDS, X86_REG.RIP, X86_REG.EFLAGS, X86_REG.CR0, X86_REG.CR2, X86_REG.CR3, X86_REG.CR4,
  X86_REG.FS_BASE, X86_REG.GS_BASE, X86_REG.MSR];
const MMAP_PROT_RW = 3, MMAP_PRIVATE_ANON = 0x22;

/** One Unicorn x86-64 engine. */
export class Unicorn {
  readonly lib: UnicornLibrary;
  private handle: bigint;
  private closed = false;
  private readonly callbacks: bigint[] = [];
  private readonly ram: RamRegion[] = [];
  private readonly aliases = new Map<bigint, number>();
  // scratch native memory for register batches: 32 slots of 16 bytes (an MSR slot needs 16)
  private readonly scratch: bigint;
  private readonly scratchView: DataView;
  private readonly scratchPtrs: BigUint64Array;
  private readonly stateIds = Int32Array.from(STATE_IDS);
  private readonly one = new Uint8Array(16);
  private readonly oneView = new DataView(this.one.buffer);
  private ctx: bigint = 0n;
  private ctxView: DataView | null = null;
  private pending: UcException | null = null;
  private unmapped: UcUnmapped | null = null;
  /** Called for unmapped accesses; return true after mapping the page to let the access proceed. */
  onUnmapped: ((u: UcUnmapped) => boolean) | null = null;

  private constructor(lib: UnicornLibrary, handle: bigint) {
    this.lib = lib;
    this.handle = handle;
    this.scratch = lib.mmap(null, 4096, MMAP_PROT_RW, MMAP_PRIVATE_ANON, -1, 0) as bigint;
    this.scratchView = new DataView(koffi.view(this.scratch, 4096));
    this.scratchPtrs = new BigUint64Array(32);
    for (let i = 0; i < 32; i++) this.scratchPtrs[i] = this.scratch + BigInt(16 * i);
    this.installHooks();
  }

  /** Opens an x86-64 engine (throws UnicornUnavailableError when the library is missing). */
  static open(lib: UnicornLibrary = loadUnicorn()): Unicorn {
    const out: (bigint | null)[] = [null];
    const e = lib.open(UC_ARCH_X86, UC_MODE_64, out) as number;
    if (e !== UC_ERR_OK) throw new UnicornError('uc_open', e);
    return new Unicorn(lib, out[0] as bigint);
  }

  private check(call: string, e: number): void {
    if (e !== UC_ERR_OK) throw new UnicornError(call, e);
  }

  private register(fn: (...a: any[]) => unknown, proto: TypeObject): bigint { // eslint-disable-line @typescript-eslint/no-explicit-any
    const cb = koffi.register(fn, koffi.pointer(proto));
    this.callbacks.push(cb);
    return cb;
  }

  private installHooks(): void {
    const lib = this.lib;
    const intr = this.register((_uc: unknown, intno: number) => {
      if (this.pending === null) this.pending = { vector: intno, errorCode: this.readErrorCode(intno) };
      lib.emuStop(this.handle);
    }, lib.IntrCb);
    this.check('uc_hook_add(INTR)', lib.hookAdd(this.handle, [0n], UC_HOOK_INTR, intr, null, 1n, 0n));
    const unm = this.register((_uc: unknown, type: number, address: bigint, size: number) => {
      const kind = type === UC_MEM_WRITE_UNMAPPED ? 'write' : type === UC_MEM_FETCH_UNMAPPED ? 'fetch' : 'read';
      const u: UcUnmapped = { kind, address: BigInt.asUintN(64, BigInt(address)), size };
      if (this.onUnmapped !== null && this.onUnmapped(u)) return true;
      if (this.unmapped === null) this.unmapped = u;
      return false;
    }, lib.EventMemCb);
    this.check('uc_hook_add(MEM_UNMAPPED)', lib.hookAdd(this.handle, [0n], UC_HOOK_MEM_UNMAPPED, unm, null, 1n, 0n));
  }

  /** Adds a code hook (called before each instruction with its address and size). Returns its handle. */
  hookCode(cb: (address: bigint, size: number) => void): bigint {
    const fn = this.register((_uc: unknown, address: bigint, size: number) => cb(BigInt.asUintN(64, BigInt(address)), size), this.lib.CodeCb);
    const hh = [0n];
    this.check('uc_hook_add(CODE)', this.lib.hookAdd(this.handle, hh, UC_HOOK_CODE, fn, null, 1n, 0n));
    return hh[0];
  }

  /** Adds a memory-write hook (linear address, size, value written). Returns its handle. */
  hookMemWrite(cb: (address: bigint, size: number, value: bigint) => void): bigint {
    const fn = this.register((_uc: unknown, _t: number, address: bigint, size: number, value: bigint | number) =>
      cb(BigInt.asUintN(64, BigInt(address)), size, BigInt.asUintN(64, BigInt(value))), this.lib.MemCb);
    const hh = [0n];
    this.check('uc_hook_add(MEM_WRITE)', this.lib.hookAdd(this.handle, hh, UC_HOOK_MEM_WRITE, fn, null, 1n, 0n));
    return hh[0];
  }

  removeHook(hh: bigint): void {
    this.check('uc_hook_del', this.lib.hookDel(this.handle, hh));
  }

  // ------------------------------------------------------------------ memory

  /** Maps [base, base+size) (4 KiB aligned) backed by native memory that view() exposes without copies. */
  mapRam(base: number, size: number): void {
    if (base % 4096 !== 0 || size % 4096 !== 0 || size <= 0) throw new RangeError('mapRam: 4 KiB aligned range expected');
    const ptr = this.lib.mmap(null, size, MMAP_PROT_RW, MMAP_PRIVATE_ANON, -1, 0) as bigint;
    if (ptr === null || ptr === BigInt.asUintN(64, -1n)) throw new Error(`mmap of ${size} bytes failed`);
    this.check('uc_mem_map_ptr', this.lib.memMapPtr(this.handle, BigInt(base), size, UC_PROT_ALL, ptr));
    const view = new Uint8Array(koffi.view(ptr, size));
    this.ram.push({ base, size, ptr, view });
    this.ram.sort((a, b) => a.base - b.base);
  }

  /** Maps [base, base+size) with memory Unicorn allocates (reads and writes go through memRead/memWrite). */
  map(base: bigint | number, size: number): void {
    this.check('uc_mem_map', this.lib.memMap(this.handle, BigInt(base), size, UC_PROT_ALL));
  }

  private region(paddr: number): RamRegion | null {
    for (const r of this.ram) if (paddr >= r.base && paddr < r.base + r.size) return r;
    return null;
  }

  /** The native bytes of RAM at [paddr, paddr+len) (zero-copy), or null if not inside one mapRam region. */
  view(paddr: number, len: number): Uint8Array | null {
    const r = this.region(paddr);
    if (r === null || paddr + len > r.base + r.size) return null;
    return r.view.subarray(paddr - r.base, paddr - r.base + len);
  }

  /** Maps the linear page at `linear` onto the native bytes of the RAM page at `paddr` (see the header). */
  alias(linear: bigint, paddr: number): boolean {
    const page = linear & ~0xfffn;
    const r = this.region(paddr);
    if (r === null) return false;
    const off = Math.floor((paddr - r.base) / 4096) * 4096;
    const e = this.lib.memMapPtr(this.handle, page, 4096, UC_PROT_ALL, r.ptr + BigInt(off)) as number;
    if (e !== UC_ERR_OK) return false;
    this.aliases.set(page, r.base + off);
    return true;
  }

  /** Linear pages currently aliased, with the physical page each one shows. */
  aliasedPages(): ReadonlyMap<bigint, number> {
    return this.aliases;
  }

  unalias(linear: bigint): void {
    const page = linear & ~0xfffn;
    if (!this.aliases.has(page)) return;
    this.check('uc_mem_unmap', this.lib.memUnmap(this.handle, page, 4096));
    this.aliases.delete(page);
  }

  memWrite(addr: bigint | number, data: Uint8Array): void {
    this.check('uc_mem_write', this.lib.memWrite(this.handle, BigInt(addr), data, data.length));
  }

  memRead(addr: bigint | number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.check('uc_mem_read', this.lib.memRead(this.handle, BigInt(addr), out, len));
    return out;
  }

  // ------------------------------------------------------------------ registers

  reg(id: number): bigint {
    this.oneView.setBigUint64(0, 0n, true);
    this.check(`uc_reg_read(${id})`, this.lib.regRead(this.handle, id, this.one));
    return this.oneView.getBigUint64(0, true);
  }

  setReg(id: number, v: bigint): void {
    this.oneView.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.check(`uc_reg_write(${id})`, this.lib.regWrite(this.handle, id, this.one));
  }

  msr(index: number): bigint {
    this.oneView.setUint32(0, index, true);
    this.oneView.setBigUint64(8, 0n, true);
    this.check(`uc_reg_read(MSR 0x${index.toString(16)})`, this.lib.regRead(this.handle, X86_REG.MSR, this.one));
    return this.oneView.getBigUint64(8, true);
  }

  setMsr(index: number, v: bigint): void {
    this.oneView.setUint32(0, index, true);
    this.oneView.setBigUint64(8, BigInt.asUintN(64, v), true);
    this.check(`uc_reg_write(MSR 0x${index.toString(16)})`, this.lib.regWrite(this.handle, X86_REG.MSR, this.one));
  }

  tableReg(id: number): UcTableReg {
    const b = new Uint8Array(24), v = new DataView(b.buffer);
    this.check('uc_reg_read(table)', this.lib.regRead(this.handle, id, b));
    return { selector: v.getUint16(0, true), base: v.getBigUint64(8, true), limit: v.getUint32(16, true), flags: v.getUint32(20, true) };
  }

  setTableReg(id: number, t: UcTableReg): void {
    const b = new Uint8Array(24), v = new DataView(b.buffer);
    v.setUint16(0, t.selector, true);
    v.setBigUint64(8, BigInt.asUintN(64, t.base), true);
    v.setUint32(16, t.limit >>> 0, true);
    v.setUint32(20, t.flags >>> 0, true);
    this.check('uc_reg_write(table)', this.lib.regWrite(this.handle, id, b));
  }

  /** All of UcState in one uc_reg_read_batch call. */
  readState(): UcState {
    const sv = this.scratchView;
    const msrSlot = STATE_IDS.length - 1;
    for (let i = 0; i < STATE_IDS.length; i++) sv.setBigUint64(16 * i, 0n, true);
    sv.setUint32(16 * msrSlot, MSR_EFER, true);
    this.check('uc_reg_read_batch', this.lib.regReadBatch(this.handle, this.stateIds, this.scratchPtrs, STATE_IDS.length));
    const q = (i: number) => sv.getBigUint64(16 * i, true);
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(q(i));
    return {
      gpr, rip: q(16), rflags: q(17), cr0: q(18), cr2: q(19), cr3: q(20), cr4: q(21), fsBase: q(22), gsBase: q(23),
      efer: sv.getBigUint64(16 * msrSlot + 8, true),
    };
  }

  /** Writes the GPRs and RIP in one batch. */
  writeGprs(gpr: readonly bigint[], rip: bigint): void {
    const sv = this.scratchView;
    const ids = new Int32Array(17);
    for (let i = 0; i < 16; i++) { ids[i] = GPR_IDS[i]; sv.setBigUint64(16 * i, BigInt.asUintN(64, gpr[i]), true); }
    ids[16] = X86_REG.RIP;
    sv.setBigUint64(16 * 16, BigInt.asUintN(64, rip), true);
    this.check('uc_reg_write_batch', this.lib.regWriteBatch(this.handle, ids, this.scratchPtrs, 17));
  }

  // ------------------------------------------------------------------ QEMU state through the context


  private context(): DataView {
    const layout = this.lib.contextLayout();
    if (layout === null) throw new Error('Unicorn context layout unknown (calibration failed)');
    if (this.ctxView === null) {
      const out: (bigint | null)[] = [null];
      this.check('uc_context_alloc', this.lib.contextAlloc(this.handle, out));
      this.ctx = out[0] as bigint;
      this.ctxView = new DataView(koffi.view(this.ctx, layout.size));
    }
    this.check('uc_context_save', this.lib.contextSave(this.handle, this.ctx));
    return this.ctxView;
  }

  private restoreContext(): void {
    this.check('uc_context_restore', this.lib.contextRestore(this.handle, this.ctx));
  }

  private readErrorCode(vector: number): number {
    if (!(vector === 8 || (vector >= 10 && vector <= 14) || vector === 17)) return 0;
    const layout = this.lib.contextLayout();
    if (layout === null) return -1;
    return this.context().getInt32(layout.errorCode, true);
  }

  /** Forgets the exception QEMU believes is in flight (none is ever delivered; see the header). */
  clearPendingException(): void {
    const layout = this.lib.contextLayout();
    if (layout === null) return;
    const v = this.context();
    if (v.getInt32(layout.oldException, true) === -1) return;
    v.setInt32(layout.oldException, -1, true);
    this.restoreContext();
  }

  /** Sets EFER, including the NXE and SCE bits that a WRMSR would drop (see the header). */
  setEfer(v: bigint): void {
    this.setMsr(MSR_EFER, v);
    if (this.msr(MSR_EFER) === BigInt.asUintN(64, v)) return;
    const layout = this.lib.contextLayout();
    if (layout === null) throw new Error('cannot set EFER bits Unicorn masks: context layout unknown');
    const c = this.context();
    c.setBigUint64(layout.efer, BigInt.asUintN(64, v), true);
    this.restoreContext();
    this.flushTlb();
  }

  /** Whether setCpl() can run code at CPL 3 (hflags found and confirmed by calibration). */
  get canSetCpl(): boolean {
    const l = this.lib.contextLayout();
    return l !== null && l.hflags >= 0;
  }

  /** Sets the CPL QEMU checks (hflags bits 1:0); CS's selector is not enough in 64-bit mode. */
  setCpl(cpl: number): void {
    const layout = this.lib.contextLayout();
    if (layout === null || layout.hflags < 0) throw new Error('cannot set the CPL: hflags not calibrated');
    const c = this.context();
    c.setUint32(layout.hflags, (c.getUint32(layout.hflags, true) & ~3) | (cpl & 3), true);
    this.restoreContext();
    this.flushTlb();
  }

  /**
   * QEMU enforces SMAP through hflags (HF_SMAP, bit 23), which only its own CR4 writes update: a
   * CR4 written through the API leaves SMAP off. Sets the bit to match CR4.SMAP.
   */
  syncSmap(): void {
    const layout = this.lib.contextLayout();
    if (layout === null || layout.hflags < 0) return;
    const want = (this.reg(X86_REG.CR4) & (1n << 21n)) !== 0n ? 1 << 23 : 0;
    const c = this.context();
    const h = c.getUint32(layout.hflags, true);
    if ((h & (1 << 23)) === want) return;
    c.setUint32(layout.hflags, (h & ~(1 << 23)) | want, true);
    this.restoreContext();
  }

  cpl(): number {
    const layout = this.lib.contextLayout();
    if (layout === null || layout.hflags < 0) return 0;
    return this.context().getUint32(layout.hflags, true) & 3;
  }

  // ------------------------------------------------------------------ running

  /**
   * Runs from RIP (or `begin`) for at most `count` instructions (0 = no limit) or until `until`
   * (and at most `timeoutUs` microseconds when non-zero; `until` defaults to NO_EXIT). A REP string instruction counts one
   * instruction per iteration (QEMU loops on it): run it with `until` set to the next instruction.
   * Exceptions end the run (RIP stays on the faulting instruction); #UD comes back as vector 6.
   */
  run(count: number, until: bigint = NO_EXIT, begin?: bigint, timeoutUs = 0): UcRunResult {
    const start = begin ?? this.reg(X86_REG.RIP);
    this.pending = null;
    this.unmapped = null;
    this.clearPendingException();
    const err = this.lib.emuStart(this.handle, start, until, BigInt(timeoutUs), count) as number;
    let exception = this.pending as UcException | null;
    if (exception === null && err === UC_ERR_INSN_INVALID) exception = { vector: 6, errorCode: 0 };
    if (exception !== null) this.clearPendingException();
    return { err, exception, unmapped: this.unmapped };
  }

  stop(): void {
    this.lib.emuStop(this.handle);
  }

  /** Drops translated code for [begin, end) (all of it when no range is given). */
  flushCode(begin?: bigint, end?: bigint): void {
    const WRITE = 1 << 30;
    if (begin === undefined || end === undefined) {
      this.check('uc_ctl(TB_FLUSH)', this.lib.ctl(this.handle, 10 | WRITE));
    } else {
      this.check('uc_ctl(TB_REMOVE_CACHE)', this.lib.ctl(this.handle, 9 | (2 << 26) | WRITE, 'uint64_t', begin, 'uint64_t', end));
    }
  }

  /**
   * Drops Unicorn's TLB. Register writes through the API (CR3, CR4, CR0) do not flush it in 2.0.1;
   * a change of the memory map does, so a scratch page is mapped and unmapped at a non-canonical
   * address no guest access can reach.
   */
  flushTlb(): void {
    const scratch = 0x4000_7e1b_f1e0_0000n;
    if (this.lib.memMap(this.handle, scratch, 4096, UC_PROT_ALL) === UC_ERR_OK) this.lib.memUnmap(this.handle, scratch, 4096);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lib.close(this.handle);
    if (this.ctx !== 0n) this.lib.contextFree(this.ctx);
    for (const cb of this.callbacks) koffi.unregister(cb);
    for (const r of this.ram) this.lib.munmap(r.ptr, r.size);
    this.lib.munmap(this.scratch, 4096);
    this.ram.length = 0;
    this.handle = 0n;
  }
}

// ---------------------------------------------------------------------------- calibration

function calibrate(lib: UnicornLibrary): ContextLayout | null {
  const out: (bigint | null)[] = [null];
  if (lib.open(UC_ARCH_X86, UC_MODE_64, out) !== UC_ERR_OK) return null;
  const uc = out[0] as bigint;
  const cbs: bigint[] = [];
  let ctx = 0n;
  try {
    const size = Number(lib.contextSize(uc));
    const cOut: (bigint | null)[] = [null];
    if (lib.contextAlloc(uc, cOut) !== UC_ERR_OK) return null;
    ctx = cOut[0] as bigint;
    const view = new DataView(koffi.view(ctx, size));
    const snap = () => { lib.contextSave(uc, ctx); return new DataView(view.buffer.slice(0)); };
    const q = (a: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); lib.memWrite(uc, BigInt(a), b, 8); };
    const reg = (id: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); lib.regWrite(uc, id, b); };
    const msr = (v?: bigint): bigint => {
      const b = new Uint8Array(16), d = new DataView(b.buffer);
      d.setUint32(0, MSR_EFER, true);
      if (v !== undefined) { d.setBigUint64(8, v, true); lib.regWrite(uc, X86_REG.MSR, b); }
      lib.regRead(uc, X86_REG.MSR, b);
      return d.getBigUint64(8, true);
    };
    lib.memMap(uc, 0n, 4 << 20, UC_PROT_ALL);
    // PML4 0x10000 -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000 (identity 4 KiB pages for the first 2 MiB)
    // (user-accessible: the hflags probe below runs code at CPL 3)
    q(0x10000, 0x11007n); q(0x11000, 0x12007n); q(0x12000, 0x13007n);
    for (let i = 0; i < 512; i++) q(0x13000 + 8 * i, BigInt(i * 4096) | 7n);
    q(0x13000 + 8 * 0x50, 0n); // 0x50000 not present
    q(0x13000 + 8 * 0x51, 0x51001n); // read-only
    q(0x13000 + 8 * 0x52, 0x52003n | (1n << 51n)); // reserved bit (MAXPHYADDR 40)
    reg(X86_REG.CR3, 0x10000n); reg(X86_REG.CR4, 0x20n); reg(X86_REG.CR0, 0x80010033n);
    let vec = -1;
    const intr = koffi.register((u: unknown, intno: number) => { vec = intno; lib.emuStop(uc); }, koffi.pointer(lib.IntrCb));
    cbs.push(intr);
    lib.hookAdd(uc, [0n], UC_HOOK_INTR, intr, null, 1n, 0n);
    const clean = snap();
    // each case: mov rax, [abs] (48 8b 04 25 disp32) or mov [abs], rax (48 89 04 25 disp32); hlt
    const cases: [number, number, number][] = [[0x8b, 0x50000, 0], [0x89, 0x50008, 2], [0x89, 0x51010, 3], [0x8b, 0x52010, 9], [0x89, 0x52018, 0xb]];
    const snaps: DataView[] = [];
    let oldExc = -1;
    let code = 0x1000;
    for (const [op, addr, expect] of cases) {
      const bytes = new Uint8Array([0x48, op, 0x04, 0x25, addr & 0xff, (addr >> 8) & 0xff, (addr >> 16) & 0xff, 0, 0xf4]);
      lib.memWrite(uc, BigInt(code), bytes, bytes.length);
      vec = -1;
      lib.emuStart(uc, BigInt(code), 0n, 0n, 1);
      code += 0x100;
      if (vec !== 14) return null;
      const s = snap();
      snaps.push(s);
      if (oldExc < 0) {
        const found: number[] = [];
        for (let o = 0; o + 4 <= size; o += 4) if (clean.getInt32(o, true) === -1 && s.getInt32(o, true) === 14) found.push(o);
        if (found.length !== 1) return null;
        oldExc = found[0];
      }
      view.setInt32(oldExc, -1, true);
      lib.contextRestore(uc, ctx);
      void expect;
    }
    const errs: number[] = [];
    for (let o = 0; o + 4 <= size; o += 4) if (cases.every((c, k) => snaps[k].getInt32(o, true) === c[2])) errs.push(o);
    if (errs.length !== 1) return null;
    // EFER: LME can be cleared through WRMSR; the one 64-bit field that follows is EFER
    const e0 = snap();
    msr(0x400n);
    const e1 = snap();
    msr(0x500n);
    const efers: number[] = [];
    for (let o = 0; o + 8 <= size; o += 8) if (e0.getBigUint64(o, true) === 0x500n && e1.getBigUint64(o, true) === 0x400n) efers.push(o);
    if (efers.length !== 1) return null;
    // hflags: HF_LMA (bit 14) and HF_CS64 (bit 15) set, CPL bits clear; confirmed by MOV from CR0
    // faulting with #GP(0) at CPL 3 and not at CPL 0
    let hflags = -1;
    const h0 = snap();
    for (let o = 0; o < efers[0] && hflags < 0; o += 4) {
      const v = h0.getUint32(o, true);
      if ((v & 0xc003) !== 0xc000) continue;
      lib.contextSave(uc, ctx);
      view.setUint32(o, v | 3, true);
      lib.contextRestore(uc, ctx);
      const movCr0 = new Uint8Array([0x0f, 0x20, 0xc0, 0xf4]);
      lib.memWrite(uc, BigInt(code), movCr0, 4);
      vec = -1;
      lib.emuStart(uc, BigInt(code), 0n, 0n, 1);
      code += 0x10;
      const gp = vec === 13;
      lib.contextSave(uc, ctx);
      view.setUint32(o, v, true);
      view.setInt32(oldExc, -1, true);
      lib.contextRestore(uc, ctx);
      if (gp) hflags = o;
      if (code > 0xf000) break;
    }
    return { size, errorCode: errs[0], oldException: oldExc, efer: efers[0], hflags };
  } finally {
    if (ctx !== 0n) lib.contextFree(ctx);
    lib.close(uc);
    for (const cb of cbs) koffi.unregister(cb);
  }
}
