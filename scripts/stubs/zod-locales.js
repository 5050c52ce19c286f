// Build stub: medbill's bundle carries only zod's English messages (zod's full locale index
// adds about 400 KB that every run would parse). See scripts/build.mjs.
export { default as en } from '../../node_modules/zod/v4/locales/en.js';
