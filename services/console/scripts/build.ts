/** `npm run build:console` (and npm ci's prepare, npm start's prestart): builds the console when stale. */
import { buildConsole } from '../server/build.js';

const started = Date.now();
const force = process.argv.includes('--force');
const built = await buildConsole({ force });
process.stdout.write(
  built
    ? `web console built in ${Date.now() - started} ms / Web コンソールをビルドしました\n`
    : 'web console is up to date / Web コンソールは最新です\n',
);
