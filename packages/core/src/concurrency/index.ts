export { Semaphore } from './semaphore.js';
export { sharedSemaphore, type SharedSemaphore } from './shared-semaphore.js';
