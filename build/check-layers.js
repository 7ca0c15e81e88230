// Layering rules, kept as data and checked in `npm test` (VS Code keeps its rules the same way).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NATIVE = ['better-sqlite3', '@synthehr/native-kernels', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/**
 * The domains of main/, lowest first: a domain imports only from domains before
 * it (ipc and cli are peers: neither imports the other). main/cli.ts belongs to cli.
 */
export const DOMAIN_ORDER = [['common', 'native'], ['store'], ['ingest'], ['sequence'], ['cohort'], ['privacy'], ['models'], ['training'], ['evaluation'], ['review'], ['export'], ['ipc', 'cli'], ['app']];
const rank = new Map(DOMAIN_ORDER.flatMap((names, i) => names.map((n) => [n, i])));
const domainOf = (file) => (file.startsWith('main/') ? file.slice('main/'.length).split('/')[0].replace(/\.(ts|js)$/, '') : undefined);

/** Each rule: files it applies to, and a test returning a reason when an import is not allowed. */
const rules = [
  {
    name: `main/ imports follow the domain order ${DOMAIN_ORDER.map((names) => names.join(', ')).join(' < ')}`,
    files: (f) => f.startsWith('main/'),
    check: ({ file, target }) => {
      const from = domainOf(file);
      if (!rank.has(from)) return `main/${from} is in no domain of the order: add it to DOMAIN_ORDER in build/check-layers.js`;
      const to = target && domainOf(target);
      if (to === undefined || to === from) return undefined;
      if (!rank.has(to)) return `main/${to} is in no domain of the order: add it to DOMAIN_ORDER in build/check-layers.js`;
      if (rank.get(to) >= rank.get(from)) return `${from} may not import ${to} (the order is ${DOMAIN_ORDER.map((names) => names.join(', ')).join(' < ')}): move the shared piece down`;
    },
  },
  {
    name: 'renderer imports no main/ code, no Node or Electron, and only types from the contract',
    files: (f) => f.startsWith('renderer/'),
    check: ({ target, spec, typeOnly }) => {
      if (target?.startsWith('main/')) return 'the renderer never imports main/';
      if (target?.startsWith('preload/') && !(target.startsWith('preload/contract') && typeOnly)) return 'the renderer may only `import type` from preload/contract';
      if (spec === 'electron' || spec.startsWith('node:') || NATIVE.includes(spec)) return 'the renderer runs sandboxed, without Node';
    },
  },
  {
    name: 'only main/app and main/ipc import electron',
    files: (f) => f.startsWith('main/') && !f.startsWith('main/app/') && !f.startsWith('main/ipc/'),
    check: ({ spec }) => (spec === 'electron' ? 'domain code is plain Node: electron belongs in main/app or main/ipc' : undefined),
  },
  {
    name: 'only main/ipc touches ipcMain',
    files: (f) => !f.startsWith('main/ipc/'),
    check: ({ source }) => (/\bipcMain\b/.test(source) ? 'ipcMain is used only through main/ipc/handle.ts' : undefined),
    once: true,
  },
  {
    name: 'native modules load only in main/',
    files: (f) => !f.startsWith('main/') && !f.startsWith('test/') && !f.startsWith('build/'),
    check: ({ spec }) => (NATIVE.includes(spec) ? 'native modules load only in main/' : undefined),
  },
  {
    name: 'SQL stays in main/store',
    files: (f) => f.startsWith('main/') && !f.startsWith('main/store/'),
    check: ({ source }) => (/\.(prepare|exec)\(\s*[`'"]\s*(SELECT|INSERT|UPDATE|DELETE|CREATE)/i.test(source) ? 'SQL belongs in main/store repositories' : undefined),
    once: true,
  },
];

/**
 * Entry points that must start quickly, and the packages their static imports
 * may not reach: a command's heavy pieces load with `await import()` when it runs.
 */
const STARTUP_RULES = [
  {
    entry: 'main/cli.ts',
    forbidden: (spec) => spec.startsWith('@tensorflow/'),
    reason: 'synthehr loads TensorFlow.js only when a command needs it (its help and first progress line come at once): import it with `await import()` in the command\'s run',
  },
];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(name)) yield path;
  }
}

const IMPORT = /(?:^|[\n;])\s*(import\s+type\s|import\s|export\s[^'"]*?from\s)[^'"]*?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module a relative spec names: "./x.js" may be x.ts or x.tsx on disk. */
function resolveSpec(root, abs, spec) {
  const base = resolve(dirname(abs), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** What an entry loads before it runs anything (static value imports, transitively), as a chain of files per package. */
function startupViolations(root) {
  const violations = [];
  for (const rule of STARTUP_RULES) {
    const parent = new Map([[join(root, rule.entry), undefined]]);
    const queue = [join(root, rule.entry)];
    let found;
    let paths = 0;
    while (queue.length) {
      const abs = queue.shift();
      for (const m of readFileSync(abs, 'utf8').matchAll(IMPORT)) {
        const spec = m[2];
        if (spec === undefined || (m[1] ?? '').startsWith('import type')) continue; // dynamic, required or type-only
        if (rule.forbidden(spec)) {
          // Breadth first: the first path found is a shortest one; fixing it shows the next.
          if (!found) {
            const chain = [];
            for (let f = abs; f; f = parent.get(f)) chain.unshift(relative(root, f).split('\\').join('/'));
            found = `${rule.entry}: loads "${spec}" at start (${chain.join(' → ')})`;
          }
          paths += 1;
          continue;
        }
        const target = spec.startsWith('.') ? resolveSpec(root, abs, spec) : undefined;
        if (target && !parent.has(target)) {
          parent.set(target, abs);
          queue.push(target);
        }
      }
    }
    if (found) violations.push(`${found}${paths > 1 ? ` and by ${paths - 1} more import(s)` : ''}: ${rule.reason}`);
  }
  return violations;
}

/** Every import that breaks a rule, as "file: reason", for the tree at `root`. */
export function layerViolations(root) {
  const violations = startupViolations(root);
  for (const top of ['main', 'preload', 'renderer']) {
    for (const abs of walk(join(root, top))) {
      const file = relative(root, abs).split('\\').join('/');
      const source = readFileSync(abs, 'utf8');
      const applicable = rules.filter((r) => r.files(file));
      for (const rule of applicable.filter((r) => r.once)) {
        const reason = rule.check({ source });
        if (reason) violations.push(`${file}: ${reason}`);
      }
      for (const m of source.matchAll(IMPORT)) {
        const spec = m[2] ?? m[3] ?? m[4];
        const typeOnly = (m[1] ?? '').startsWith('import type');
        const target = spec.startsWith('.') ? relative(root, resolve(dirname(abs), spec)).split('\\').join('/') : undefined;
        for (const rule of applicable.filter((r) => !r.once)) {
          const reason = rule.check({ file, spec, target, typeOnly, source });
          if (reason) violations.push(`${file}: imports "${spec}": ${reason}`);
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = layerViolations(join(import.meta.dirname, '..'));
  if (violations.length) {
    console.error(`Layer check failed:\n  ${violations.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`Layer check: ${rules.length + STARTUP_RULES.length} rules hold.`);
}
