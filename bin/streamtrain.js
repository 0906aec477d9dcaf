#!/usr/bin/env node
// Entry point of the `streamtrain` command; the TypeScript sources are compiled to dist/ on install.
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('streamtrain is not built yet: run `npm install` (or `npm run build`) in the package folder first.');
    process.exit(1);
  }
  throw err;
});
