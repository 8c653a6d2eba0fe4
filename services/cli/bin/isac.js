#!/usr/bin/env node
// The `isac` command: the compiled bundle that `npm ci` (root `prepare`) builds into ../dist.
import '../dist/isac.js';
