#!/usr/bin/env node
console.log("tgsc-server: not built yet")
