// Operator endpoint for the catalog's built images (under /_imago/, admin only):
//
//   POST /_imago/images/build  {"name": "debian-12"}   build (unless cached) and publish, in the
//                                                      background; answers the build's status
//   GET  /_imago/images/build?name=debian-12           the status: state idle | building | done
//                                                      | failed, phase, elapsedMs, result, error
//
// A build takes minutes, longer than an HTTP client waits, so it runs in the background and the
// caller (`imago images build --endpoint`) polls; a second POST while one runs joins it.
import type { OperatorRoute } from '../images/image-admin.js';
import { ensureBuiltImage, type BuiltImageDeps, type PublishedImage } from './built-images.js';
import { recipe, ImageBuildError } from './image-build.js';

export interface BuildStatus {
  name: string;
  state: 'idle' | 'building' | 'done' | 'failed';
  /** the build's phase while building (`cache` while importing or when nothing needs building) */
  phase?: string;
  elapsedMs?: number;
  result?: PublishedImage;
  error?: string;
}

export function builtImageAdminRoutes(deps: Omit<BuiltImageDeps, 'build'>): OperatorRoute[] {
  const runs = new Map<string, { status: BuildStatus; started: number }>();
  const view = (name: string): BuildStatus => {
    const run = runs.get(name);
    if (!run) return { name, state: 'idle' };
    return run.status.state === 'building' ? { ...run.status, elapsedMs: Date.now() - run.started } : run.status;
  };
  const start = (name: string) => {
    if (runs.get(name)?.status.state === 'building') return;
    const run = { status: { name, state: 'building', phase: 'cache' } as BuildStatus, started: Date.now() };
    runs.set(name, run);
    ensureBuiltImage({ ...deps, build: true }, recipe(name), (p) => (run.status.phase = p.phase)).then(
      (result) => (run.status = { name, state: 'done', elapsedMs: Date.now() - run.started, result }),
      (e: unknown) => {
        if (!(e instanceof ImageBuildError)) deps.log.error('image build failed', { image: name, err: String(e) });
        run.status = { name, state: 'failed', elapsedMs: Date.now() - run.started, error: (e as Error).message };
      },
    );
  };
  const build: OperatorRoute = {
    path: '/_imago/images/build',
    async handle({ method, query, body }) {
      let name: unknown = query.get('name');
      if (method === 'POST') {
        try {
          ({ name } = JSON.parse(body.toString('utf8')) as { name: unknown });
        } catch {
          return { status: 400, body: { error: 'the body must be JSON: {"name": "debian-12"}' } };
        }
      } else if (method !== 'GET') {
        return { status: 405, body: { error: `${method} is not supported on /_imago/images/build` } };
      }
      try {
        recipe(String(name));
      } catch (e) {
        return { status: 400, body: { error: (e as Error).message } };
      }
      if (method === 'POST') start(String(name));
      return { status: 200, body: view(String(name)) };
    },
  };
  return [build];
}
