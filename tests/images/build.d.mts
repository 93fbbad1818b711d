// Types of build.mjs (the image builder is plain JavaScript so that `npm start` can run it without a
// TypeScript step).
export declare const IMAGES_DIR: string;
export declare function imageNames(): string[];
export declare function buildImage(name: string): string;
