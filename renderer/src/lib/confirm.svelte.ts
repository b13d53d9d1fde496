/**
 * One question at a time, asked with the shared ConfirmDialog (mounted once, ConfirmHost):
 * `await confirmer.ask({...})` is true when the user chose the action, false on Cancel/Escape.
 */
export type ConfirmRequest = Readonly<{
  title: string;
  detail?: string;
  confirmLabel: string;
  /** The label of "no" (default Cancel), when Cancel would read as the action itself ("Cancel run"). */
  cancelLabel?: string;
  danger?: boolean;
  hosts?: readonly string[];
}>;

type Pending = ConfirmRequest & { resolve: (yes: boolean) => void };

export class Confirmer {
  current = $state.raw<Pending | null>(null);

  ask(request: ConfirmRequest): Promise<boolean> {
    this.current?.resolve(false);
    return new Promise((resolve) => (this.current = { ...request, resolve }));
  }

  answer(yes: boolean): void {
    const pending = this.current;
    this.current = null;
    pending?.resolve(yes);
  }
}

export const confirmer = new Confirmer();
