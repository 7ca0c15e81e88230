/** Whether an optional package is installed here (tests that hold only with or without it skip visibly). */
export function installed(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
