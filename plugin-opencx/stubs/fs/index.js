// require('fs') from any module resolves to Node's built-in first; this re-export is for completeness.
module.exports = require('node:fs');
