/** Hosts picked in the Hosts view; Deploy targets them when an entry names none of its own. */
export class HostSelection {
  selected = $state<string[]>([]);

  has(identity: string): boolean {
    return this.selected.includes(identity);
  }

  toggle(identity: string, on = !this.has(identity)): void {
    if (on && !this.has(identity)) this.selected = [...this.selected, identity];
    if (!on) this.selected = this.selected.filter((s) => s !== identity);
  }

  set(identities: readonly string[]): void {
    this.selected = [...new Set(identities)];
  }

  invert(all: readonly string[]): void {
    this.selected = all.filter((a) => !this.selected.includes(a));
  }
}

export const selection = new HostSelection();
