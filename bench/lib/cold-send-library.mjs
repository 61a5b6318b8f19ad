// The library equivalent of `mailbridge send` for bench/cold-send.mjs: the README's example in a
// fresh process (load the config, get a token, send one alert, close). Run with the CLI package as
// the working directory, where core's createTransport finds the adapter packages.
import { createTransport } from '../../packages/core/dist/index.js';

const [configFile, subject] = process.argv.slice(2);
const mail = await createTransport(configFile);
await mail.send({ to: ['ops@contoso.com'], subject, text: 'disk 97% on db-01' });
await mail.close();
