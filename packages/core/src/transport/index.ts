export type * from './message.js';
export type * from './mail-transport.js';
