// The compiled kernels (kernels.c), built by node-gyp when this optional package installs.
'use strict';
module.exports = require('./build/Release/kernels.node');
