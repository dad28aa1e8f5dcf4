import ora from 'ora';

/** A progress spinner on the given terminal stream. A module of its own: ora is loaded only when a spinner is shown. */
export function startSpinner(text: string, stream: NodeJS.WriteStream): { update(text: string): void; stop(): void } {
  const spinner = ora({ text, stream }).start();
  return { update: (t) => void (spinner.text = t), stop: () => void spinner.stop() };
}
