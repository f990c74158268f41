// One `eb-pipeline` command: the line `eb-pipeline --help` lists it with, and its body, which takes
// the arguments after the command's name and resolves to the exit code (command-support.ts EXIT_*).
// Its own module so that main.ts's table and the commands in it do not import each other.
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}
