#!/usr/bin/env node
// Mints a demo token with the npm package `jose` (from tests/node_modules).
// Used by demo.sh when the project's own CLI (build/tests/tools/jwt-cli) is not built.
//   node demo/mint-token.js --key private.pem --alg ES256 --kid demo-ec --claims '{"sub":"alice"}'
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const jose = require(path.join(__dirname, '..', 'tests', 'node_modules', 'jose'));

function parseArgs(argv) {
    const opts = {};
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i];
        const value = argv[i + 1];
        if (!name.startsWith('--') || value === undefined) {
            throw new Error(`usage: mint-token.js --key FILE --alg ALG [--kid KID] --claims JSON (bad argument ${name})`);
        }
        opts[name.slice(2)] = value;
    }
    for (const required of ['key', 'alg', 'claims']) {
        if (!opts[required]) throw new Error(`missing --${required}`);
    }
    return opts;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const key = await jose.importPKCS8(fs.readFileSync(opts.key, 'utf8'), opts.alg);
    const header = { alg: opts.alg, typ: 'JWT' };
    if (opts.kid) header.kid = opts.kid;
    const token = await new jose.CompactSign(Buffer.from(opts.claims, 'utf8'))
        .setProtectedHeader(header)
        .sign(key);
    process.stdout.write(token + '\n');
}

main().catch((err) => {
    process.stderr.write(`mint-token.js: ${err.message}\n`);
    process.exit(1);
});
