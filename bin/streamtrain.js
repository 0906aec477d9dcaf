#!/usr/bin/env node
// Entry point of the `streamtrain` command. It runs the build in dist/: packed in the npm package, built by
// `npm run build` (or `prepare`, which npm runs on `npm install` in a clone) when working from the sources.
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('streamtrain is not built yet: run `npm install` (or `npm run build`) in the package folder first.');
    process.exit(1);
  }
  throw err;
});
