// What the engine says, independent of where it goes: GitHub Actions annotations and groups
// (src/actions/actions-logger.ts) or plain lines on a terminal (src/cli/console-logger.ts).
export interface AnnotationProps {
  title?: string;
}

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, props?: AnnotationProps): void;
  error(message: string, props?: AnnotationProps): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Keeps every line; used by unit tests and to collect what a summary should show. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'info' | 'debug' | 'warning' | 'error'; message: string }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  warning(message: string): void {
    this.lines.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'info', message: `## ${name}` });
    return fn();
  }
  text(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
}
