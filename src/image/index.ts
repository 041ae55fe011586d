export * from './decode.js';
export * from './folders.js';
