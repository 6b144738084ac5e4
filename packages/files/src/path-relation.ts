// How two paths stand to each other once symbolic links are resolved: the same, one inside the other, or apart.
// For "an output must not be, contain or lie inside an input" checks; paths that do not exist yet are resolved
// through their nearest existing parent.
import { nodeFs } from './node-fs.js';

/** `a` is `b`, lies `inside` it, `contains` it, or is `apart` from it. */
export type PathRelation = 'same' | 'inside' | 'contains' | 'apart';

/** The absolute path with every symbolic link resolved (a missing tail kept as it is written). */
export async function canonicalPath(path: string): Promise<string> {
  const m = await nodeFs(path);
  let head = m.path.resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await m.fs.realpath(head);
      return tail.length === 0 ? real : m.path.join(real, ...tail.reverse());
    } catch {
      const parent = m.path.dirname(head);
      if (parent === head) return m.path.resolve(path);
      tail.push(m.path.basename(head));
      head = parent;
    }
  }
}

/** How `a` stands to `b`. Hard links to one file and folders mounted twice count as the same. */
export async function pathRelation(a: string, b: string): Promise<PathRelation> {
  const m = await nodeFs(a);
  const [ca, cb] = await Promise.all([canonicalPath(a), canonicalPath(b)]);
  const within = (outer: string, inner: string) => {
    const rel = m.path.relative(outer, inner);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${m.path.sep}`) && !m.path.isAbsolute(rel);
  };
  if (ca === cb) return 'same';
  const [sa, sb] = await Promise.all([
    m.fs.stat(ca).catch(() => undefined),
    m.fs.stat(cb).catch(() => undefined),
  ]);
  if (sa && sb && sa.dev === sb.dev && sa.ino === sb.ino) return 'same';
  if (within(cb, ca)) return 'inside';
  if (within(ca, cb)) return 'contains';
  return 'apart';
}
