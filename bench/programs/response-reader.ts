/**
 * Frames HTTP/1.1 responses on one keep-alive connection, one request in
 * flight at a time (the load clients never pipeline). Only what the bench
 * server sends has to be understood: a status line, headers, a
 * content-length body. Anything else is an error, never a guess.
 */
const maxHeadBytes = 64 * 1024;

export class ResponseReader {
  #chunks: Buffer[] = [];
  #have = 0;
  /** head + body length of the response being read; -1 until its head is complete */
  #need = -1;
  #status = 0;

  /** Feeds bytes; returns the status code once they complete a response, else undefined. */
  push(chunk: Buffer): number | undefined {
    this.#chunks.push(chunk);
    this.#have += chunk.length;
    if (this.#need < 0 && !this.#readHead()) return undefined;
    if (this.#have < this.#need) return undefined;
    if (this.#have > this.#need) throw new Error(`${this.#have - this.#need} bytes arrived after the response: the server answered twice`);
    const status = this.#status;
    this.#chunks = [];
    this.#have = 0;
    this.#need = -1;
    return status;
  }

  #readHead(): boolean {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [all];
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (all.length > maxHeadBytes) throw new Error(`no end of response head in ${all.length} bytes`);
      return false;
    }
    const head = all.toString('latin1', 0, end);
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!statusLine) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 40))}`);
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    if (!length) throw new Error('a response without content-length (the bench server always sends one)');
    this.#status = Number(statusLine[1]);
    this.#need = end + 4 + Number(length[1]);
    return true;
  }
}
