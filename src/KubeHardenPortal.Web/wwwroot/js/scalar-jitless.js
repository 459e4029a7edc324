// Loaded before the API reference's scalar.js. Its bundled Zod probes `Function('')` to decide whether it may compile
// validators at run time; under our CSP (no 'unsafe-eval') the probe fails anyway but reports a CSP violation.
// Jitless mode skips the probe and uses Zod's interpreter, which is what runs here regardless.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig ?? {}, { jitless: true });
