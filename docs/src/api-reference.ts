// The API reference: TypeDoc over each published package's entry point (packages/*/src/index.ts, read through the
// `@lora/source` condition, so no build is needed), one module per package named by its package.json, rendered
// to Markdown by typedoc-plugin-markdown into the site. The same conversion lists exports without a doc comment.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, Converter, type ProjectReflection, ReflectionKind } from 'typedoc';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The program TypeDoc reads: the root compiler options over the packages' sources, tests left out. */
export const API_TSCONFIG = fileURLToPath(new URL('../tsconfig.api.json', import.meta.url));

export interface ApiPackage {
  /** the folder under packages/ */
  dir: string;
  /** the package name, e.g. @lora/core */
  name: string;
  description: string;
}

/** The packages a user installs: every packages/* with a src/index.ts that is not private. */
export function apiPackages(root: string = REPO_ROOT): ApiPackage[] {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', d.name, 'package.json'), 'utf8')) as {
        name: string;
        private?: boolean;
        description?: string;
      };
      if (manifest.private) return [];
      return [{ dir: d.name, name: manifest.name, description: manifest.description ?? '' }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Top-level export kinds that must carry a doc comment (members of classes and interfaces are not counted). */
const DOCUMENTED_KINDS =
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Function |
  ReflectionKind.Variable;

/**
 * A TypeDoc application over `packages`. With `out`, it renders Markdown for VitePress there (`docsRoot` is the
 * VitePress source folder the sidebar links are relative to); without, it only converts.
 */
export async function apiApplication(
  packages: readonly ApiPackage[],
  render?: { out: string; docsRoot: string },
): Promise<Application> {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: packages.map((p) => join(REPO_ROOT, 'packages', p.dir, 'src', 'index.ts')),
    tsconfig: API_TSCONFIG,
    // the root `pnpm typecheck` holds the sources to the compiler; TypeDoc only reads them
    skipErrorChecking: true,
    disableSources: true,
    excludePrivate: true,
    excludeInternal: true,
    readme: 'none',
    name: 'API reference',
    logLevel: 'Warn',
    ...(render
      ? {
          plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
          out: render.out,
          docsRoot: render.docsRoot,
          outputFileStrategy: 'modules',
          excludeScopesInPaths: true,
          indexFormat: 'table',
          hideBreadcrumbs: true,
          useCodeBlocks: true,
          parametersFormat: 'table',
          interfacePropertiesFormat: 'table',
          classPropertiesFormat: 'table',
          typeDeclarationFormat: 'table',
          // doc comments are Markdown text: a `<dir>` outside backticks is text, not an HTML tag for Vue
          sanitizeComments: true,
          // TypeDoc's links name anchors its router slugs, which VitePress's heading ids need not match (`Prng.state`
          // and the type `PrngState` slug alike, so the router numbers the type `prngstate-1` where VitePress says
          // `prngstate`): every anchored heading carries the router's id itself, prefixed so it is not a heading's
          // (the plugin maintainer's remedy, typedoc2md/typedoc-plugin-markdown#764); site.browser.test.ts checks them
          useHTMLAnchors: true,
          anchorPrefix: 'api-',
        }
      : {}),
  } as Parameters<typeof Application.bootstrapWithPlugins>[0]);
  // TypeDoc names a module by its path (core/src); name it by its package and describe it with package.json's line
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      const pkg = packages.find((p) => module.name === `${p.dir}/src` || module.name === p.dir);
      if (!pkg) continue;
      module.name = pkg.name;
      module.comment ??= new Comment([{ kind: 'text', text: pkg.description }]);
    }
  });
  return app;
}

/** Convert the packages; throws when TypeDoc cannot read them. */
export async function convertApi(app: Application): Promise<ProjectReflection> {
  const project = await app.convert();
  if (!project) throw new Error('api: expected TypeDoc to convert the packages, got errors (see above)');
  return project;
}

/** `@lora/x: Name` for every top-level export without a doc comment (on itself or, for a function, a signature). */
export function undocumentedExports(project: ProjectReflection): string[] {
  const missing: string[] = [];
  for (const module of project.children ?? []) {
    for (const child of module.children ?? []) {
      if (!child.kindOf(DOCUMENTED_KINDS)) continue;
      const signatures = child.signatures ?? [];
      if (child.hasComment() || signatures.some((s) => s.hasComment())) continue;
      missing.push(`${module.name}: ${child.name}`);
    }
  }
  return missing.sort();
}
