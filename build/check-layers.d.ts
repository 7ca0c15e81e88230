// Types of build/check-layers.js (plain JavaScript, run by npm test before the build).
export const DOMAIN_ORDER: string[][];
/** Every import that breaks a layering rule, as "file: reason", for the tree at `root`. */
export function layerViolations(root: string): string[];
