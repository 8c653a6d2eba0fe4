export * from './tlp.js';
