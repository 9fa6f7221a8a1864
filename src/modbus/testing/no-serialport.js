// Preload (`node --import ./src/modbus/testing/no-serialport.js …`): `serialport` and `@serialport/*` cannot
// be resolved, as in an install where package.json's override replaces modbus-serial's optional serialport
// with an empty package. Each refused specifier is appended to the file named by NO_SERIALPORT_FILE, so a
// test can tell that modbus-serial did ask for it (src/modbus/without-serialport.test.ts).
import { appendFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import process from 'node:process';

const HIDDEN = /^(serialport|@serialport\/)/;

// module.registerHooks: Node.js 22.15+ (engines allows 22.13): say so rather than fail obscurely.
if (typeof nodeModule.registerHooks !== 'function') {
  throw new Error(
    `no-serialport.js needs module.registerHooks (Node.js 22.15 or later), not Node.js ${process.version}`,
  );
}
nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    if (HIDDEN.test(specifier)) {
      if (process.env.NO_SERIALPORT_FILE) appendFileSync(process.env.NO_SERIALPORT_FILE, `${specifier}\n`);
      const err = new Error(`Cannot find module '${specifier}' (hidden by no-serialport.js)`);
      Object.assign(err, { code: 'MODULE_NOT_FOUND' });
      throw err;
    }
    return nextResolve(specifier, context);
  },
});
