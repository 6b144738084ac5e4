// The page's Stop button, as the run sees it: whatever phase is running (training, an evaluation) registers how it
// stops; a Stop pressed between phases (while the base is quantized) waits for the next one.

export class StopSwitch {
  #handler: (() => void) | undefined;
  #pending = false;

  /** Stop the running phase, or the next one to register. */
  stop(): void {
    const handler = this.#handler;
    this.#handler = undefined;
    if (handler) handler();
    else this.#pending = true;
  }

  /** `handler` stops the phase that is starting (at once if Stop was pressed before); returns its removal. */
  on(handler: () => void): () => void {
    if (this.#pending) {
      this.#pending = false;
      handler();
      return () => {};
    }
    this.#handler = handler;
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  /** An AbortSignal for a phase that checks one (the evaluation), aborted by the next Stop. */
  signal(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    return { signal: controller.signal, release: this.on(() => controller.abort()) };
  }
}
