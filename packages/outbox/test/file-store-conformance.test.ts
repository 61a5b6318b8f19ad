import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../src/index.js';
import { describeStoreConformance } from '../src/testing/index.js';

describeStoreConformance('file', {
  newLocation: () => mkdtemp(join(tmpdir(), 'mailbridge-outbox-')),
  open: (dir, { leaseMs }) => createFileStore({ dir, leaseMs }),
});
