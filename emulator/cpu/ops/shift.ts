// (family registered here: see ops/index.ts)
export {};
