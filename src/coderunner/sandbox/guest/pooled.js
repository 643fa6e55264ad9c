// A pooled JavaScript sandbox's wait (sandbox/pool.py, ADR 0014), mounted at
// /usr/lib/coderunner/pooled.js and preloaded with `node --require=...` behind our init's
// relay (init.py --pooled): node's start-up is done when this runs, and the main module is not
// yet resolved (the source behind /sandbox/main.js is written only at hand-out). It says "r" on
// the socket in CODERUNNER_POOLED_FD, blocks for the host's "g", and returns, so node loads the
// learner's program by its normal path. Anything but "g" ends the process with nothing run.
// It leaves no trace the program could see that an unpooled run has not: the socket is closed,
// the variable gone, the flag out of process.execArgv (a fork's children never wait here), and
// this module out of require.cache.
"use strict";

const POOLED_FD = "CODERUNNER_POOLED_FD";
const PRELOAD = `--require=${__filename}`;

function awaitGo(fd) {
  const fs = require("fs");
  const go = Buffer.alloc(1);
  let got = 0;
  try {
    fs.writeSync(fd, "r");
    got = fs.readSync(fd, go, 0, 1, null);
  } catch {
    got = 0;
  }
  try {
    fs.closeSync(fd);
  } catch {
    // closed already: nothing of it is left to the program either way
  }
  if (got !== 1 || go[0] !== 0x67) {
    process.exit(3); // no go: the host destroys this sandbox; nothing ran
  }
}

const raw = process.env[POOLED_FD];
delete process.env[POOLED_FD];
const at = process.execArgv.indexOf(PRELOAD);
if (at !== -1) {
  process.execArgv.splice(at, 1);
}
delete require.cache[__filename];
if (raw !== undefined && /^[0-9]+$/.test(raw)) {
  awaitGo(Number(raw));
}
