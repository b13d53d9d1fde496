/**
 * The server's clock as seen from the browser (pure): every relative time the console shows
 * ("started 5s ago") compares a server timestamp with `now()`, which is the browser's clock
 * corrected by the offset measured against `server:time`. A browser whose clock is minutes off,
 * or a server on another machine, then still shows the right age (issue #13 item 6).
 */
export class ClockOffset {
  /** Server clock minus browser clock, in ms. */
  offset = 0;
  /** Round trip of the sample the offset came from; a later sample replaces it only if it is not much slower. */
  #rtt = Infinity;
  #samples = 0;

  constructor(private readonly local: () => number = () => Date.now()) {}

  /**
   * One measurement: the browser's clock when the request left (`sentAt`) and when the answer
   * came back (`receivedAt`), and the server's clock in the answer. The server read its clock
   * about halfway through the round trip.
   */
  sample(sentAt: number, serverNow: number, receivedAt: number): void {
    const rtt = Math.max(0, receivedAt - sentAt);
    this.#samples++;
    // A slow answer (a busy server, a congested link) says less about the offset than a quick one.
    if (this.#samples > 1 && rtt > this.#rtt * 2 + 50) return;
    this.#rtt = rtt;
    this.offset = Math.round(serverNow - (sentAt + receivedAt) / 2);
  }

  /** Now, on the server's clock. */
  now(): number {
    return this.local() + this.offset;
  }
}
