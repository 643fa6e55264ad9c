// A pooled JavaScript sandbox's wait (sandbox/pool.py, ADR 0014), mounted at
// /usr/lib/coderunner/pooled.js and preloaded with `node --require=...` behind our init's quiet
// relay (init.py --pooled-quiet): node's start-up is done when this runs, and the main module is
// not yet resolved (the source behind /sandbox/main.js is written only at hand-out). The relay's
// socket is the one socket node holds (its stdio are pipes and memfds; no variable names it, so
// the program's environment is an unpooled run's). This says "r" there, blocks for the host's
// "g", closes it and returns, so node loads the learner's program by its normal path. Anything
// but "g" ends the process with nothing run. It leaves no trace the program could see that an
// unpooled run has not, but for node's command line: the socket is closed, the flag out of
// process.execArgv (a fork's children never load this), this module out of require.cache.
"use strict";

const fs = require("fs");
const PRELOAD = `--require=${__filename}`;

function relaySocket() {
  let found = -1;
  for (const name of fs.readdirSync("/proc/self/fd")) {
    let target = "";
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory's own descriptor, closed by now
    }
    if (Number(name) > 2 && target.startsWith("socket:")) {
      if (found !== -1) {
        return -1; // more than one: not the sandbox we were made for
      }
      found = Number(name);
    }
  }
  return found;
}

function awaitGo(fd) {
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

const at = process.execArgv.indexOf(PRELOAD);
if (at !== -1) {
  process.execArgv.splice(at, 1);
}
delete require.cache[__filename];
// node preloads this in the program's worker threads too: they run long after the go
if (require("worker_threads").isMainThread) {
  const control = relaySocket();
  if (control === -1) {
    process.exit(3); // no relay to wait on: never run a program unbidden
  }
  awaitGo(control);
}
