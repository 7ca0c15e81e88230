// Types of build/fuses.js (plain JavaScript, so that a packager can load it as is).
import type { FuseV1Config } from '@electron/fuses';

export interface AfterPackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { executableName: string; appInfo: { productFilename: string } };
}

export declare const FUSES: Readonly<FuseV1Config>;
export declare function applyFuses(binaryPath: string, options?: { resetAdHocDarwinSignature?: boolean }): Promise<Record<number, number>>;
export declare function electronBinaryPath(context: AfterPackContext): string;
export default function afterPack(context: AfterPackContext): Promise<void>;
