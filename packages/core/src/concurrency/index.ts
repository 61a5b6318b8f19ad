export { Semaphore } from './semaphore.js';
export { type SharedSemaphore, sharedSemaphore } from './shared-semaphore.js';
