/** The source is not a valid or not an allowed CognigyScript expression; raised when a flow is compiled. */
export class ScriptSyntaxError extends Error {
  override readonly name = 'ScriptSyntaxError';

  /**
   * @param position offset in the source where the problem starts, when known
   * @param path where inside a JSON value the bad template sits (e.g. `echo.items[0]`), when relevant
   */
  constructor(
    message: string,
    readonly position: number | null = null,
    readonly path: string | null = null,
  ) {
    super(message);
  }
}

/** Evaluation failed (bad property read, refused access, budget exhausted...); callers fall back to '', undefined or false. */
export class ScriptRuntimeError extends Error {
  override readonly name = 'ScriptRuntimeError';
}
