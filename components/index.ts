/** The components layer: contract, job-string parsing, SHA, templates, orchestrations, built-ins. */
export * from './define.js';
export { parseJob, jobSha, jobShaInput, tokenize, type ParsedJob, type CommonOptions, type Token } from './parse.js';
export { pythonJsonDumps, pythonFloatRepr, sha3_224Hex, objectSha3_224 } from './sha.js';
export { CommonArgsSchema, DEFAULT_TIMEOUT, commonArgsFor, type CommonArgs } from './common-args.js';
export { argvSpecs, type ArgvSpec } from './argv.js';
export { formatExecHelp } from './exec-help.js';
export { renderTemplate, literalEval, pyRepr, pyStr, type LiteralResult } from './template.js';
export { loadOrchestration, jobLocation, type JobLocation } from './orchestration.js';
export { createRegistry, componentManifest, unknownVerbError, type ComponentRegistry } from './registry.js';
export { builtinComponents } from './builtin/index.js';
