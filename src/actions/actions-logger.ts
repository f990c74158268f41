// The engine's Logger on a GitHub Actions runner: groups, debug lines and annotations. Every
// message goes through `inert` (src/engine/inert.ts) first: the engine's messages carry text from
// outside (HTTP bodies, EB events, AWS errors) that must never become a workflow command.
// core.info writes the text as it is; the others escape line breaks, but a defused text reads the
// same in every one of them.
import * as core from '@actions/core';
import { inert } from '../engine/inert.js';
import type { AnnotationProps, Logger } from '../engine/logger.js';

export const actionsLogger: Logger = {
  info: (m) => core.info(inert(m)),
  debug: (m) => core.debug(inert(m)),
  warning: (m, p?: AnnotationProps) => core.warning(inert(m), p?.title ? { title: inert(p.title) } : {}),
  error: (m, p?: AnnotationProps) => core.error(inert(m), p?.title ? { title: inert(p.title) } : {}),
  group: (name, fn) => core.group(inert(name), fn),
};
