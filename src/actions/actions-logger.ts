// The engine's Logger on a GitHub Actions runner: groups, debug lines and annotations.
import * as core from '@actions/core';
import type { AnnotationProps, Logger } from '../engine/logger.js';

export const actionsLogger: Logger = {
  info: (m) => core.info(m),
  debug: (m) => core.debug(m),
  warning: (m, p?: AnnotationProps) => core.warning(m, p ?? {}),
  error: (m, p?: AnnotationProps) => core.error(m, p ?? {}),
  group: (name, fn) => core.group(name, fn),
};
