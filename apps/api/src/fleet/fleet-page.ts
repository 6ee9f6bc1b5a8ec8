import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { adminOnly } from '../auth/admin-only.middleware.js';
import { ApiKeyRegistry } from '../auth/api-key-registry.js';

/** Where the fleet page is served. */
export const FLEET_PAGE_PATH = '/fleet';

/**
 * Where `npm run build` (scripts/build-fleet-page.mjs) writes the bundled page: beside this
 * module's compiled file, as `page/` is beside its source.
 */
export const FLEET_PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/**
 * Serves the fleet page's static files (an HTML shell, one script, one stylesheet) behind the
 * same admin check as Bull Board. The page is plain files from 'self', so helmet's strict
 * content security policy stays on (no inline script or style to allow).
 */
export function mountFleetPage(app: NestExpressApplication, dir = FLEET_PAGE_DIR): void {
  app.use(FLEET_PAGE_PATH, adminOnly(app.get(ApiKeyRegistry), 'The fleet page'));
  if (!existsSync(join(dir, 'index.html'))) {
    // Fail loudly, not with a bare 404, when the api runs from a build that skipped the page.
    app.use(FLEET_PAGE_PATH, (_request: Request, response: Response) => {
      response
        .status(503)
        .type('text/plain')
        .send(`the fleet page is not built (no index.html in ${dir}): run npm run build`);
    });
    return;
  }
  app.useStaticAssets(dir, {
    prefix: FLEET_PAGE_PATH,
    index: 'index.html',
    // /fleet answers with a redirect to /fleet/, where the shell is.
    redirect: true,
    // Small files: revalidate every load, so a new build shows at once.
    setHeaders: (response: Response) => response.setHeader('cache-control', 'no-cache'),
  });
}
